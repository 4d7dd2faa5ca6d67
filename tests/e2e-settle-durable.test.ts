import { afterAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { readResults, runCli, tmpDir, writeConfig } from "./helpers";

// Settle before every run and durable time inside the timed window, through the real CLI, meter and tools.

const dir = tmpDir("mb-settle-");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function config(name: string, scenario: string): { config: string; results: string } {
  const d = path.join(dir, name);
  fs.mkdirSync(d);
  const results = path.join(d, "results");
  const config = writeConfig(d, `workspace: ${path.join(d, "ws")}
results_dir: ${results}
defaults: { runs: 2, warmup: 0, cache: keep, thresholds: { max_time_ratio: 100, max_memory_ratio: 100 } }
tools:
  cp: { argv: [cp, -a, "{src}/.", "{dst}/"] }
  cpr: { argv: [cp, -R, "{src}/.", "{dst}/"] }
scenarios:
  - name: s
    workload: { files: { count: 20, size: 4KiB } }
    tools: [cp, cpr]
    baseline: cpr
${scenario}`);
  return { config, results };
}

const wide = { env: { COLUMNS: "300" } };
const measured = (r: any) => r.scenarios[0].runs.filter((x: any) => x.phase === "measured");

describe("settle", () => {
  test("by default every run is preceded by a sync, timed and recorded, with no wait", async () => {
    const c = config("default", "");
    const r = await runCli(["--config", c.config], wide);
    expect(r.code).toBe(0);
    const runs = measured(readResults(c.results));
    expect(runs.length).toBe(4);
    for (const run of runs) {
      expect(run.settle.syncMs).toBeGreaterThanOrEqual(0);
      expect(run.settle).toMatchObject({ reason: "disabled", waitedMs: 0, samples: 0 });
    }
    expect(readResults(c.results).scenarios[0].runOptions.settle).toEqual({ sync: true, wait: null });
    expect(r.stdout).toContain("settled (sync)");
  });

  test("settle: true waits for quiet disks after the sync and records the samples, the rates and why it stopped", async () => {
    const c = config("wait", "    settle: { drain_mib_s: 1000, quiet_samples: 2, max_wait: 10s, sample_ms: 50 }\n");
    const r = await runCli(["--config", c.config], wide);
    expect(r.code).toBe(0);
    for (const run of measured(readResults(c.results))) {
      expect(run.settle.syncMs).toBeGreaterThanOrEqual(0);
      // 1000 MiB/s counts as quiet on any disk: two samples of 50 ms, then "quiet".
      expect(run.settle).toMatchObject({ reason: "quiet", samples: 2 });
      expect(run.settle.waitedMs).toBeGreaterThanOrEqual(90);
      expect(run.settle.devices.length).toBeGreaterThan(0);
    }
    expect(r.stdout).toMatch(/settle: sync \(median \d+ ms\) \+ wait < 1000 MiB\/s ×2 \(median wait [\d.]+ s; 0 of 4 runs hit max_wait\)/);
    expect(fs.readFileSync(path.join(dir, "wait", "ws", "bench.log"), "utf8")).toMatch(/\[cp\] settle: sync \d+ ms; waited \d+ ms \(2 samples, last [\d.]+ MiB\/s on \S+\): quiet/);
  });

  test("settle: false neither syncs nor waits, and the record says so", async () => {
    const c = config("off", "    settle: false\n");
    expect((await runCli(["--config", c.config])).code).toBe(0);
    for (const run of measured(readResults(c.results))) expect(run.settle).toMatchObject({ syncMs: null, reason: "disabled" });
  });
});

describe("durable time", () => {
  test("durable: true times returned and durable on the meter's one clock: durable = returned + the syncfs of dst", async () => {
    const c = config("durable", "    durable: true\n");
    const r = await runCli(["--config", c.config, "--wide"], wide);
    expect(r.code).toBe(0);
    const res = readResults(c.results);
    for (const run of measured(res)) {
      expect(run.returnedNs).toBe(run.measure.wallNs);
      expect(run.durable).toMatchObject({ method: "syncfs", timedBy: "meter" });
      expect(run.durable.durableNs).toBeGreaterThanOrEqual(run.returnedNs);
      expect(run.durable.flushNs).toBe(run.durable.durableNs - run.returnedNs);
    }
    // Every gated tool is durable, so the gate uses durable times, and the table and the gate line say so.
    expect(res.scenarios[0].verdicts[0]).toMatchObject({ gate: "bootstrap", gateOn: "durable" });
    expect(res.scenarios[0].tools[0].stats.durable.n).toBe(2);
    expect(r.stdout).toContain("durable (median)");
    expect(r.stdout).toContain("syncfs by mb-run the instant the tool was reaped");
    expect(r.stdout).toMatch(/s: cp vs cpr: time durable [\d.]+ \(≤ 100\)/);
  });

  test("gate_on: returned keeps gating on returned times while durable ones are recorded", async () => {
    const c = config("returned", "    durable: true\n    gate_on: returned\n");
    expect((await runCli(["--config", c.config])).code).toBe(0);
    const res = readResults(c.results);
    expect(res.scenarios[0].verdicts[0].gateOn).toBe("returned");
    expect(measured(res).every((x: any) => x.durable.durableNs > 0)).toBe(true);
  });
});
