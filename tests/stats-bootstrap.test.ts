import { describe, expect, test } from "bun:test";
import { bootstrapRatioCI, gateTime, mulberry32 } from "../lib/analyze/bootstrap.ts";

const cand = [10.2, 10.5, 9.9, 10.8, 10.1];
const base = [10.0, 9.8, 10.3, 10.1, 9.9];

describe("bootstrapRatioCI", () => {
  test("the PRNG matches an independent Python port of mulberry32", () => {
    const r = mulberry32(0x5eed);
    expect([r(), r(), r()]).toEqual([0.7100320369936526, 0.286336648510769, 0.9519026265479624]);
  });
  test("the interval equals an independent Python implementation for the default options", () => {
    // /tmp/ref.py: same resampling order (candidate draws then baseline draws per resample),
    // np.percentile(ratios, [2.5, 97.5]) over 10000 ratios, seed 0x5eed.
    const ci = bootstrapRatioCI(cand, base);
    expect(ci.estimate).toBeCloseTo(1.0279441117764472, 12);
    expect(ci.low).toBeCloseTo(0.9980158730158727, 12);
    expect(ci.high).toBeCloseTo(1.0603621730382293, 12);
  });
  test("resamples, confidence and seed are honoured", () => {
    const ci = bootstrapRatioCI(cand, base, { resamples: 1000, confidence: 0.9, seed: 7 });
    expect(ci.low).toBeCloseTo(1.0019801980198022, 12);
    expect(ci.high).toBeCloseTo(1.0540108433734938, 12);
  });
  test("the same samples always give the same interval", () => {
    expect(bootstrapRatioCI(cand, base)).toEqual(bootstrapRatioCI(cand, base));
  });
  test("one run on either side gives the degenerate interval [r, r]", () => {
    expect(bootstrapRatioCI([12], base)).toEqual({ estimate: 12 / 10.02, low: 12 / 10.02, high: 12 / 10.02 });
  });
  test("constant samples give a zero-width interval at the ratio", () => {
    expect(bootstrapRatioCI([2, 2, 2], [4, 4, 4])).toEqual({ estimate: 0.5, low: 0.5, high: 0.5 });
  });
  test("an empty side is an error", () => {
    expect(() => bootstrapRatioCI([], base)).toThrow(RangeError);
  });
});

describe("gateTime", () => {
  const ci = (estimate: number, low: number, high: number) => ({ estimate, low, high });
  test("an estimate at or under the threshold passes", () => {
    expect(gateTime(ci(1.05, 1.0, 1.1), 1.05, false)).toEqual({ pass: true, withinNoise: true });
  });
  test("an estimate over the threshold fails without requireSignificance, even within noise", () => {
    expect(gateTime(ci(1.06, 1.0, 1.1), 1.05, false)).toEqual({ pass: false, withinNoise: true });
  });
  test("with requireSignificance an interval straddling the threshold passes", () => {
    expect(gateTime(ci(1.06, 1.0, 1.1), 1.05, true)).toEqual({ pass: true, withinNoise: true });
  });
  test("with requireSignificance an interval wholly above the threshold fails", () => {
    expect(gateTime(ci(1.2, 1.1, 1.3), 1.05, true)).toEqual({ pass: false, withinNoise: false });
  });
  test("an interval wholly below the threshold passes and is not within noise", () => {
    expect(gateTime(ci(0.9, 0.85, 0.95), 1.05, false)).toEqual({ pass: true, withinNoise: false });
  });
  test("a degenerate interval exactly at the threshold is not within noise", () => {
    expect(gateTime(ci(1.05, 1.05, 1.05), 1.05, true)).toEqual({ pass: true, withinNoise: false });
  });
});
