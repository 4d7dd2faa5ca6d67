import { describe, expect, test } from "bun:test";
import { medianOf, SPIKE_FACTOR, spikes } from "../scripts/bench-settle";

describe("bench-settle report helpers", () => {
  test("a spike is a run slower than 1.3 × the median of its own series", () => {
    expect(SPIKE_FACTOR).toBe(1.3);
    const xs = [0.34, 0.33, 0.47, 0.35, 0.8, 0.34, 0.44, 0.36];
    expect(medianOf(xs)).toBe(0.355);
    expect(spikes(xs)).toEqual([0.47, 0.8]);
  });

  test("a steady series has no spikes", () => {
    expect(spikes([1, 1.1, 0.9, 1.2, 1.0])).toEqual([]);
  });
});

describe("bench-settle's config for the real harness", () => {
  test("each workload gets one scenario per block A B C C B A on the same dataset spec, settle false / sync / true (durable)", async () => {
    const { settleConfig, BLOCKS } = await import("../scripts/bench-settle");
    const { parseConfig } = await import("../lib/config/load");
    expect(BLOCKS).toEqual(["none", "sync", "wait", "wait", "sync", "none"]);
    const text = settleConfig({ ws: "/tmp/mb-bs", runsPerBlock: 2, drop: false, verify: true, workloads: [{ name: "small", files: "{ count: 10, size: 1KiB..4KiB }" }] });
    const c = parseConfig(text, "/tmp/mb-bs/x.yaml", { env: {}, machine: null, platform: "linux" });
    expect(c.scenarios.map((s) => s.name)).toEqual(["small-none-1", "small-sync-2", "small-wait-3", "small-wait-4", "small-sync-5", "small-none-6"]);
    expect(c.scenarios.map((s) => [s.settle!.sync, s.settle!.wait !== null, !!s.durable])).toEqual([
      [false, false, false], [true, false, false], [true, true, true], [true, true, true], [true, false, false], [false, false, false],
    ]);
    expect(new Set(c.scenarios.map((s) => JSON.stringify(s.workload.dataset))).size).toBe(1);
    expect(c.preflight!.enabled).toBe(false);
  });
});
