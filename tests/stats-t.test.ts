import { describe, expect, test } from "bun:test";
import { predictionInterval, tCdf, tQuantile } from "../lib/analyze/student-t.ts";

// Expected values from scipy 1.17 stats.t.ppf(p, df).
describe("tQuantile", () => {
  const cases: [number, number, number][] = [
    [0.995, 4, 4.604094871349992],
    [0.975, 10, 2.228138851986274],
    [0.995, 29, 2.756385903670605],
    [0.975, 1, 12.706204736174694],
    [0.95, 2.5, 2.5582186141359355],
    [0.9995, 3, 12.923978636687961],
    [0.99, 100, 2.3642173662384813],
  ];
  for (const [p, df, t] of cases) {
    test(`t(${p}, ${df}) matches scipy to 1e-8`, () => {
      expect(Math.abs(tQuantile(p, df) - t)).toBeLessThan(1e-8);
    });
  }
  test("lower-tail quantiles are negative and symmetric", () => {
    expect(Math.abs(tQuantile(0.025, 7) - -2.3646242515927844)).toBeLessThan(1e-8);
  });
  test("the median of t is 0", () => {
    expect(tQuantile(0.5, 5)).toBe(0);
  });
  test("tCdf inverts tQuantile", () => {
    expect(tCdf(tQuantile(0.9, 6), 6)).toBeCloseTo(0.9, 10);
  });
  test("p outside (0, 1) is an error", () => {
    expect(() => tQuantile(1, 5)).toThrow(RangeError);
  });
});

describe("predictionInterval", () => {
  test("it is mean ± t·s·sqrt(1 + 1/n)", () => {
    // numpy/scipy: h=[100,102,98,101,99,103,97,100], t.ppf(0.995,7)*std(ddof=1)*sqrt(1+1/8)
    const pi = predictionInterval([100, 102, 98, 101, 99, 103, 97, 100], 0.99);
    expect(pi.mean).toBe(100);
    expect(pi.low).toBeCloseTo(92.57647488938322, 8);
    expect(pi.high).toBeCloseTo(107.42352511061678, 8);
  });
  test("a single value gives infinite bounds: no verdict instead of a false alert", () => {
    expect(predictionInterval([5], 0.99)).toEqual({ low: -Infinity, high: Infinity, mean: 5 });
  });
});
