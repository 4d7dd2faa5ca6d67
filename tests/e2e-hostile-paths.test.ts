import { afterAll, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { readResults, runCli, tmpDir, writeConfig } from "./helpers";

// A workspace whose name is full of shell syntax: every tool copies it correctly and nothing in it runs.

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const HOSTILE = `ws 'sq' "dq" $(touch INJECTED) \`touch BACKTICK\`; touch SEMI & x\nnë 日本`;

test("a workspace path with quotes, $(…), backticks, ';', a newline and non-ASCII is copied by argv and shell tools alike and runs nothing", async () => {
  const dir = tmpDir();
  dirs.push(dir);
  const ws = path.join(dir, HOSTILE);
  const config = writeConfig(dir, `version: 1
workspace: ${JSON.stringify(ws)}
results_dir: ${dir}/results
defaults: { runs: 1, warmup: 0, cache: keep }
tools:
  argv: { argv: [cp, -a, "{src}/.", "{dst}/"] }
  bare: { shell: true, argv: "cp -a {src}/. {dst}/" }
  dquoted: { shell: true, argv: "cp -a \\"{src}/.\\" \\"{dst}/\\"" }
  squoted: { shell: true, argv: "cp -a '{src}'/. '{dst}/'" }
scenarios:
  - name: s
    workload: { files: { count: 3, size: 1KiB } }
    tools: [argv, bare, dquoted, squoted]
`);
  const r = await runCli(["--config", config], { cwd: dir });
  for (const sentinel of ["INJECTED", "BACKTICK", "SEMI"]) {
    expect(fs.existsSync(path.join(dir, sentinel))).toBe(false);
  }
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  const runs = readResults(path.join(dir, "results")).scenarios[0].runs;
  expect(runs.map((x: any) => [x.tool, x.state, x.verified])).toEqual([
    ["argv", "completed", true],
    ["bare", "completed", true],
    ["dquoted", "completed", true],
    ["squoted", "completed", true],
  ]);
  expect(fs.readdirSync(path.join(ws, "dst", "s", "bare")).sort()).toEqual(fs.readdirSync(path.join(ws, "dst", "s", "argv")).sort());
});
