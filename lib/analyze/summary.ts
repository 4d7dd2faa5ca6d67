// Statistics (pure): summaries, outliers, console warnings, bootstrap ratio CI, the time gate, Student-t helpers.

import type { Interval, Summary } from "../types.ts";

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
function percentileSorted(asc: readonly number[], q: number): number {
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
}

const DEFAULT_WARNING_OPTIONS: Required<WarningOptions> = {
  maxCv: 0.1,
  outlierCutoff: MAD_OUTLIER_CUTOFF,
  coldFactor: 1.1,
  minRuns: 3,
};

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
    out.push(
      `The first measured run was ${(samplesInRunOrder[0]! / rest).toFixed(2)}× slower than the median of the rest; caches may have been cold (add a warmup or drop caches before every run).`,
    );
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

// ---- bootstrap ratio CI ------------------------------------------------------------

/** mulberry32: a tiny 32-bit seeded PRNG; reproducible intervals matter more than statistical quality here. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface BootstrapOptions {
  resamples?: number;
  confidence?: number;
  seed?: number;
}

export const DEFAULT_BOOTSTRAP_SEED = 0x5eed;

function resampledMean(xs: readonly number[], rnd: () => number): number {
  const n = xs.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += xs[Math.floor(rnd() * n)]!;
  return sum / n;
}

/**
 * Ratio of means candidate/baseline with a percentile-bootstrap interval: both groups are
 * resampled independently (the runs are not paired), the ratio of resampled means is taken
 * `resamples` times, and the (1-c)/2 and 1-(1-c)/2 percentiles of those ratios (same linear
 * interpolation as percentile()) bound the interval. The estimate is the plain ratio of means.
 * With one sample on either side there is nothing to resample: the interval is [r, r].
 */
export function bootstrapRatioCI(
  candidateNs: readonly number[],
  baselineNs: readonly number[],
  opts: BootstrapOptions = {},
): Interval {
  if (candidateNs.length === 0 || baselineNs.length === 0) {
    throw new RangeError("bootstrapRatioCI needs at least one sample on each side");
  }
  const resamples = opts.resamples ?? 10_000;
  const confidence = opts.confidence ?? 0.95;
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence ${confidence} outside (0, 1)`);
  if (!(resamples >= 1)) throw new RangeError(`resamples ${resamples} must be >= 1`);
  const estimate = mean(candidateNs) / mean(baselineNs);
  if (candidateNs.length === 1 || baselineNs.length === 1) return { estimate, low: estimate, high: estimate };

  const rnd = mulberry32(opts.seed ?? DEFAULT_BOOTSTRAP_SEED);
  const ratios = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    const c = resampledMean(candidateNs, rnd);
    const base = resampledMean(baselineNs, rnd);
    ratios[b] = c / base;
  }
  ratios.sort();
  const asc = Array.from(ratios);
  const alpha = (1 - confidence) / 2;
  return { estimate, low: percentileSorted(asc, alpha), high: percentileSorted(asc, 1 - alpha) };
}

/**
 * The time gate. Without requireSignificance the point estimate decides (ratio ≤ maxRatio passes).
 * With it, the candidate fails only when the whole interval lies above maxRatio (Criterion's
 * "regressed only if the whole CI is beyond the threshold"). withinNoise flags an interval that
 * straddles the threshold, i.e. the verdict could flip on a re-run.
 */
export function gateTime(
  ci: Interval,
  maxRatio: number,
  requireSignificance: boolean,
): { pass: boolean; withinNoise: boolean } {
  const withinNoise = ci.low <= maxRatio && maxRatio < ci.high;
  const pass = requireSignificance ? !(ci.low > maxRatio) : ci.estimate <= maxRatio;
  return { pass, withinNoise };
}

// ---- Student t ------------------------------------------------------------------

// Lanczos approximation (g = 7, n = 9), good to ~1e-15 for positive arguments.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

// Continued fraction for the incomplete beta (modified Lentz), valid for x < (a+1)/(a+b+2).
function betaContinuedFraction(x: number, a: number, b: number): number {
  const TINY = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 500; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return h;
}

/** Regularized incomplete beta I_x(a, b). */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lnFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x);
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(lnFront) * betaContinuedFraction(x, a, b)) / a;
  return 1 - (Math.exp(lnFront) * betaContinuedFraction(1 - x, b, a)) / b;
}

/** CDF of Student's t with df degrees of freedom (df may be fractional, e.g. Welch). */
export function tCdf(t: number, df: number): number {
  const tail = 0.5 * regularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/**
 * Quantile of Student's t: the t with P(T ≤ t) = p. Inverts I_x(df/2, 1/2) = 2·min(p, 1-p) by
 * bisection on x (I is monotone in x, so bisection cannot diverge), then t = sqrt(df (1-x) / x).
 */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`p ${p} outside (0, 1)`);
  if (!(df > 0)) throw new RangeError(`df ${df} must be > 0`);
  if (p === 0.5) return 0;
  const target = 2 * Math.min(p, 1 - p);
  const a = df / 2;
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 200 && hi - lo > 0; i++) {
    const mid = (lo + hi) / 2;
    if (mid === lo || mid === hi) break;
    if (regularizedIncompleteBeta(mid, a, 0.5) < target) lo = mid;
    else hi = mid;
  }
  const x = (lo + hi) / 2;
  const t = Math.sqrt((df * (1 - x)) / x);
  return p > 0.5 ? t : -t;
}

/**
 * Two-sided prediction interval for the next value given a history (Bencher-style regression
 * check): mean ± t_{(1+c)/2, n-1} · s · sqrt(1 + 1/n). With fewer than two values there is no
 * spread to reason from, so the bounds are infinite: "no verdict", never a false alert.
 */
export function predictionInterval(
  history: readonly number[],
  confidence: number,
): { low: number; high: number; mean: number } {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence ${confidence} outside (0, 1)`);
  if (history.length === 0) return { low: -Infinity, high: Infinity, mean: NaN };
  const m = mean(history);
  const n = history.length;
  if (n < 2) return { low: -Infinity, high: Infinity, mean: m };
  const half = tQuantile((1 + confidence) / 2, n - 1) * stddev(history) * Math.sqrt(1 + 1 / n);
  return { low: m - half, high: m + half, mean: m };
}
