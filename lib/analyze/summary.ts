// Statistics of one sample (pure): moments, percentiles, the summary, outliers and the console warnings about them.

import { DEFAULTS } from "../defaults";
import type { Summary } from "../types";

// ---- basic moments -----------------------------------------------------------

export function mean(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError("mean of an empty sample");
  let sum = 0;
  for (const x of xs) sum += x;
  return sum / xs.length;
}

/** Sample standard deviation (divisor n-1); 0 when n < 2, as a single run has no spread to report. */
export function stddev(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  let ss = 0;
  for (const x of xs) ss += (x - m) * (x - m);
  return Math.sqrt(ss / (xs.length - 1));
}

function sorted(xs: readonly number[]): number[] {
  return [...xs].sort((a, b) => a - b);
}

/**
 * Percentile q in [0, 1] of an ascending-sorted sample, by linear interpolation between
 * closest ranks: h = (n-1)q, x[floor h] + (h - floor h)(x[floor h + 1] - x[floor h]).
 * This is numpy's default ("linear", Hyndman & Fan type 7), so numbers can be checked there.
 */
export function percentileSorted(asc: readonly number[], q: number): number {
  const n = asc.length;
  if (n === 0) throw new RangeError("percentile of an empty sample");
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return asc[lo]! + (h - lo) * (asc[hi]! - asc[lo]!);
}

export function percentile(xs: readonly number[], q: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`percentile ${q} outside [0, 1]`);
  return percentileSorted(sorted(xs), q);
}

/** Median; the average of the middle two for an even count (same as percentile 0.5). */
export function median(xs: readonly number[]): number {
  return percentile(xs, 0.5);
}

/** Every sample is kept: outliers are reported by warnings(), never silently trimmed. */
export function summarize(samplesNs: readonly number[]): Summary {
  if (samplesNs.length === 0) throw new RangeError("summarize needs at least one sample");
  const asc = sorted(samplesNs);
  return {
    n: asc.length,
    meanNs: mean(asc),
    stddevNs: stddev(asc),
    medianNs: percentileSorted(asc, 0.5),
    minNs: asc[0]!,
    maxNs: asc[asc.length - 1]!,
    p75Ns: percentileSorted(asc, 0.75),
    p99Ns: percentileSorted(asc, 0.99),
  };
}

// ---- outliers ------------------------------------------------------------------

/**
 * hyperfine's outlier threshold (src/outlier_detection.rs, OUTLIER_THRESHOLD = 1.4826 * 10.0):
 * the modified z-score (x - median) / MAD uses the raw MAD, and 1.4826 * MAD estimates σ for
 * normal data, so the cut-off means "more than 10 robust standard deviations from the median".
 */
export const MAD_OUTLIER_CUTOFF = 1.4826 * 10;

/** Modified z-scores as hyperfine computes them; a zero MAD is replaced by machine epsilon so identical runs stay 0 and any departure is huge. */
export function modifiedZScores(samples: readonly number[]): number[] {
  if (samples.length === 0) return [];
  const m = median(samples);
  const mad = median(samples.map((x) => Math.abs(x - m)));
  const scale = mad > 0 ? mad : Number.EPSILON;
  return samples.map((x) => (x - m) / scale);
}

/** Indexes (in the given order) of samples whose |modified z-score| exceeds the cut-off. */
export function madOutliers(samples: readonly number[], cutoff = MAD_OUTLIER_CUTOFF): number[] {
  const out: number[] = [];
  modifiedZScores(samples).forEach((z, i) => {
    if (Math.abs(z) > cutoff) out.push(i);
  });
  return out;
}

// ---- warnings ------------------------------------------------------------------

export interface WarningOptions {
  /** Warn when σ / mean exceeds this (pyperf uses 10%). */
  maxCv?: number;
  /** Modified z-score cut-off for outliers (hyperfine's 14.826). */
  outlierCutoff?: number;
  /** The first run must be at least this factor slower than the median of the rest to be called cold. */
  coldFactor?: number;
  /** Fewer measured runs than this gets a warning. */
  minRuns?: number;
  /** How the page cache was treated before the runs ("dropped" on every run, "kept" on every run): the cold-run advice fits it. */
  cache?: "dropped" | "kept" | "mixed";
  /** Warmup runs before the measured ones: no "add a warmup" advice when there were some. */
  warmup?: number;
}

const DEFAULT_WARNING_OPTIONS: Required<Omit<WarningOptions, "cache" | "warmup">> = { ...DEFAULTS.warnings, outlierCutoff: MAD_OUTLIER_CUTOFF };

/**
 * Is the first run a cold-cache outlier? It must be slower than the median of the *other*
 * runs by more than cutoff × their MAD (hyperfine's score, but with the MAD of the rest so the
 * suspect cannot inflate its own yardstick) AND by at least coldFactor. The factor guards the
 * case hyperfine trips on with few, very steady runs: a MAD near zero makes a 1% slower first
 * run look like a 100-σ event. Needs at least two other runs to have a spread at all.
 */
export function isColdFirstRun(
  samplesInRunOrder: readonly number[],
  cutoff = MAD_OUTLIER_CUTOFF,
  coldFactor = DEFAULT_WARNING_OPTIONS.coldFactor,
): boolean {
  if (samplesInRunOrder.length < 3) return false;
  const first = samplesInRunOrder[0]!;
  const rest = samplesInRunOrder.slice(1);
  const m = median(rest);
  const mad = median(rest.map((x) => Math.abs(x - m)));
  return first > m * coldFactor && first - m > cutoff * mad;
}

/** Advice that fits how the runs were made: no "drop caches" to runs that dropped them, no "add a warmup" after warmups. */
function coldAdvice(cache: WarningOptions["cache"], warmup: number | undefined): string {
  if (cache === "dropped") {
    return `every run started with the page cache dropped, so it was not the cache: a busy machine or a first run's one-off costs${warmup ? " (re-run on a quiet machine)" : " (add a warmup run)"}`;
  }
  const drop = cache === "kept" ? "set cache: drop for cold figures" : "drop caches before every run";
  if (warmup) return `caches may have been cold although ${warmup === 1 ? "a warmup run came" : `${warmup} warmup runs came`} first (add warmup runs, or ${drop})`;
  return `caches may have been cold (add a warmup run, or ${drop})`;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

/** Short console sentences about why the numbers of one tool may not be trustworthy. */
export function warnings(samplesInRunOrder: readonly number[], opts: WarningOptions = {}): string[] {
  const o = { ...DEFAULT_WARNING_OPTIONS, ...opts };
  const n = samplesInRunOrder.length;
  const out: string[] = [];
  if (n === 0) return ["No measured runs."];
  if (n < o.minRuns) {
    out.push(`Only ${n} measured run${n === 1 ? "" : "s"}; use at least ${o.minRuns} for meaningful statistics.`);
  }
  const m = mean(samplesInRunOrder);
  const s = stddev(samplesInRunOrder);
  if (m > 0 && s / m > o.maxCv) {
    out.push(`High variance: σ is ${pct(s / m)} of the mean (over ${pct(o.maxCv)}).`);
  }
  const cold = isColdFirstRun(samplesInRunOrder, o.outlierCutoff, o.coldFactor);
  if (cold) {
    const rest = median(samplesInRunOrder.slice(1));
    out.push(`The first measured run was ${(samplesInRunOrder[0]! / rest).toFixed(2)}× slower than the median of the rest; ${coldAdvice(o.cache, o.warmup)}.`);
  }
  const outliers = madOutliers(samplesInRunOrder, o.outlierCutoff).filter((i) => !(cold && i === 0));
  if (outliers.length > 0) {
    const runs = outliers.map((i) => i + 1).join(", ");
    out.push(
      `Statistical outlier${outliers.length === 1 ? "" : "s"} in measured run${outliers.length === 1 ? "" : "s"} ${runs}; consider re-running on a quiet system.`,
    );
  }
  return out;
}
