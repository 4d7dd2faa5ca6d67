// The source left unchanged by the tool: a tool that writes into {src} fails, the next tool is not
// blamed, and the poisoned cached dataset is regenerated.
import { expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { copyScript, readResults, runCli, tempDirs, writeConfig } from "./helpers";

const fresh = tempDirs("mb-srccheck-");

const head = (dir: string) => `version: 1
workspace: ${dir}/ws
results_dir: ${dir}/results
defaults: { runs: 2, warmup: 0, cache: keep }
`;

function vandal(dir: string): string {
  const file = path.join(dir, "vandal.sh");
  // A real copy, then one appended line in the first source file it finds.
  fs.writeFileSync(file, `#!/bin/sh\ncp -a "$1/." "$2/" || exit 9\nf=$(find "$1" -type f | sort | head -n 1)\necho vandal >> "$f"\n`, { mode: 0o755 });
  return file;
}

test("a tool that appends to a source file fails with 'modified the source', the next tool completes, and the next invocation regenerates the dataset", async () => {
  const dir = fresh();
  const ok = copyScript(dir, "ok.sh");
  const config = writeConfig(dir, `${head(dir)}tools:
  vandal: { argv: [${vandal(dir)}, "{src}", "{dst}"] }
  ok: { argv: [${ok}, "{src}", "{dst}"] }
scenarios:
  - name: s
    workload: { files: { count: 10, size: 1KiB } }
    tools: [vandal, ok]
    baseline: ok
    candidate: vandal
`);
  const r = await runCli(["--config", config]);
  expect(r.code).toBe(1);
  const s = readResults(path.join(dir, "results")).scenarios[0];
  const v = s.runs.filter((x: any) => x.tool === "vandal");
  expect(v.map((x: any) => x.state)).toEqual(["failed", "failed"]);
  expect(v[0].reason).toMatch(/^modified the source: g0\/\S+\.dat \(size/);
  // Round 1: vandal then ok (ok runs on a rebuilt source); round 2: ok then vandal.
  expect(s.runs.filter((x: any) => x.tool === "ok").map((x: any) => x.state)).toEqual(["completed", "completed"]);
  expect(r.stdout).toContain("rebuilding the source before the next run");
  expect(s.verdicts[0].verdict).toBe("FAIL");

  // The last run left the cache poisoned and marked invalid: the next invocation says so and regenerates.
  const tree = path.join(dir, "ws", "datasets", s.workload.datasetHash);
  expect(fs.existsSync(path.join(tree, "complete"))).toBe(false);
  const config2 = writeConfig(dir, `${head(dir)}tools:
  ok: { argv: [${ok}, "{src}", "{dst}"] }
scenarios:
  - name: s
    workload: { files: { count: 10, size: 1KiB } }
    tools: [ok]
`);
  const r2 = await runCli(["--config", config2]);
  expect(r2.code).toBe(0);
  expect(r2.stdout).toMatch(/Regenerating dataset \w+: marked invalid \(vandal modified the source/);
  const s2 = readResults(path.join(dir, "results")).scenarios[0];
  expect(s2.workload.reused).toBe(false);
  expect(s2.runs.map((x: any) => x.state)).toEqual(["completed", "completed"]);
});

test("--verify-dataset catches a cached dataset with an extra file or a changed mode and regenerates it", async () => {
  const dir = fresh();
  const config = writeConfig(dir, `${head(dir)}tools:
  cp: { argv: [cp, -a, "{src}/.", "{dst}/"] }
scenarios:
  - name: s
    workload: { files: { count: 10, size: 1KiB } }
    tools: [cp]
`);
  expect((await runCli(["--config", config])).code).toBe(0);
  const hash = readResults(path.join(dir, "results")).scenarios[0].workload.datasetHash;
  const tree = path.join(dir, "ws", "datasets", hash, "tree");
  const first = (fs.readdirSync(tree, { recursive: true }) as string[]).sort().find((p) => p.endsWith(".dat"))!;
  fs.writeFileSync(path.join(tree, "g0", "planted.sh"), "#!/bin/sh\n");
  fs.chmodSync(path.join(tree, first), 0o4755);
  const r = await runCli(["--config", config, "--verify-dataset"]);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/Regenerating dataset \w+: --verify-dataset found /);
  expect(fs.existsSync(path.join(tree, "g0", "planted.sh"))).toBe(false);
  expect(fs.existsSync(path.join(dir, "ws", "datasets", hash, "complete"))).toBe(true);
});
