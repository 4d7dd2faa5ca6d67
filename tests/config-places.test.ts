import { afterAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { envOverrides, parseConfig, type Overrides } from "../lib/config/load";
import { BenchError } from "../lib/errors";
import { benchErrorOf, tmpDir } from "./helpers";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
function fresh(): string {
  const d = tmpDir("mb-places-");
  dirs.push(d);
  return d;
}

const BODY = `tools:
  cp: { argv: [cp, -a, "{src}/.", "{dst}/"] }
scenarios:
  - name: s
    tools: [cp]
    workload: { files: { count: 3, size: 1KiB } }
`;

function lineOf(text: string, needle: string): number {
  const i = text.split("\n").findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`no line contains ${needle}`);
  return i + 1;
}

function configError(text: string, opts: { env?: Record<string, string>; overrides?: Overrides } = {}): BenchError {
  return benchErrorOf(() => parseConfig(text, "bad.yaml", { env: opts.env ?? {}, overrides: opts.overrides }));
}

describe("results that a run would lose are config errors", () => {
  test("results_dir inside a workspace that keep_workspace: false removes is refused at its line", () => {
    const d = fresh();
    const text = `workspace: ${d}/ws\nkeep_workspace: false\nresults_dir: ${d}/ws/results\n${BODY}`;
    const e = configError(text);
    expect(e.file).toBe("bad.yaml");
    expect(e.line).toBe(lineOf(text, "results_dir:"));
    expect(e.key).toBe("results_dir");
    expect(e.message).toContain(`is inside the workspace ${d}/ws, which keep_workspace: false (line 2) removes at exit`);
    expect(e.hint).toContain("put results_dir outside the workspace");
  });

  test("KEEP_BENCH_DIR=0 with results_dir inside the workspace names the variable", () => {
    const d = fresh();
    const text = `workspace: ${d}/ws\nresults_dir: ${d}/ws/r\n${BODY}`;
    const e = configError(text, { overrides: envOverrides({ KEEP_BENCH_DIR: "0" }) });
    expect(e.line).toBe(lineOf(text, "results_dir:"));
    expect(e.message).toContain("which KEEP_BENCH_DIR=0 removes at exit");
  });

  test("the same results_dir is fine when the workspace is kept", () => {
    const d = fresh();
    const c = parseConfig(`workspace: ${d}/ws\nresults_dir: ${d}/ws/results\n${BODY}`, "ok.yaml", { env: {} });
    expect(c.resultsDir).toBe(`${d}/ws/results`);
    expect(c.origins!.resultsDir).toMatchObject({ key: "results_dir", file: "ok.yaml", line: 2 });
  });

  test("a results_dir that is a file is refused with its line", () => {
    const d = fresh();
    fs.writeFileSync(path.join(d, "afile"), "x");
    const text = `workspace: ${d}/ws\nresults_dir: ${d}/afile\n${BODY}`;
    const e = configError(text);
    expect(e.line).toBe(2);
    expect(e.key).toBe("results_dir");
    expect(e.message).toBe(`${d}/afile is a file, not a directory`);
  });

  test("a results_dir under a file is refused, naming the file in the way", () => {
    const d = fresh();
    fs.writeFileSync(path.join(d, "afile"), "x");
    const e = configError(`workspace: ${d}/ws\nresults_dir: ${d}/afile/results\n${BODY}`);
    expect(e.key).toBe("results_dir");
    expect(e.message).toBe(`${d}/afile is a file, so ${d}/afile/results cannot be created under it`);
  });

  test("--results-dir pointing at a file names the flag", () => {
    const d = fresh();
    fs.writeFileSync(path.join(d, "afile"), "x");
    const e = configError(`workspace: ${d}/ws\n${BODY}`, { overrides: { resultsDir: `${d}/afile`, from: { resultsDir: "--results-dir" } } });
    expect(e.key).toBe("--results-dir");
    expect(e.file).toBeUndefined();
  });
});

describe("a workspace that is not a folder of its own is a config error", () => {
  test("workspace: / is refused at its line", () => {
    const text = `version: 1\nworkspace: /\n${BODY}`;
    const e = configError(text);
    expect(e.line).toBe(2);
    expect(e.key).toBe("workspace");
    expect(e.message).toBe("refusing workspace /: it is the file system root");
  });

  for (const spelling of ["~", "${HOME}", "$HOME", "~/", "${HOME:-/tmp/x}"]) {
    test(`workspace: ${spelling} is the home directory and refused at its line`, () => {
      const home = fresh();
      const text = `version: 1\nworkspace: "${spelling}"\n${BODY}`;
      const e = configError(text, { env: { HOME: home } });
      expect(e.line).toBe(2);
      expect(e.key).toBe("workspace");
      expect(e.message).toBe(`refusing workspace ${home}: it is the home directory`);
    });
  }

  test("a parent of the home directory is refused", () => {
    const home = path.join(fresh(), "u");
    const e = configError(`workspace: ${path.dirname(home)}\n${BODY}`, { env: { HOME: home } });
    expect(e.message).toContain(`it holds the home directory ${home}`);
  });

  test("$HOME/bench expands like the shell does", () => {
    const home = fresh();
    const c = parseConfig(`workspace: $HOME/bench\nresults_dir: \${HOME}/r\n${BODY}`, "ok.yaml", { env: { HOME: home } });
    expect(c.workspace).toBe(path.join(home, "bench"));
    expect(c.resultsDir).toBe(path.join(home, "r"));
  });

  test("a variable that is not set is an error, not an empty string", () => {
    const text = `version: 1\nworkspace: $NOT_SET_ANYWHERE/ws\n${BODY}`;
    const e = configError(text);
    expect(e.line).toBe(2);
    expect(e.message).toBe("uses $NOT_SET_ANYWHERE, which is not set");
  });

  test("BENCH_ROOT=/ names the variable", () => {
    const e = configError(`version: 1\n${BODY}`, { overrides: envOverrides({ BENCH_ROOT: "/" }) });
    expect(e.key).toBe("BENCH_ROOT");
    expect(e.message).toContain("file system root");
  });

  test("the machine's own home directory is refused even when HOME says otherwise", () => {
    const e = configError(`workspace: ${os.homedir()}\n${BODY}`, { env: { HOME: "/nonexistent-home" } });
    expect(e.message).toContain("it is the home directory");
  });
});
