import { afterAll, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { copyScript, readResults, runCli, tmpDir, writeConfig } from "./helpers";

// Anything that throws in the harness's own per-run work fails that run; the benchmark goes on.

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

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
  expect(r.stderr).toMatch(/error: loop (run failed: .*ELOOP|copied wrong: .*symlink)/i);
  const runs = readResults(path.join(dir, "results")).scenarios[0].runs;
  expect(runs.filter((x: any) => x.tool === "loop").map((x: any) => x.state)).toEqual(["failed", "failed", "failed"]);
  expect(runs.filter((x: any) => x.tool === "ok").map((x: any) => x.state)).toEqual(["completed", "completed", "completed"]);
  expect(runs.find((x: any) => x.tool === "loop").reason).toMatch(/ELOOP|symlink/i);
});
