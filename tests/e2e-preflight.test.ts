import { afterAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { readResults, resultsFiles, runCli, tmpDir, writeConfig } from "./helpers";

// Preflight fails closed: checked before the first run and before each scenario, recorded, refused with exit 7
// unless --force. These tests opt back in (runCli passes --no-preflight otherwise) and make the load check
// pass whatever the machine is doing, so a forbidden process is what fails.

const dir = tmpDir("mb-preflight-");
const forbidden = path.join(dir, "mbforbid");
fs.copyFileSync(Bun.which("sleep")!, forbidden);
fs.chmodSync(forbidden, 0o755);
const blocker = Bun.spawn([forbidden, "300"], { stdout: "ignore", stderr: "ignore" });
afterAll(() => {
  blocker.kill();
  fs.rmSync(dir, { recursive: true, force: true });
});

function cfg(name: string, preflight: string): { config: string; results: string } {
  const d = path.join(dir, name);
  fs.mkdirSync(d);
  return {
    results: path.join(d, "results"),
    config: writeConfig(d, `workspace: ${path.join(d, "ws")}
results_dir: ${path.join(d, "results")}
${preflight}
defaults: { runs: 1, warmup: 0, cache: keep }
tools:
  cp: { argv: [cp, -a, "{src}/.", "{dst}/"] }
scenarios:
  - { name: a, workload: { files: { count: 2, size: 1KiB } }, tools: [cp] }
  - { name: b, workload: { files: { count: 3, size: 1KiB } }, tools: [cp] }
`),
  };
}

describe.skipIf(process.platform !== "linux")("preflight", () => {
  test("a quiet machine (by the config's limits) passes: every check is recorded, the timer once, the cheap ones again before the second scenario", async () => {
    const c = cfg("pass", "preflight: { max_load: 1000, forbid_processes: [cargo] }");
    const r = await runCli(["--config", c.config], { preflight: true });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("preflight before the first run (load, processes, a 1 s timer check, memory ≥ 256.0 MiB; before each later scenario again without the timer)...");
    const p = readResults(c.results).preflight;
    expect(p.reports.map((x: any) => [x.where, x.ok, x.checks.map((k: any) => k.name)])).toEqual([
      ["before the first run", true, ["load", "processes", "timer", "memory"]],
      ["before scenario b", true, ["load", "processes", "memory"]],
    ]);
    const timer = p.reports[0].checks[2];
    expect(timer.limit).toBe("880–1120 ms for a 1000 ms sleep");
    expect(timer.measured).toMatch(/^\d+ ms in-process \/ \d+ ms spawned$/);
  });

  test("a forbidden process fails it before anything is generated: exit 7, the reason, no results, no dataset", async () => {
    const c = cfg("fail", "preflight: { max_load: 1000, forbid_processes: [mbforbid] }");
    const r = await runCli(["--config", c.config], { preflight: true });
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(/error: preflight failed before the first run: processes mbforbid \(pid \d+\) \(needs none of mbforbid\)/);
    expect(r.stderr).toContain("--force");
    expect(r.stderr.match(/error: preflight failed/g)?.length).toBe(1); // said once, with its hint
    expect(resultsFiles(c.results)).toEqual([]);
    expect(fs.existsSync(path.join(dir, "fail", "ws", "datasets"))).toBe(false);
  });

  test("with --force the run goes on and every result carries the failure", async () => {
    const c = cfg("force", "preflight: { max_load: 1000, forbid_processes: [mbforbid] }");
    const r = await runCli(["--config", c.config, "--force"], { preflight: true });
    expect(r.code).toBe(0);
    const res = readResults(c.results);
    for (const s of res.scenarios) {
      expect(s.preflight).toMatch(/^preflight failed: processes mbforbid \(pid \d+\)/);
      for (const run of s.runs) expect(run.preflight).toBe(s.preflight);
    }
    expect(res.preflight.reports.every((x: any) => !x.ok && x.forced)).toBe(true);
    expect(r.stdout).toMatch(/! preflight FAILED \(--force\): processes mbforbid/);
  });

  test("--no-preflight skips the checks and the results say so; so does preflight: false", async () => {
    const c = cfg("off", "preflight: { forbid_processes: [mbforbid] }");
    const r = await runCli(["--config", c.config, "--no-preflight"], { preflight: true });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("preflight: off (--no-preflight)");
    expect(readResults(c.results).preflight).toEqual({ off: "--no-preflight", reports: [] });
    const f = cfg("false", "preflight: false");
    expect((await runCli(["--config", f.config], { preflight: true })).code).toBe(0);
    expect(readResults(f.results).preflight.off).toBe("preflight: false in the config");
  });
});
