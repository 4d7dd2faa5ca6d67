import { describe, expect, test } from "bun:test";
import { MAD_OUTLIER_CUTOFF, madOutliers, modifiedZScores } from "../lib/analyze/summary.ts";

describe("madOutliers", () => {
  test("the default cut-off is hyperfine's 1.4826 × 10", () => {
    expect(MAD_OUTLIER_CUTOFF).toBeCloseTo(14.826, 12);
  });
  test("modified z-scores are (x - median) / raw MAD", () => {
    // numpy: (x - median(x)) / median(|x - median(x)|) for the sample below
    const z = modifiedZScores([1200, 1000, 1100, 1500, 1050, 3000, 1150, 1080]);
    const expected = [1.0, -1.6666666666666667, -0.3333333333333333, 5.0, -1.0, 25.0, 0.3333333333333333, -0.6];
    z.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 12));
  });
  test("only the sample beyond 14.826 MADs is an outlier", () => {
    expect(madOutliers([1200, 1000, 1100, 1500, 1050, 3000, 1150, 1080])).toEqual([5]);
  });
  // The next cases are hyperfine's own test_detect_outliers / ..._if_mad_becomes_0 cases.
  test("a small low-variance sample has no outliers", () => {
    expect(madOutliers([-0.2, 0.0, 0.2])).toEqual([]);
  });
  test("one far value among three close ones is found", () => {
    expect(madOutliers([-0.2, 0.0, 0.2, 4.0])).toEqual([3]);
  });
  test("a slow first run among steady runs is found", () => {
    expect(madOutliers([0.5, 0.3, 0.29, 0.31, 0.3])).toEqual([0]);
  });
  test("two outliers on both sides are both found", () => {
    const xs = [2.33269488, 1.42195907, -0.57527698, -0.31293437, 2.2948158, 0.75813273, -1.0712388, -0.96394741, -1.15897446, 1.10976285, 20.0, -500.0];
    expect(madOutliers(xs)).toEqual([10, 11]);
  });
  test("with zero MAD every differing value is an outlier", () => {
    expect(madOutliers([10, 10, 10, 10, 10, 10, 10, 100, 100])).toEqual([7, 8]);
  });
  test("two samples never produce outliers", () => {
    expect(madOutliers([1000, 0])).toEqual([]);
  });
  test("a custom cut-off is honoured", () => {
    expect(madOutliers([1200, 1000, 1100, 1500, 1050, 3000, 1150, 1080], 4)).toEqual([3, 5]);
  });
});
