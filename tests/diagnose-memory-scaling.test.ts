import { describe, expect, test } from "bun:test";
import { measureScaling } from "../lib/diagnose/memory-run.ts";
import { fitScaling, leastSquares, NOISE_FLOOR_BYTES, scalingLine } from "../lib/diagnose/memory-scaling.ts";

const MiB = 1024 * 1024;
const COUNTS = [1000, 10_000, 100_000];
const pts = (f: (n: number) => number, counts = COUNTS) => counts.map((files) => ({ files, peakBytes: Math.round(f(files)) }));

describe("memory scaling fit", () => {
  test("least squares recovers an exact line", () => {
    expect(leastSquares(pts((n) => 10 * MiB + 400 * n))).toEqual({ fixedBytes: 10 * MiB, bytesPerFile: 400 });
  });

  test("least squares matches a hand computation on scattered points", () => {
    // x = 1, 2, 3; y = 2, 3, 5: slope = Σ(dx·dy)/Σdx² = (−1·−1.333 + 0 + 1·1.667)/2 = 1.5, intercept = 3.333 − 1.5·2 = 0.333.
    const f = leastSquares([{ files: 1, peakBytes: 2 }, { files: 2, peakBytes: 3 }, { files: 3, peakBytes: 5 }])!;
    expect(f.bytesPerFile).toBeCloseTo(1.5, 12);
    expect(f.fixedBytes).toBeCloseTo(1 / 3, 12);
  });

  test("linear growth is called linear, with exponent 1", () => {
    const f = fitScaling("blit", pts((n) => 9.8 * MiB + 412 * n));
    expect(f.verdict).toBe("linear");
    expect(f.exponent).toBeCloseTo(1, 6);
  });

  test("the human line gives the fixed part and the bytes per file", () => {
    expect(scalingLine(fitScaling("blit", pts((n) => 9.8 * MiB + 412 * n)))).toBe("blit: 9.8 MiB + 412 B/file");
    // A slope within the noise can come out negative: it reads as a minus, never "+ -126".
    expect(scalingLine(fitScaling("dd", pts((n) => 3 * MiB - 126 * n)))).toStartWith("dd: 3.0 MiB − 126 B/file");
  });

  test("quadratic growth is flagged faster than linear with an exponent near 2", () => {
    const f = fitScaling("leaky", pts((n) => 5 * MiB + 0.05 * n * n));
    expect(f.verdict).toBe("faster-than-linear");
    expect(f.exponent!).toBeGreaterThan(1.8);
    expect(scalingLine(f)).toContain("leaky: ");
    expect(scalingLine(f)).toContain("grows faster than linear");
  });

  test("quadratic growth hidden below the noise at small counts is still flagged, as a lower bound", () => {
    const f = fitScaling("leaky", pts((n) => 5 * MiB + 0.01 * n * n));
    expect(f.verdict).toBe("faster-than-linear");
    expect(f.firstRate).toBeNull();
    expect(f.reason).toContain("exponent ≥");
  });

  test("n·log n growth stays within the linear verdict", () => {
    expect(fitScaling("sorter", pts((n) => 4 * MiB + 40 * n * Math.log(n))).verdict).toBe("linear");
  });

  test("noise of half the floor on each point does not turn linear growth into faster growth", () => {
    const jitter = [+0.5, -0.5, +0.5].map((j) => j * NOISE_FLOOR_BYTES);
    const noisy = pts((n) => 6 * MiB + 300 * n).map((p, i) => ({ ...p, peakBytes: p.peakBytes + jitter[i]! }));
    expect(fitScaling("rsync", noisy).verdict).toBe("linear");
  });

  test("a peak that moves less than the noise floor is flat", () => {
    const f = fitScaling("cp", [{ files: 1000, peakBytes: 2192 * 1024 }, { files: 10_000, peakBytes: 2432 * 1024 }, { files: 100_000, peakBytes: 2400 * 1024 }]);
    expect(f.verdict).toBe("flat");
    expect(scalingLine(f)).toStartWith("cp: 2.2 MiB + 1 B/file; flat");
  });

  test("fewer than three distinct counts cannot be judged", () => {
    const f = fitScaling("blit", pts((n) => MiB + 100 * n, [1000, 100_000, 100_000]));
    expect(f.verdict).toBe("undetermined");
    expect(f.bytesPerFile).toBeCloseTo(100, 6);
  });

  test("repeated counts are averaged before the steps are taken", () => {
    const p = [...pts((n) => 8 * MiB + 200 * n), { files: 10_000, peakBytes: 8 * MiB + 200 * 10_000 }];
    expect(fitScaling("blit", p).verdict).toBe("linear");
  });
});

describe("memory scaling runner", () => {
  test("every tool runs at every count, smallest count first, and each gets its fit", async () => {
    const order: string[] = [];
    const r = await measureScaling({
      counts: [100_000, 1000, 10_000],
      tools: ["blit", "rsync"],
      source: async (n) => `/ds/${n}`,
      peak: async (tool, src, n) => {
        order.push(`${tool}@${src}`);
        return tool === "blit" ? 10 * MiB + 400 * n : 6 * MiB + 100 * n;
      },
    });
    expect(order).toEqual(["blit@/ds/1000", "rsync@/ds/1000", "blit@/ds/10000", "rsync@/ds/10000", "blit@/ds/100000", "rsync@/ds/100000"]);
    expect(r.state).toBe("completed");
    if (r.state === "completed") expect(r.value.map(scalingLine)).toEqual(["blit: 10.0 MiB + 400 B/file", "rsync: 6.0 MiB + 100 B/file"]);
  });

  test("a run without a peak fails the part with where and why", async () => {
    const r = await measureScaling({
      counts: COUNTS, tools: ["blit"], source: async (n) => `/ds/${n}`,
      peak: async (_t, _s, n) => (n === 10_000 ? "exited with status 1" : MiB),
    });
    expect(r).toEqual({ state: "failed", reason: "blit at 10000 files: exited with status 1" });
  });
});
