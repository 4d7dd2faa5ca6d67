import { afterAll, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { copyScript, readResults, runCli, tmpDir, writeConfig } from "./helpers";

// Anything that throws in the harness's own per-run work fails that run; the benchmark goes on.

const dirs: string[] = [];
// GNU rm walks trees deeper than PATH_MAX; fs.rmSync may not.
afterAll(() => dirs.forEach((d) => Bun.spawnSync(["rm", "-rf", d])));

test("a tool that turns its destination into a symlink loop fails its runs with the reason, the other tool's runs complete, and the CLI returns", async () => {
  const dir = tmpDir();
  dirs.push(dir);
  const loop = path.join(dir, "loop.sh");
  // Replaces {dst} with a link to itself: walking it throws ELOOP.
  fs.writeFileSync(loop, `#!/bin/sh\nrm -rf "$2" && ln -s "$2" "$2"\n`, { mode: 0o755 });
  const ok = copyScript(dir, "ok.sh");
  const config = writeConfig(dir, `version: 1
workspace: ${dir}/ws
results_dir: ${dir}/results
defaults: { runs: 2, warmup: 1, cache: keep }
tools:
  loop: { argv: [${loop}, "{src}", "{dst}"] }
  ok: { argv: [${ok}, "{src}", "{dst}"] }
scenarios:
  - name: s
    workload: { files: { count: 3, size: 1KiB } }
    tools: [loop, ok]
`);
  const t0 = Date.now();
  const r = await runCli(["--config", config]);
  expect(Date.now() - t0).toBeLessThan(60_000);
  expect(r.code).toBe(1);
  // The destination check after the run sees the link before any walk could loop on it.
  expect(r.stderr).toMatch(/error: loop(: destination .* is a symlink to .*, not a copy| run failed: .*ELOOP)/i);
  const runs = readResults(path.join(dir, "results")).scenarios[0].runs;
  expect(runs.filter((x: any) => x.tool === "loop").map((x: any) => x.state)).toEqual(["failed", "failed", "failed"]);
  expect(runs.filter((x: any) => x.tool === "ok").map((x: any) => x.state)).toEqual(["completed", "completed", "completed"]);
  expect(runs.find((x: any) => x.tool === "loop").reason).toMatch(/ELOOP|symlink/i);
});

test("a tool that leaves a tree deeper than PATH_MAX fails its runs with the harness's own error, and the other tool's runs complete", async () => {
  const dir = tmpDir();
  dirs.push(dir);
  const deep = path.join(dir, "deep.sh");
  // Copies, then nests dirs of 30 bytes as deep as the shell's cd goes (about 130 levels, past PATH_MAX
  // with the workspace prefix): walking or removing it by full path throws ENAMETOOLONG. Exits 0.
  fs.writeFileSync(deep, `#!/bin/sh\ncp -a "$1/." "$2/" && cd "$2" && i=0 && while [ $i -lt 300 ]; do mkdir ${"d".repeat(30)} && cd ${"d".repeat(30)} 2>/dev/null || break; i=$((i+1)); done\nexit 0\n`, { mode: 0o755 });
  const ok = copyScript(dir, "ok.sh");
  const config = writeConfig(dir, `version: 1
workspace: ${dir}/ws
results_dir: ${dir}/results
defaults: { runs: 2, warmup: 0, cache: keep }
tools:
  deep: { argv: [${deep}, "{src}", "{dst}"] }
  ok: { argv: [${ok}, "{src}", "{dst}"] }
scenarios:
  - name: s
    workload: { files: { count: 3, size: 1KiB } }
    tools: [deep, ok]
`);
  const r = await runCli(["--config", config]);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/error: deep run failed: ENAMETOOLONG/);
  expect(r.stderr).not.toContain("exited with status");
  const runs = readResults(path.join(dir, "results")).scenarios[0].runs;
  expect(runs.filter((x: any) => x.tool === "deep").map((x: any) => x.state)).toEqual(["failed", "failed"]);
  expect(runs.filter((x: any) => x.tool === "ok").map((x: any) => x.state)).toEqual(["completed", "completed"]);
});
