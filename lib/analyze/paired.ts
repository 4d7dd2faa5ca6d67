// Paired analysis: per-round candidate/baseline ratios, their median with an exact sign-test interval, and FASTER/SLOWER/EQUIVALENT/UNCLEAR.

import { DEFAULTS } from "../defaults";
import type { GateVerdict, PairedState, RunRecord } from "../types";

export type { PairedState } from "../types";

/** The confidence of the paired interval (DEFAULTS.pairedConfidence); `gate:` chooses whether it decides (DEFAULTS.gate). */
export const PAIRED_DEFAULTS = { confidence: DEFAULTS.pairedConfidence } as const;

export type Completed = Extract<RunRecord, { state: "completed" }>;

export interface PairedRatio {
  round: number;
  candidateNs: number;
  baselineNs: number;
  /** candidate / baseline: below 1 the candidate was faster in that round. */
  ratio: number;
}

/** The time a gate uses from a run; `returned` is measure.wallNs, a durable time comes from the run's flush (wiring). */
export type TimeOf = (r: Completed) => number | null;
export const returnedTime: TimeOf = (r) => r.measure.wallNs;

/**
 * One ratio per measured round in which both tools completed (rounds rotate which tool starts, so a
 * round is the unit that shares the machine's state). Rounds where either side failed, or has no time
 * (e.g. no durable figure), are left out and listed in `dropped`.
 */
export function pairedRatios(runs: readonly RunRecord[], candidate: string, baseline: string, timeOf: TimeOf = returnedTime): { pairs: PairedRatio[]; dropped: number[] } {
  const byRound = (tool: string) => {
    const m = new Map<number, number | null>();
    for (const r of runs) if (r.tool === tool && r.phase === "measured") m.set(r.round, r.state === "completed" ? timeOf(r) : null);
    return m;
  };
  const c = byRound(candidate);
  const b = byRound(baseline);
  const rounds = [...new Set([...c.keys(), ...b.keys()])].sort((x, y) => x - y);
  const pairs: PairedRatio[] = [];
  const dropped: number[] = [];
  for (const round of rounds) {
    const cn = c.get(round);
    const bn = b.get(round);
    if (cn == null || bn == null || !(bn > 0)) dropped.push(round);
    else pairs.push({ round, candidateNs: cn, baselineNs: bn, ratio: cn / bn });
  }
  return { pairs, dropped };
}

/** P(B ≤ k) for B ~ Binomial(n, 1/2), summed in log space so any n works. */
export function binomialHalfCdf(k: number, n: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  let logC = 0;
  let sum = 0;
  const logHalfN = -n * Math.LN2;
  for (let i = 0; i <= k; i++) {
    if (i > 0) logC += Math.log((n - i + 1) / i);
    sum += Math.exp(logC + logHalfN);
  }
  return Math.min(1, sum);
}

export interface OrderInterval {
  low: number;
  high: number;
  /** 1-based ranks of the bounds in the sorted ratios: [x(k), x(n+1-k)]. */
  lowRank: number;
  highRank: number;
  /** Exact coverage of this interval for the median: 1 − 2·P(B ≤ k−1), B ~ Bin(n, ½); at least the confidence asked for. */
  confidence: number;
}

/**
 * The distribution-free interval for a median from order statistics (the sign test inverted): with the
 * values sorted, [x(k), x(n+1−k)] covers the true median with probability 1 − 2·P(B ≤ k−1). The widest
 * k whose coverage still reaches `confidence` is taken. null when even [min, max] falls short: with
 * n < 6 no 95 % interval exists (n = 5 gives 93.75 %).
 */
export function signTestInterval(values: readonly number[], confidence = 0.95): OrderInterval | null {
  const n = values.length;
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence ${confidence} outside (0, 1)`);
  const asc = [...values].sort((a, b) => a - b);
  let best: OrderInterval | null = null;
  for (let k = 1; k <= Math.floor((n + 1) / 2); k++) {
    const cover = 1 - 2 * binomialHalfCdf(k - 1, n);
    if (cover < confidence) break;
    best = { low: asc[k - 1]!, high: asc[n - k]!, lowRank: k, highRank: n + 1 - k, confidence: cover };
  }
  return best;
}

/** Smallest n with a sign-test interval at this confidence (6 for 95 %). */
export function minPairsFor(confidence = 0.95): number {
  for (let n = 1; n < 1000; n++) if (1 - 2 * binomialHalfCdf(0, n) >= confidence) return n;
  return Infinity;
}

/**
 * The state of a ratio interval against max_time_ratio M (e.g. 1.05), whose band [1/M, M] is "no practical difference":
 * - SLOWER:     low > M — the candidate is slower than the gate allows, at the stated confidence.
 * - FASTER:     high < 1/M — faster by more than the band, at the stated confidence.
 * - EQUIVALENT: 1/M ≤ high ≤ M — not slower than allowed, and not shown faster beyond the band.
 * - UNCLEAR:    low ≤ M < high (the interval straddles the limit), or no interval exists (too few pairs).
 * The gate needs only "high ≤ M" to pass, so FASTER and EQUIVALENT both pass, SLOWER fails, UNCLEAR is undecided.
 */
export function pairedState(interval: { low: number; high: number } | null, maxRatio: number): PairedState {
  if (!(maxRatio >= 1)) throw new RangeError(`max_time_ratio ${maxRatio} must be ≥ 1`);
  if (!interval) return "UNCLEAR";
  if (interval.low > maxRatio) return "SLOWER";
  if (interval.high < 1 / maxRatio) return "FASTER";
  if (interval.high <= maxRatio) return "EQUIVALENT";
  return "UNCLEAR";
}

export function gateOfState(s: PairedState): Exclude<GateVerdict, "NO-VERDICT"> {
  return s === "SLOWER" ? "FAIL" : s === "UNCLEAR" ? "UNDECIDED" : "PASS";
}

export interface PairedAnalysis {
  pairs: PairedRatio[];
  dropped: number[];
  /** Median of the per-round ratios; null with no pairs. */
  medianRatio: number | null;
  /** Rounds in which the candidate was faster (ratio < 1). */
  candidateWins: number;
  interval: OrderInterval | null;
  /** Why there is no interval ("5 pairs: a 95 % sign-test interval needs at least 6 (the widest, [min, max], covers 93.75 %)"). */
  noInterval: string | null;
  state: PairedState;
  verdict: Exclude<GateVerdict, "NO-VERDICT">;
}

function medianOf(xs: readonly number[]): number {
  const a = [...xs].sort((x, y) => x - y);
  const mid = Math.floor(a.length / 2);
  return a.length % 2 ? a[mid]! : (a[mid - 1]! + a[mid]!) / 2;
}

export function analyzePaired(
  runs: readonly RunRecord[],
  candidate: string,
  baseline: string,
  maxRatio: number,
  opts: { timeOf?: TimeOf; confidence?: number } = {},
): PairedAnalysis {
  const confidence = opts.confidence ?? PAIRED_DEFAULTS.confidence;
  const { pairs, dropped } = pairedRatios(runs, candidate, baseline, opts.timeOf);
  const ratios = pairs.map((p) => p.ratio);
  const interval = signTestInterval(ratios, confidence);
  let noInterval: string | null = null;
  if (!interval) {
    const n = ratios.length;
    const pct = (x: number) => `${+(x * 100).toFixed(2)} %`;
    noInterval = n === 0
      ? "no round in which both tools completed"
      : `${n} pair${n === 1 ? "" : "s"}: a ${pct(confidence)} sign-test interval needs at least ${minPairsFor(confidence)} (the widest, [min, max], covers ${pct(1 - 2 * binomialHalfCdf(0, n))})`;
  }
  const state = pairedState(interval, maxRatio);
  return {
    pairs,
    dropped,
    medianRatio: ratios.length ? medianOf(ratios) : null,
    candidateWins: ratios.filter((r) => r < 1).length,
    interval,
    noInterval,
    state,
    verdict: gateOfState(state),
  };
}

/** The table cell: "0.912 [0.871, 0.950] 97.9 % FASTER" or "0.930 (no interval: 5 pairs …) UNCLEAR". */
export function formatPaired(a: PairedAnalysis): string {
  const est = a.medianRatio === null ? "—" : a.medianRatio.toFixed(3);
  if (!a.interval) return `${est} (${a.noInterval}) ${a.state}`;
  return `${est} [${a.interval.low.toFixed(3)}, ${a.interval.high.toFixed(3)}] ${(a.interval.confidence * 100).toFixed(1)} % ${a.state}`;
}
