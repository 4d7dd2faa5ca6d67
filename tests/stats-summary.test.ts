import { describe, expect, test } from "bun:test";
import { mean, median, percentile, stddev, summarize } from "../lib/analyze/summary.ts";

// Expected values from numpy 2.4 (np.mean, np.std(ddof=1), np.median, np.percentile default "linear"):
//   xs = [1200,1000,1100,1500,1050,3000,1150,1080]
const xs = [1200, 1000, 1100, 1500, 1050, 3000, 1150, 1080];

describe("summarize", () => {
  test("the mean is the plain average of all samples", () => {
    expect(summarize(xs).meanNs).toBe(1385);
  });
  test("the standard deviation is the sample σ with divisor n-1", () => {
    expect(summarize(xs).stddevNs).toBeCloseTo(670.3517200480868, 9);
  });
  test("the median of an even count averages the middle two", () => {
    expect(summarize(xs).medianNs).toBe(1125);
  });
  test("min, max and n cover every sample, outliers included", () => {
    const s = summarize(xs);
    expect([s.n, s.minNs, s.maxNs]).toEqual([8, 1000, 3000]);
  });
  test("p75 and p99 interpolate linearly between ranks like numpy", () => {
    const s = summarize(xs);
    expect(s.p75Ns).toBe(1275);
    expect(s.p99Ns).toBeCloseTo(2895, 9);
  });
  test("a single sample has zero spread and every statistic equal to it", () => {
    expect(summarize([42])).toEqual({ n: 1, meanNs: 42, stddevNs: 0, medianNs: 42, minNs: 42, maxNs: 42, p75Ns: 42, p99Ns: 42 });
  });
  test("an empty sample is an error, not NaN", () => {
    expect(() => summarize([])).toThrow(RangeError);
  });
  test("summarize does not reorder the caller's array", () => {
    const copy = [...xs];
    summarize(copy);
    expect(copy).toEqual(xs);
  });
});

describe("helpers", () => {
  test("median of an odd count is the middle value", () => {
    expect(median([5, 1, 3])).toBe(3);
  });
  test("mean and stddev agree with summarize", () => {
    expect([mean(xs), stddev(xs)]).toEqual([summarize(xs).meanNs, summarize(xs).stddevNs]);
  });
  test("stddev of fewer than two samples is 0", () => {
    expect(stddev([7])).toBe(0);
  });
  test("percentile 0 and 1 are min and max", () => {
    expect([percentile(xs, 0), percentile(xs, 1)]).toEqual([1000, 3000]);
  });
});
