// The time gate of one candidate: the bootstrap interval of the ratio of means and the paired sign-test interval, side by side on the gated time (returned or durable); `gate:` picks the one that decides; the A/A control judged the same way.

import { DEFAULTS } from "../defaults";
import type { ControlSummary, GateMethod, GateOn, GateVerdict, Interval, PairedSummary, RunRecord, Thresholds } from "../types";
import { bootstrapRatioCI, gateTime } from "./bootstrap";
import { judgeControl } from "./control";
import { analyzePaired, type PairedAnalysis, type TimeOf } from "./paired";
import { completedRuns } from "./tool-stats";

/** A run's gated time: returned = the meter's wall time; durable = returned + the flush (null when the flush failed or was not made). */
export function timeOfGate(gateOn: GateOn): TimeOf {
  return gateOn === "durable" ? (r) => r.durable?.durableNs ?? null : (r) => r.measure.wallNs;
}

/** A tool's gated times over its completed measured runs (runs without such a time left out). */
export function gatedTimesNs(runs: readonly RunRecord[], tool: string, gateOn: GateOn): number[] {
  const t = timeOfGate(gateOn);
  return completedRuns(runs, tool).map(t).filter((x): x is number => x !== null);
}

export function pairedSummary(a: PairedAnalysis): PairedSummary {
  return {
    ratios: a.pairs.map((p) => ({ round: p.round, ratio: p.ratio })),
    dropped: a.dropped,
    medianRatio: a.medianRatio,
    candidateWins: a.candidateWins,
    interval: a.interval,
    noInterval: a.noInterval,
    state: a.state,
  };
}

export interface TimeGate {
  verdict: Exclude<GateVerdict, "NO-VERDICT">;
  bootstrap: Interval | null;
  paired: PairedSummary;
  withinNoise: boolean;
  reasons: string[];
  flags: string[];
}

const bootVerdict = (pass: boolean) => (pass ? "PASS" : "FAIL");

/**
 * Both intervals on the same series. bootstrap: the user's rule (the ratio of mean times ≤ max_time_ratio; with
 * require_significance only a whole interval above it fails). paired: the median per-round ratio, its exact
 * sign-test interval, FASTER / EQUIVALENT pass, SLOWER fails, UNCLEAR (straddling, or too few rounds) is undecided.
 * When both give a verdict and they differ, the row says so.
 */
export function timeGate(runs: readonly RunRecord[], candidate: string, baseline: string, th: Thresholds, gate: GateMethod, gateOn: GateOn): TimeGate {
  const paired = analyzePaired(runs, candidate, baseline, th.maxTimeRatio, { timeOf: timeOfGate(gateOn), confidence: DEFAULTS.pairedConfidence });
  const cand = gatedTimesNs(runs, candidate, gateOn);
  const base = gatedTimesNs(runs, baseline, gateOn);
  const reasons: string[] = [];
  const flags: string[] = [];
  const bootstrap = cand.length && base.length ? bootstrapRatioCI(cand, base, { resamples: DEFAULTS.bootstrapResamples, confidence: DEFAULTS.confidence }) : null;
  const b = bootstrap ? gateTime(bootstrap, th.maxTimeRatio, th.requireSignificance) : null;
  const summary = pairedSummary(paired);
  if (!bootstrap) reasons.push(`no ${gateOn} time on ${cand.length ? "the baseline" : "the candidate"}'s runs${gateOn === "durable" ? " (every flush failed)" : ""}`);
  const bv = b ? bootVerdict(b.pass) : "UNDECIDED";
  if (paired.interval && b && paired.verdict !== bv) {
    flags.push(`paired and bootstrap disagree: paired ${paired.state} (${paired.verdict}), bootstrap ${bv}; gate: ${gate} decides`);
  }
  if (gate === "paired") {
    if (paired.verdict === "FAIL") reasons.push(`paired ${gateOn} ratio: SLOWER, interval low ${paired.interval!.low.toFixed(3)} > ${th.maxTimeRatio}`);
    if (paired.verdict === "UNDECIDED") reasons.push(`paired ${gateOn} ratio UNCLEAR: ${paired.noInterval ?? `interval [${paired.interval!.low.toFixed(3)}, ${paired.interval!.high.toFixed(3)}] straddles ${th.maxTimeRatio}`}`);
    const within = !!paired.interval && paired.interval.low <= th.maxTimeRatio && th.maxTimeRatio < paired.interval.high;
    return { verdict: paired.verdict, bootstrap, paired: summary, withinNoise: within, reasons, flags };
  }
  if (b && !b.pass) reasons.push(`time ratio ${bootstrap!.estimate.toFixed(3)} > ${th.maxTimeRatio}${gateOn === "durable" ? " (durable)" : ""}`);
  return { verdict: bv, bootstrap, paired: summary, withinNoise: b?.withinNoise ?? false, reasons, flags };
}

/** The A/A control against the baseline, judged on the gate's own interval and time. */
export function controlOf(runs: readonly RunRecord[], control: string, baseline: string, th: Thresholds, gate: GateMethod, gateOn: GateOn): ControlSummary {
  let j;
  if (gate === "paired") {
    const a = analyzePaired(runs, control, baseline, th.maxTimeRatio, { timeOf: timeOfGate(gateOn), confidence: DEFAULTS.pairedConfidence });
    const iv = a.interval ? { low: a.interval.low, high: a.interval.high, estimate: a.medianRatio } : null;
    j = judgeControl(iv, th.maxTimeRatio, a.interval ? `paired sign-test ${(a.interval.confidence * 100).toFixed(1)} %` : "paired sign-test", a.noInterval ?? "no interval");
  } else {
    const c = gatedTimesNs(runs, control, gateOn);
    const b = gatedTimesNs(runs, baseline, gateOn);
    const ci = c.length > 1 && b.length > 1 ? bootstrapRatioCI(c, b, { resamples: DEFAULTS.bootstrapResamples, confidence: DEFAULTS.confidence }) : null;
    j = judgeControl(ci, th.maxTimeRatio, `bootstrap ${DEFAULTS.confidence * 100} %`, c.length && b.length ? "fewer than 2 runs on a side" : "no completed run on a side");
  }
  return { tool: control, state: j.state, band: j.band, interval: j.interval, method: j.method, ...(j.state === "NOT-CLEAN" ? { reason: j.reason } : {}) };
}
