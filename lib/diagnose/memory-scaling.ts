// Peak memory against file count: a fixed part plus bytes per file (least squares), and the rule that flags faster-than-linear growth.

import { formatBytes } from "../units";
import type { ScalingFit, ScalingPoint } from "./types";

/**
 * Peak RSS moves between identical runs by allocator and page-granularity noise; a step between two file counts
 * smaller than this says nothing about growth. 1 MiB: well above the spread of repeated peaks of cp and rsync here.
 */
export const NOISE_FLOOR_BYTES = 1024 * 1024;
/** Growth exponent at or above which growth is called faster than linear (x log x stays near 1.1; x^1.5 is 1.5). */
export const EXPONENT_LIMIT = 1.3;

/** Ordinary least squares of peakBytes on files: { fixedBytes, bytesPerFile }; null with fewer than 2 distinct counts. */
export function leastSquares(points: ScalingPoint[]): { fixedBytes: number; bytesPerFile: number } | null {
  const n = points.length;
  if (n < 2) return null;
  const mx = points.reduce((s, p) => s + p.files, 0) / n;
  const my = points.reduce((s, p) => s + p.peakBytes, 0) / n;
  let sxx = 0, sxy = 0;
  for (const p of points) {
    sxx += (p.files - mx) ** 2;
    sxy += (p.files - mx) * (p.peakBytes - my);
  }
  if (sxx === 0) return null;
  const bytesPerFile = sxy / sxx;
  return { fixedBytes: my - bytesPerFile * mx, bytesPerFile };
}

/**
 * Fits one tool's (files, peakBytes) points and judges how memory grows with the file count.
 *
 * The rule (needs 3 or more distinct counts): take the per-file cost of each step between consecutive counts,
 * rate = Δbytes / Δfiles. For linear growth the rate is the same at every count; for growth like files^k it scales
 * as files^(k-1). So exponent = 1 + log(rate_last / rate_first) / log(mid_last / mid_first), mid being the midpoint
 * count of each step. A step that moves less than NOISE_FLOOR_BYTES has no measurable rate: for the first step
 * its bound NOISE_FLOOR_BYTES / Δfiles is used instead (which makes the exponent a lower bound, "≥"); the last step
 * must rise above the noise, or there is no growth to judge. Faster than linear: exponent ≥ EXPONENT_LIMIT and
 * the largest count's peak exceeds the first step's straight line by more than 2 × NOISE_FLOOR_BYTES.
 * Counts should grow geometrically (1k, 10k, 100k) so the steps differ enough in size for the exponent to mean
 * something; with those three, x·log x stays near 1.1 and quadratic growth reads near 2.
 */
export function fitScaling(tool: string, input: ScalingPoint[]): ScalingFit {
  const points = [...input].sort((a, b) => a.files - b.files);
  const base = { tool, points, firstRate: null, lastRate: null, exponent: null };
  const ls = leastSquares(points);
  const fit = { fixedBytes: ls?.fixedBytes ?? null, bytesPerFile: ls?.bytesPerFile ?? null };
  const counts = [...new Set(points.map((p) => p.files))];
  if (counts.length < 3) {
    return { ...base, ...fit, verdict: "undetermined", reason: `${counts.length} distinct file count(s); the growth rule needs 3 or more` };
  }
  // Repeated counts: their mean peak stands for the count.
  const mean = counts.map((files) => {
    const at = points.filter((p) => p.files === files);
    return { files, peakBytes: at.reduce((s, p) => s + p.peakBytes, 0) / at.length };
  });
  const lo = mean[0]!, hi = mean[mean.length - 1]!;
  if (Math.abs(hi.peakBytes - lo.peakBytes) < NOISE_FLOOR_BYTES) {
    return { ...base, ...fit, verdict: "flat", reason: `peak moves less than ${formatBytes(NOISE_FLOOR_BYTES)} from ${lo.files} to ${hi.files} files` };
  }
  const step = (i: number) => {
    const a = mean[i - 1]!, b = mean[i]!;
    const dy = b.peakBytes - a.peakBytes;
    const measurable = Math.abs(dy) >= NOISE_FLOOR_BYTES;
    return { rate: measurable ? dy / (b.files - a.files) : NOISE_FLOOR_BYTES / (b.files - a.files), measurable, mid: (a.files + b.files) / 2, from: a };
  };
  const first = step(1), last = step(mean.length - 1);
  if (!last.measurable || last.rate <= 0) {
    return { ...base, ...fit, verdict: "linear", reason: "the last step does not rise above the noise floor: no sign of faster growth" };
  }
  if (first.rate <= 0) {
    return { ...base, ...fit, lastRate: last.rate, verdict: "undetermined", reason: `peak falls between ${mean[0]!.files} and ${mean[1]!.files} files` };
  }
  const exponent = 1 + Math.log(last.rate / first.rate) / Math.log(last.mid / first.mid);
  const excess = hi.peakBytes - (first.from.peakBytes + (first.measurable ? first.rate : 0) * (hi.files - first.from.files));
  const withRates = { ...base, ...fit, firstRate: first.measurable ? first.rate : null, lastRate: last.rate, exponent };
  const cmp = first.measurable ? "" : "≥ ";
  const firstText = first.measurable ? `${Math.round(first.rate)} B` : `under ${Math.round(first.rate)} B`;
  if (exponent >= EXPONENT_LIMIT && excess > 2 * NOISE_FLOOR_BYTES) {
    return {
      ...withRates, verdict: "faster-than-linear",
      reason: `per-file cost rises from ${firstText} to ${Math.round(last.rate)} B as files grow (exponent ${cmp}${exponent.toFixed(2)})`,
    };
  }
  return { ...withRates, verdict: "linear", reason: `per-file cost ${firstText} then ${Math.round(last.rate)} B (exponent ${cmp}${exponent.toFixed(2)})` };
}

/** "blit: 9.8 MiB + 412 B/file", with the growth verdict when it is not plainly linear. */
export function scalingLine(f: ScalingFit): string {
  const model =
    f.fixedBytes === null || f.bytesPerFile === null
      ? "not enough points to fit"
      : `${f.fixedBytes < 0 ? "−" : ""}${formatBytes(Math.abs(f.fixedBytes))} ${Math.round(f.bytesPerFile) < 0 ? "−" : "+"} ${Math.abs(Math.round(f.bytesPerFile))} B/file`;
  const pts = f.points.map((p) => `${p.files.toLocaleString("en-US")}: ${formatBytes(p.peakBytes)}`).join(", ");
  switch (f.verdict) {
    case "faster-than-linear":
      return `${f.tool}: ${model}; grows faster than linear: ${f.reason} (peaks ${pts})`;
    case "undetermined":
      return `${f.tool}: ${model}; growth undetermined: ${f.reason} (peaks ${pts})`;
    case "flat":
      return `${f.tool}: ${model}; flat: ${f.reason}`;
    default:
      return `${f.tool}: ${model}`;
  }
}
