import { afterAll, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { copyScript, readResults, runCli, tmpDir, writeConfig } from "./helpers";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function setup(candidateDelayS: number, baselineDelayS: number) {
  const dir = tmpDir();
  dirs.push(dir);
  const fast = copyScript(dir, "candidate.sh", { delayS: candidateDelayS });
  const slow = copyScript(dir, "baseline.sh", { delayS: baselineDelayS });
  const config = writeConfig(
    dir,
    `version: 1
workspace: ${dir}/ws
results_dir: ${dir}/results
defaults: { runs: 3, warmup: 1, cache: keep }
tools:
  cand:
    label: candidate
    argv: [${fast}, "{src}", "{dst}"]
  base:
    label: baseline
    argv: [${slow}, "{src}", "{dst}"]
scenarios:
  - name: tiny
    workload: { files: { count: 20, size: 1KiB..4KiB, per_dir: 10 } }
    tools: [cand, base]
    baseline: base
    candidate: cand
`,
  );
  return { dir, config };
}

test("a candidate faster than its baseline passes the gate: GO, exit 0, old-script lines", async () => {
  const { dir, config } = setup(0, 0.3);
  const r = await runCli(["--config", config]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(r.stdout).toContain(`Workspace: ${dir}/ws (will be preserved on exit)`);
  expect(r.stdout).toContain("Running warmups (runs=1) and measured passes (runs=3)...");
  expect(r.stdout).toMatch(/\[candidate\] Warmup run 1\/1 -> .*\/dst\/tiny\/cand\n/);
  expect(r.stdout).toMatch(/\[baseline\] Measured run 3 completed in \d+\.\d{3}s\n/);
  expect(r.stdout).toMatch(/Average \[candidate\] over 3 measured run\(s\): \d+\.\d{3}s\n/);
  expect(r.stdout).toContain("Decision: GO");
  expect(r.stdout).toContain(`Benchmark complete. Full log: ${dir}/ws/bench.log`);
  const log = fs.readFileSync(path.join(dir, "ws", "bench.log"), "utf8");
  expect(log).toContain("Average [baseline] over 3 measured run(s):");
  const res = readResults(path.join(dir, "results"));
  expect(res.decision).toEqual({ decision: "GO", exitCode: 0 });
  const s = res.scenarios[0];
  expect(s.verdicts[0]).toMatchObject({ candidate: "cand", baseline: "base", verdict: "PASS" });
  expect(s.verdicts[0].timeRatio.estimate).toBeLessThan(1);
  // 2 tools × (1 warmup + 3 measured), all verified
  expect(s.runs.length).toBe(8);
  expect(s.runs.every((x: any) => x.state === "completed" && x.verified === true && x.cache === "kept")).toBe(true);
});

test("a candidate slower than its baseline fails the gate: NO-GO, exit 1", async () => {
  const { dir, config } = setup(0.3, 0);
  const r = await runCli(["--config", config]);
  expect(r.code).toBe(1);
  expect(r.stdout).toContain("Decision: NO-GO");
  expect(r.stdout).toMatch(/FAIL +tiny: candidate vs baseline: time \d+\.\d{3} \(≤ 1\.05\)/);
  const res = readResults(path.join(dir, "results"));
  expect(res.decision.decision).toBe("NO-GO");
  expect(res.scenarios[0].verdicts[0].verdict).toBe("FAIL");
  expect(res.scenarios[0].verdicts[0].timeRatio.estimate).toBeGreaterThan(1.05);
});

test("measured rounds rotate which tool starts, as the old script does", async () => {
  const { dir, config } = setup(0, 0);
  await runCli(["--config", config]);
  const log = fs.readFileSync(path.join(dir, "ws", "bench.log"), "utf8");
  const order = [...log.matchAll(/^\[(\w+)\] (Warmup|Measured) run (\d)\/\d ->/gm)].map((m) => `${m[1]}:${m[2]![0]}${m[3]}`);
  expect(order).toEqual(["candidate:W1", "baseline:W1", "candidate:M1", "baseline:M1", "baseline:M2", "candidate:M2", "candidate:M3", "baseline:M3"]);
});
