import { describe, expect, test } from "bun:test";
import { parseConfig } from "../lib/config/load";
import { BenchError } from "../lib/errors";
import { benchErrorOf } from "./helpers";

const TOOLS = `tools:
  cp:
    argv: [cp, -a, "{src}/.", "{dst}/"]
  rsync:
    argv: [rsync, -a, "{src}/", "{dst}/"]
`;

/** 1-based line of the first line containing `needle`: the expected position, read off the text itself. */
function lineOf(text: string, needle: string): number {
  const i = text.split("\n").findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`no line contains ${needle}`);
  return i + 1;
}

let lastText = "";
function configError(text: string): BenchError {
  lastText = text;
  return benchErrorOf(() => parseConfig(text, "bad.yaml", { env: {} }));
}

describe("config errors name the file, line, key and the fix", () => {
  test("an unknown key in a scenario is rejected with the known keys", () => {
    const e = configError(`${TOOLS}scenarios:
  - name: a
    tools: [cp]
    workload: { files: { count: 1, size: 1MiB } }
    runz: 3
`);
    expect(e.file).toBe("bad.yaml");
    expect(e.line).toBe(lineOf(lastText, "runz:"));
    expect(e.key).toBe("scenarios[0].runz");
    expect(e.message).toContain('unknown key "runz"');
    expect(e.hint).toContain('did you mean "runs"');
    expect(e.format()).toStartWith(`error: bad.yaml:${lineOf(lastText, "runz:")}:5: scenarios[0].runz:`);
  });

  test("a reversed size range names the size key and its line", () => {
    const e = configError(`${TOOLS}scenarios:
  - name: small
    tools: [cp]
    workload:
      files:
        count: 10
        size: 10KiB..1KiB
`);
    expect(e.line).toBe(lineOf(lastText, "size: 10KiB..1KiB"));
    expect(e.key).toBe("scenarios[0].workload.files.size");
    expect(e.message).toContain("reversed");
  });

  test("a negative count is an error with the minimum", () => {
    const e = configError(`${TOOLS}scenarios:
  - name: a
    tools: [cp]
    workload: { files: { count: -5, size: 1MiB } }
`);
    expect(e.line).toBe(lineOf(lastText, "count: -5"));
    expect(e.key).toBe("scenarios[0].workload.files.count");
    expect(e.message).toContain("at least 1");
  });

  test("a baseline that is not one of the scenario's tools is rejected", () => {
    const e = configError(`${TOOLS}scenarios:
  - name: a
    tools: [cp]
    baseline: rsync
    workload: { files: { count: 1, size: 1MiB } }
`);
    expect(e.line).toBe(lineOf(lastText, "baseline: rsync"));
    expect(e.key).toBe("scenarios[0].baseline");
    expect(e.message).toContain('baseline "rsync" is not one of this scenario\'s tools');
    expect(e.hint).toContain("add it to tools");
  });

  test("a threshold below 1 is rejected with the reason", () => {
    const e = configError(`${TOOLS}defaults:
  thresholds:
    max_time_ratio: 0.95
scenarios:
  - name: a
    tools: [cp]
    workload: { files: { count: 1, size: 1MiB } }
`);
    expect(e.line).toBe(lineOf(lastText, "max_time_ratio"));
    expect(e.key).toBe("defaults.thresholds.max_time_ratio");
    expect(e.message).toContain("at least 1");
    expect(e.hint).toContain("95%");
  });

  test("a tool that is not defined is rejected with the known tools", () => {
    const e = configError(`${TOOLS}scenarios:
  - name: a
    tools: [cp, robocopy]
    workload: { files: { count: 1, size: 1MiB } }
`);
    expect(e.line).toBe(lineOf(lastText, "robocopy"));
    expect(e.key).toBe("scenarios[0].tools[1]");
    expect(e.hint).toBe("known tools: cp, rsync");
  });

  test("a wrong type is named with what was given", () => {
    const e = configError(`${TOOLS}defaults:
  runs: five
scenarios:
  - name: a
    tools: [cp]
    workload: { files: { count: 1, size: 1MiB } }
`);
    expect(e.line).toBe(lineOf(lastText, "runs: five"));
    expect(e.key).toBe("defaults.runs");
    expect(e.message).toContain('"five"');
  });

  test("zero files per directory is impossible", () => {
    const e = configError(`${TOOLS}scenarios:
  - name: a
    tools: [cp]
    workload: { files: { count: 10, size: 1KiB, per_dir: 0 } }
`);
    expect(e.key).toBe("scenarios[0].workload.files.per_dir");
    expect(e.line).toBe(lineOf(lastText, "per_dir: 0"));
  });

  test("a group name that escapes the dataset root is rejected", () => {
    const e = configError(`${TOOLS}scenarios:
  - name: a
    tools: [cp]
    workload:
      groups:
        - { name: ../../etc, count: 1, size: 1KiB }
`);
    expect(e.key).toBe("scenarios[0].workload.groups[0].name");
    expect(e.line).toBe(lineOf(lastText, "../../etc"));
    expect(e.message).toContain("leave the dataset root");
  });

  test("a tool argv without {dst} is rejected", () => {
    const e = configError(`tools:
  cp:
    argv: [cp, -a, "{src}/."]
scenarios:
  - name: a
    tools: [cp]
    workload: { files: { count: 1, size: 1MiB } }
`);
    expect(e.key).toBe("tools.cp.argv");
    expect(e.line).toBe(lineOf(lastText, "argv: [cp"));
    expect(e.message).toContain("{dst}");
  });

  test("a YAML syntax error gives the line", () => {
    const e = configError(`tools:\n  cp: [a\nscenarios: x\n`);
    expect(e.message).toStartWith("YAML syntax");
    expect(e.line).toBeGreaterThan(0);
  });
});

describe("impossible dataset specs are config errors", () => {
  test("a depth that cannot hold the count names the depth key", () => {
    const e = configError(`${TOOLS}scenarios:
  - name: a
    tools: [cp]
    workload:
      files: { count: 1000, size: 1KiB, per_dir: 10,
               depth: 1 }
`);
    expect(e.key).toBe("scenarios[0].workload.files.depth");
    expect(e.line).toBe(lineOf(lastText, "depth: 1"));
    expect(e.message).toBe("depth 1 with per_dir 10 holds at most 100 files, not 1000");
  });

  test("more executables than files is rejected on the extras key", () => {
    const e = configError(`${TOOLS}scenarios:
  - name: a
    tools: [cp]
    workload:
      files: { count: 10, size: 1KiB }
      extras: { executables: 50 }
`);
    expect(e.key).toBe("scenarios[0].workload.extras");
    expect(e.line).toBe(lineOf(lastText, "extras:"));
    expect(e.message).toBe("extras.executables: 50 > 10 files");
  });
});
