import { describe, expect, test } from "bun:test";
import { analyzePaired, binomialHalfCdf, formatPaired, gateOfState, minPairsFor, pairedRatios, pairedState, signTestInterval } from "../lib/analyze/paired";
import type { RunRecord } from "../lib/types";

function run(tool: string, round: number, wallNs: number | null): RunRecord {
  const base = { scenario: "s", tool, phase: "measured" as const, index: round, round, cache: "kept" as const, residentFraction: null };
  if (wallNs === null) return { ...base, state: "failed", exitCode: 1, measure: null, reason: "exit 1" };
  return { ...base, state: "completed", exitCode: 0, measure: { wallNs, userUs: null, systemUs: null, maxRssBytes: null }, verified: true };
}

describe("binomial tail", () => {
  test("P(B ≤ k) for Bin(n, 1/2) matches exact fractions", () => {
    expect(binomialHalfCdf(0, 5)).toBeCloseTo(1 / 32, 15);
    expect(binomialHalfCdf(0, 6)).toBeCloseTo(1 / 64, 15);
    expect(binomialHalfCdf(1, 10)).toBeCloseTo(11 / 1024, 15);
    expect(binomialHalfCdf(2, 10)).toBeCloseTo(56 / 1024, 15);
    expect(binomialHalfCdf(-1, 10)).toBe(0);
    expect(binomialHalfCdf(10, 10)).toBe(1);
  });
});

describe("sign-test interval", () => {
  test("five pairs have no 95 % interval: [min, max] covers only 93.75 %", () => {
    expect(signTestInterval([1, 2, 3, 4, 5], 0.95)).toBeNull();
    expect(minPairsFor(0.95)).toBe(6);
  });

  test("six pairs give [min, max] with exact coverage 1 - 2/64", () => {
    const iv = signTestInterval([1.3, 0.9, 1.1, 1.0, 1.2, 0.8], 0.95)!;
    expect(iv).toEqual({ low: 0.8, high: 1.3, lowRank: 1, highRank: 6, confidence: 1 - 2 / 64 });
  });

  test("ten pairs give the 2nd and 9th order statistics with coverage 1 - 22/1024", () => {
    const xs = [10, 1, 9, 2, 8, 3, 7, 4, 6, 5];
    const iv = signTestInterval(xs, 0.95)!;
    expect([iv.low, iv.high, iv.lowRank, iv.highRank]).toEqual([2, 9, 2, 9]);
    expect(iv.confidence).toBeCloseTo(1 - 22 / 1024, 15);
  });

  test("twenty pairs give ranks 6 and 15 (coverage 0.9586)", () => {
    const iv = signTestInterval(Array.from({ length: 20 }, (_, i) => i + 1), 0.95)!;
    expect([iv.lowRank, iv.highRank]).toEqual([6, 15]);
    expect(iv.confidence).toBeCloseTo(1 - 2 * (1 + 20 + 190 + 1140 + 4845 + 15504) / 2 ** 20, 12);
  });
});

describe("states against max_time_ratio 1.05", () => {
  const M = 1.05;
  test("an interval wholly above the limit is SLOWER and fails", () => {
    expect(pairedState({ low: 1.06, high: 1.2 }, M)).toBe("SLOWER");
    expect(gateOfState("SLOWER")).toBe("FAIL");
  });
  test("an interval wholly below 1/M is FASTER and passes", () => {
    expect(pairedState({ low: 0.5, high: 0.95 }, M)).toBe("FASTER");
    expect(gateOfState("FASTER")).toBe("PASS");
  });
  test("an upper bound inside [1/M, M] is EQUIVALENT and passes", () => {
    expect(pairedState({ low: 0.97, high: 1.04 }, M)).toBe("EQUIVALENT");
    expect(pairedState({ low: 0.8, high: 1 / M }, M)).toBe("EQUIVALENT");
    expect(pairedState({ low: 1.01, high: 1.05 }, M)).toBe("EQUIVALENT");
    expect(gateOfState("EQUIVALENT")).toBe("PASS");
  });
  test("an interval straddling the limit, or none at all, is UNCLEAR and undecided", () => {
    expect(pairedState({ low: 1.0, high: 1.1 }, M)).toBe("UNCLEAR");
    expect(pairedState(null, M)).toBe("UNCLEAR");
    expect(gateOfState("UNCLEAR")).toBe("UNDECIDED");
  });
});

describe("paired ratios from run records", () => {
  test("only rounds where both tools completed are paired; the others are listed as dropped", () => {
    const runs = [run("c", 1, 90), run("b", 1, 100), run("c", 2, null), run("b", 2, 100), run("c", 3, 120), run("b", 3, 100), run("b", 4, 50)];
    const { pairs, dropped } = pairedRatios(runs, "c", "b");
    expect(pairs.map((p) => [p.round, p.ratio])).toEqual([[1, 0.9], [3, 1.2]]);
    expect(dropped).toEqual([2, 4]);
  });

  test("a candidate faster in every one of 8 rounds is FASTER; 8 pairs reach 95 % only with [min, max]", () => {
    const ratios = [0.8, 0.82, 0.85, 0.84, 0.81, 0.83, 0.86, 0.9];
    const runs = ratios.flatMap((r, i) => [run("c", i + 1, r * 1000), run("b", i + 1, 1000)]);
    const a = analyzePaired(runs, "c", "b", 1.05);
    expect(a.pairs.length).toBe(8);
    expect(a.medianRatio).toBeCloseTo((0.83 + 0.84) / 2, 12);
    expect(a.interval!.low).toBeCloseTo(0.8, 12);
    expect(a.interval!.high).toBeCloseTo(0.9, 12);
    // k = 2 would cover only 1 - 18/256 = 92.97 %.
    expect(a.interval!.confidence).toBeCloseTo(1 - 2 / 256, 12);
    expect(a.candidateWins).toBe(8);
    expect([a.state, a.verdict]).toEqual(["FASTER", "PASS"]);
    expect(formatPaired(a)).toBe("0.835 [0.800, 0.900] 99.2 % FASTER");
  });

  test("five rounds say why there is no interval and stay UNCLEAR", () => {
    const runs = [1, 2, 3, 4, 5].flatMap((i) => [run("c", i, 500), run("b", i, 1000)]);
    const a = analyzePaired(runs, "c", "b", 1.05);
    expect(a.interval).toBeNull();
    expect(a.noInterval).toBe("5 pairs: a 95 % sign-test interval needs at least 6 (the widest, [min, max], covers 93.75 %)");
    expect(a.state).toBe("UNCLEAR");
    expect(a.verdict).toBe("UNDECIDED");
  });

  test("a custom time accessor (e.g. durable time) is used for the ratios", () => {
    const runs = [1, 2, 3, 4, 5, 6].flatMap((i) => [run("c", i, 100), run("b", i, 100)]);
    const a = analyzePaired(runs, "c", "b", 1.05, { timeOf: (r) => (r.tool === "c" ? 300 : 100) });
    expect(a.medianRatio).toBe(3);
    expect(a.state).toBe("SLOWER");
  });
});
