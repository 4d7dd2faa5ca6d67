import { describe, expect, test } from "bun:test";
import { isColdFirstRun, warnings } from "../lib/analyze/summary.ts";

describe("warnings", () => {
  test("steady runs produce no warnings", () => {
    expect(warnings([100, 101, 99, 100, 102])).toEqual([]);
  });
  test("fewer than three runs are flagged", () => {
    expect(warnings([100, 101])).toEqual(["Only 2 measured runs; use at least 3 for meaningful statistics."]);
  });
  test("a single run is flagged in the singular", () => {
    expect(warnings([100])).toEqual(["Only 1 measured run; use at least 3 for meaningful statistics."]);
  });
  test("σ above 10% of the mean is flagged with the percentage", () => {
    // [80,100,120,90,110]: mean 100, sample σ = sqrt(250) = 15.81 → 15.8%
    expect(warnings([80, 100, 120, 90, 110])).toEqual(["High variance: σ is 15.8% of the mean (over 10.0%)."]);
  });
  test("a slow first run is reported as a cold-cache hint, not as an outlier", () => {
    // rest = [100,101,99,100]: median 100, MAD 0.5; 130 > 1.1×100 and 30 > 14.826×0.5
    const w = warnings([130, 100, 101, 99, 100]);
    expect(w).toContain(
      "The first measured run was 1.30× slower than the median of the rest; caches may have been cold (add a warmup run, or drop caches before every run).",
    );
    expect(w.some((s) => s.startsWith("Statistical outlier"))).toBe(false);
  });
  test("runs that all dropped the cache are not told to drop caches: the slow first run is not the cache", () => {
    const w = warnings([130, 100, 101, 99, 100], { cache: "dropped", warmup: 1 });
    expect(w).toContain(
      "The first measured run was 1.30× slower than the median of the rest; every run started with the page cache dropped, so it was not the cache: a busy machine or a first run's one-off costs (re-run on a quiet machine).",
    );
    expect(w.join(" ")).not.toContain("drop caches");
  });
  test("runs with a warm cache and a warmup are told the warmup was not enough, and how to get cold figures", () => {
    expect(warnings([130, 100, 101, 99, 100], { cache: "kept", warmup: 1 })).toContain(
      "The first measured run was 1.30× slower than the median of the rest; caches may have been cold although a warmup run came first (add warmup runs, or set cache: drop for cold figures).",
    );
  });
  test("an outlier after the first run is reported by its 1-based run number", () => {
    expect(warnings([100, 101, 99, 100, 100.5, 102, 100, 101, 99.5, 112])).toEqual([
      "Statistical outlier in measured run 10; consider re-running on a quiet system.",
    ]);
  });
});

describe("isColdFirstRun", () => {
  test("a first run only 2% slower than very steady runs is not called cold", () => {
    // hyperfine's raw score would flag this (MAD of all = 0); the 1.1× factor does not.
    expect(isColdFirstRun([102, 100, 100, 100, 100])).toBe(false);
  });
  test("a first run within the noise of noisy runs is not called cold", () => {
    // rest median 100, MAD 10 → needs > 248.26; 150 is not enough
    expect(isColdFirstRun([150, 90, 110, 100, 80, 120])).toBe(false);
  });
  test("a first run 3× slower than the rest is cold", () => {
    expect(isColdFirstRun([300, 90, 110, 100, 80, 120])).toBe(true);
  });
  test("two runs are too few to judge", () => {
    expect(isColdFirstRun([300, 100])).toBe(false);
  });
});
