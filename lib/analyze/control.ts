// The A/A control: the baseline run again as its own arm; its ratio interval must sit inside 1 ± (max_time_ratio − 1) / 2 or no verdict is given.

/** What a scenario's verdict becomes when its control is not clean (instead of PASS or FAIL). */
export const NO_VERDICT_CONTROLS = "NO-VERDICT (controls not clean)";

// The control arm's id: the baseline "rsync" runs a second time as "rsync@control" ('@' is not allowed in tool names, so it cannot collide).
export { CONTROL_SUFFIX, controlToolId } from "../plan/arms";

export interface ControlBand {
  low: number;
  high: number;
}

/** Half the gate's margin on each side of 1: M = 1.05 gives [0.975, 1.025]. */
export function controlBand(maxTimeRatio: number): ControlBand {
  if (!(maxTimeRatio >= 1)) throw new RangeError(`max_time_ratio ${maxTimeRatio} must be ≥ 1`);
  const half = (maxTimeRatio - 1) / 2;
  return { low: 1 - half, high: 1 + half };
}

export type ControlJudgement =
  | { state: "CLEAN"; band: ControlBand; interval: { low: number; high: number; estimate: number | null } ; method: string }
  | { state: "NOT-CLEAN"; band: ControlBand; interval: { low: number; high: number; estimate: number | null } | null; method: string; reason: string };

/**
 * A/A rule: the control (baseline again) over the baseline must have its whole ratio interval inside the
 * band, or the machine is too noisy (or the arms are not alike) to tell the candidate within the gate's
 * margin. No interval (too few rounds, a failed arm) is NOT-CLEAN: cleanliness has to be shown, not assumed.
 * `method` says which interval was judged ("paired sign-test 97.9 %", "bootstrap 95 %"): use the gate's.
 */
export function judgeControl(
  interval: { low: number; high: number; estimate?: number | null } | null,
  maxTimeRatio: number,
  method: string,
  whyNoInterval = "no interval",
): ControlJudgement {
  const band = controlBand(maxTimeRatio);
  if (!interval) return { state: "NOT-CLEAN", band, interval: null, method, reason: `control has ${whyNoInterval}` };
  const iv = { low: interval.low, high: interval.high, estimate: interval.estimate ?? null };
  const fmt = (x: number) => x.toFixed(3);
  if (iv.low >= band.low && iv.high <= band.high) return { state: "CLEAN", band, interval: iv, method };
  const side = iv.low < band.low && iv.high > band.high ? "both ends" : iv.low < band.low ? "the low end" : "the high end";
  return {
    state: "NOT-CLEAN",
    band,
    interval: iv,
    method,
    reason: `control/baseline ${method} interval [${fmt(iv.low)}, ${fmt(iv.high)}] leaves [${fmt(band.low)}, ${fmt(band.high)}] at ${side}`,
  };
}

/** A scenario verdict after its control: unchanged when clean (or no control), NO-VERDICT otherwise. */
export function verdictAfterControl<V extends string>(verdict: V, control: ControlJudgement | null): V | typeof NO_VERDICT_CONTROLS {
  return control && control.state === "NOT-CLEAN" ? NO_VERDICT_CONTROLS : verdict;
}
