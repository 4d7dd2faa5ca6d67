import { describe, expect, test } from "bun:test";
import { parseCli } from "../lib/cli/args";
import { scaleDataset } from "../lib/config/diagnose";
import { parseConfig } from "../lib/config/load";
import { BenchError } from "../lib/errors";
import type { CliIO } from "../lib/io";
import { benchErrorOf } from "./helpers";

const TOOLS = `tools:
  cp:
    argv: [cp, -a, "{src}/.", "{dst}/"]
  blit:
    argv: [blit, mirror, "{src}", "{dst}"]
    call_graph: dwarf
`;
const SCENARIO = `scenarios:
  - name: small
    workload: { files: { count: 1000, size: 1KiB, per_dir: 100 } }
    tools: [blit, cp]
    baseline: cp
`;

const load = (text: string, overrides = {}) => parseConfig(text, "d.yaml", { env: {}, machine: null, overrides });
const lineOf = (text: string, needle: string) => text.split("\n").findIndex((l) => l.includes(needle)) + 1;
function configError(text: string): BenchError {
  return benchErrorOf(() => load(text));
}
const io: CliIO = { out: () => {}, err: () => {}, env: {}, isTTY: false, cwd: "/tmp" };

describe("diagnose:", () => {
  test("is off unless the config or the flag turns it on", () => {
    expect(load(TOOLS + SCENARIO).diagnose).toBe("off");
    expect(load(`diagnose: on-fail\n${TOOLS}${SCENARIO}`).diagnose).toBe("on-fail");
    expect(load(`diagnose: true\n${TOOLS}${SCENARIO}`).diagnose).toBe("on-fail");
    expect(load(`diagnose: all\n${TOOLS}${SCENARIO}`).diagnose).toBe("all");
  });

  test("an unknown value names the file, the line and the choices", () => {
    const text = `version: 1\ndiagnose: always\n${TOOLS}${SCENARIO}`;
    const e = configError(text);
    expect(e.line).toBe(lineOf(text, "diagnose:"));
    expect(e.key).toBe("diagnose");
    expect(e.message).toContain("must be one of off, on-fail, all");
  });

  test("--diagnose means on-fail, takes all or off, and wins over the file", () => {
    expect(parseCli(["--diagnose"], io).overrides.diagnose).toBe("on-fail");
    expect(parseCli(["--diagnose", "all", "--runs", "2"], io).overrides).toMatchObject({ diagnose: "all", runs: 2 });
    expect(parseCli(["--diagnose=off"], io).overrides.diagnose).toBe("off");
    expect(parseCli([], io).overrides.diagnose).toBeUndefined();
    expect(load(`diagnose: all\n${TOOLS}${SCENARIO}`, parseCli(["--diagnose", "off"], io).overrides).diagnose).toBe("off");
  });

  test("--diagnose=<unknown> is a usage error naming the flag", () => {
    expect(() => parseCli(["--diagnose=sometimes"], io)).toThrow(/must be one of off, on-fail, all/);
    try {
      parseCli(["--diagnose=sometimes"], io);
    } catch (e) {
      expect((e as BenchError).key).toBe("--diagnose");
    }
  });
});

describe("call_graph: and memory_scaling:", () => {
  test("call_graph: dwarf reaches the tool; a tool without it has none", () => {
    const c = load(TOOLS + SCENARIO);
    expect(c.tools.blit!.callGraph).toBe("dwarf");
    expect(c.tools.cp!.callGraph).toBeUndefined();
  });

  test("an unknown call_graph names the two choices", () => {
    const e = configError(TOOLS.replace("dwarf", "lbr") + SCENARIO);
    expect(e.message).toContain("must be one of fp, dwarf");
    expect(e.key).toBe("tools.blit.call_graph");
  });

  test("memory_scaling counts are kept sorted, and copied to every point of a sweep", () => {
    const c = load(TOOLS + SCENARIO + "    memory_scaling: { counts: [100000, 1000, 10000] }\n    sweep: { count: [1000, 2000] }\n");
    expect(c.scenarios.map((s) => s.memoryScaling)).toEqual([{ counts: [1000, 10000, 100000] }, { counts: [1000, 10000, 100000] }]);
    expect(load(TOOLS + SCENARIO).scenarios[0]!.memoryScaling).toBeUndefined();
  });

  test("fewer than three different counts is refused at its line, with why three", () => {
    const text = TOOLS + SCENARIO + "    memory_scaling: { counts: [1000, 1000, 5000] }\n";
    const e = configError(text);
    expect(e.line).toBe(lineOf(text, "memory_scaling"));
    expect(e.message).toContain("at least 3 different file counts");
  });

  test("a count smaller than the incremental change set is refused with the fix", () => {
    const text = `${TOOLS}scenarios:
  - name: inc
    type: incremental
    workload: { files: { count: 1000, size: 1KiB } }
    changes: { touch: 50, delete: 10 }
    tools: [blit, cp]
    memory_scaling: { counts: [20, 200, 1000] }
`;
    const e = configError(text);
    expect(e.message).toContain("20 files are fewer than the 60 files the changes: section touches, deletes and renames");
    expect(e.key).toBe("scenarios[0].memory_scaling.counts");
  });

  test("a scaled workload that breaks a dataset rule is refused at its count", () => {
    const text = TOOLS + SCENARIO.replace("per_dir: 100 }", "per_dir: 10, depth: 1 }").replace("count: 1000", "count: 100") + "    memory_scaling: { counts: [10, 50, 1000] }\n";
    expect(configError(text).message).toContain("at 1000 files: depth 1 with per_dir 10 holds at most 100 files");
  });
});

describe("a dataset scaled to a file count", () => {
  const group = (name: string, count: number) => ({ name, count, minBytes: 1, maxBytes: 1, distribution: "uniform" as const, perDir: 100, depth: 0, content: "random" as const, compressRatio: 2, names: "short" as const });
  const spec = { seed: 1, groups: [group("large", 4), group("small", 996)], extras: { emptyDirs: 2, symlinks: 0, hardlinks: 0, executables: 0, oldMtimes: 0 } };

  test("keeps every group (at least one file each) and exactly the count asked for", () => {
    const s = scaleDataset(spec, 100);
    expect(s.groups.map((g) => g.count)).toEqual([1, 99]);
    expect(s.extras).toEqual(spec.extras);
    expect(scaleDataset(spec, 1000).groups.map((g) => g.count)).toEqual([4, 996]);
    expect(scaleDataset(spec, 10000).groups.map((g) => g.count)).toEqual([40, 9960]);
  });

  test("fewer files than groups cannot be scaled to", () => {
    expect(() => scaleDataset(spec, 1)).toThrow("1 files cannot hold 2 file groups");
  });
});
