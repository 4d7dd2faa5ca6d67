// Student's t distribution (CDF, quantile) and the prediction interval the history check uses (pure).

import { mean, stddev } from "./summary";

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
