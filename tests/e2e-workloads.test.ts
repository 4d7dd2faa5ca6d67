import { afterAll, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { readResults, runCli, tmpDir, writeConfig } from "./helpers";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const hasRsync = Bun.which("rsync") !== null;
const isRoot = process.getuid?.() === 0;

test.skipIf(!hasRsync)("incremental: every measured run sees the same change; a tool that does not delete fails verification", async () => {
  const dir = tmpDir();
  dirs.push(dir);
  const config = writeConfig(dir, `workspace: ${dir}/ws
results_dir: ${dir}/results
defaults: { runs: 3, warmup: 1, cache: keep }
tools:
  rsync: { argv: [rsync, -a, --delete, "{src}/", "{dst}/"] }
  cp: { argv: [cp, -a, "{src}/.", "{dst}/"] }
scenarios:
  - name: inc
    type: incremental
    workload: { files: { count: 200, size: 1KiB..4KiB, per_dir: 50 } }
    changes: { touch: 10, delete: 5, add: 7, add_size: 2KiB, rename: 3 }
    tools: [rsync, cp]
`);
  const r = await runCli(["--config", config]);
  expect(r.stdout).toContain("Change set: 10 touched, 5 deleted, 7 added (14.0 KiB), 3 renamed");
  const res = readResults(path.join(dir, "results"));
  const s = res.scenarios[0];
  expect(s.workload.changes).toMatchObject({ touched: 10, deleted: 5, added: 7, renamed: 3 });
  expect(s.tools.find((t: any) => t.tool === "rsync").state).toBe("completed");
  // cp copies the changes but never deletes: the deleted and renamed-away files stay behind.
  const cpRuns = s.runs.filter((x: any) => x.tool === "cp");
  expect(cpRuns.every((x: any) => x.state === "failed" && /copy is wrong: 8 extra/.test(x.reason))).toBe(true);
  expect(r.code).toBe(1);
});

test.skipIf(!isRoot)("cache: drop records a real drop on every run and the sampled source pages start cold", async () => {
  const dir = tmpDir();
  dirs.push(dir);
  const config = writeConfig(dir, `workspace: ${dir}/ws
results_dir: ${dir}/results
defaults: { runs: 2, warmup: 1, cache: drop }
tools:
  cp: { argv: [cp, -a, "{src}/.", "{dst}/"] }
scenarios:
  - name: cold
    workload: { files: { count: 4, size: 2MiB } }
    tools: [cp]
`);
  const r = await runCli(["--config", config]);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain("cache dropped 3/3");
  const runs = readResults(path.join(dir, "results")).scenarios[0].runs;
  expect(runs.map((x: any) => x.cache)).toEqual(["dropped", "dropped", "dropped"]);
  for (const x of runs) expect(x.residentFraction).toBeLessThan(0.2);
});

test("verify: false says the copies were not checked", async () => {
  const dir = tmpDir();
  dirs.push(dir);
  const config = writeConfig(dir, `workspace: ${dir}/ws
results_dir: ${dir}/results
defaults: { runs: 1, warmup: 0, cache: keep, verify: false }
tools:
  cp: { argv: [cp, -a, "{src}/.", "{dst}/"] }
scenarios:
  - name: unchecked
    workload: { files: { count: 3, size: 1KiB } }
    tools: [cp]
`);
  const r = await runCli(["--config", config]);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain("copies NOT verified");
  expect(readResults(path.join(dir, "results")).scenarios[0].runs[0].verified).toBeNull();
});
