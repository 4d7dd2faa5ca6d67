// The ratio of two mean times with a seeded percentile-bootstrap interval, and the time gate that reads it (pure).

import { DEFAULTS } from "../defaults";
import type { Interval } from "../types";
import { mean, percentileSorted } from "./summary";

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
  const resamples = opts.resamples ?? DEFAULTS.bootstrapResamples;
  const confidence = opts.confidence ?? DEFAULTS.confidence;
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence ${confidence} outside (0, 1)`);
  if (!(resamples >= 1)) throw new RangeError(`resamples ${resamples} must be >= 1`);
  const estimate = mean(candidateNs) / mean(baselineNs);
  if (candidateNs.length === 1 || baselineNs.length === 1) return { estimate, low: estimate, high: estimate };

  const rnd = mulberry32(opts.seed ?? DEFAULTS.bootstrapSeed);
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
