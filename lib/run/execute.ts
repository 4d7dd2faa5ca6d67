// Executing one scenario's plan: per run the harness steps, the executor's timed run, then the rules that decide whether the run counts.

import { DEFAULTS } from "../defaults";
import { oldLines, type Log } from "../log";
import type { PlannedRun, RunRecord, ScenarioPlan, ToolSpec } from "../types";
import { formatSeconds } from "../units";
import { realClock, type Clock, type Executor } from "./executor";
import { guardSlots, slotKey } from "./guard";
import type { RunHarness } from "./harness";
import { interleave, type Interleaved, type Slot, type ToolTiming } from "./timing";

export interface ExecuteOptions {
  tools: Record<string, ToolSpec>;
  log: Log;
  /** Runs one tool invocation and measures it (local spawn, a mock, later ssh). */
  executor: Executor;
  /** The steps around each run (reset, cache, source check, verify); fakes in the fast test tier. */
  harness: RunHarness;
  /** Slot times (default Bun.nanoseconds). */
  clock?: Clock;
  /** Called with the live interleaver so Ctrl-C can abort it. */
  onStart?: (il: Interleaved) => void;
}

export interface ScenarioExecution {
  runs: RunRecord[];
  timings: ToolTiming[];
}

export async function executeScenario(sp: ScenarioPlan, opts: ExecuteOptions): Promise<ScenarioExecution> {
  const { log, executor, harness } = opts;
  const clock = opts.clock ?? realClock;
  const s = sp.scenario;
  const records: RunRecord[] = [];
  const byKey = new Map<string, PlannedRun>();
  for (const r of sp.runs) byKey.set(slotKey(r), r);

  log.line(oldLines.running(s.warmup, s.runs));

  const exec = async (slot: Slot): Promise<number> => {
    const run = byKey.get(slotKey(slot))!;
    const slotStartNs = clock.nowNs();
    const tool = opts.tools[run.tool]!;
    const base: Pick<RunRecord, "scenario" | "tool" | "phase" | "index" | "round" | "strayProcessesKilled"> = { scenario: s.name, tool: run.tool, phase: run.phase, index: run.index, round: run.round };
    log.line(run.phase === "warmup" ? oldLines.warmupRun(run.label, run.index, run.total, run.dst) : oldLines.measuredRun(run.label, run.index, run.total, run.dst));

    // Outside the timed window: an intact source, a fresh destination, then the cache policy.
    const { cache, residentFraction } = await harness.before(run);
    const out = await executor.run({ argv: run.argv, env: tool.env, logFd: log.fd, timeoutMs: s.timeoutMs });
    if (out.strayProcessesKilled !== undefined) base.strayProcessesKilled = out.strayProcessesKilled;
    if (out.strayProcessesKilled !== 0 && out.strayProcessesKilled !== undefined && !out.timedOut) {
      log.error(`warning: ${run.label} left ${out.strayProcessesKilled ?? "some"} process(es) running; killed`);
    }
    // After every run, whatever its exit: is {dst} a real directory, did the tool leave the source as it found it?
    const { notReal, tampered } = harness.after(run);
    if (tampered) log.error(`error: ${run.label}${tampered.startsWith("modified") ? " " : ": "}${tampered}`);
    const fail = (why: string, exitCode: number | null): number => {
      const reason = tampered && why !== tampered ? `${why}; ${tampered}` : why;
      records.push({ ...base, state: "failed", exitCode, measure: out.measure, reason, cache, residentFraction, slotNs: clock.nowNs() - slotStartNs });
      return Number.NaN;
    };
    if (out.timedOut) {
      log.error(`error: ${run.label} timed out after ${(s.timeoutMs / 1000).toFixed(1)}s and was killed`);
      return fail(`timed out after ${(s.timeoutMs / 1000).toFixed(1)}s (killed with its process tree)`, out.exitCode);
    }
    if (out.exitCode === null || !tool.successCodes.includes(out.exitCode)) {
      log.error(oldLines.exited(run.label, out.exitCode ?? "unknown"));
      return fail(`exited with status ${out.exitCode ?? "unknown"}`, out.exitCode);
    }
    if (!out.measure) return fail("the meter reported no measurement", out.exitCode);
    if (notReal) {
      log.error(`error: ${run.label}: ${notReal}`);
      return fail(notReal, out.exitCode);
    }
    if (tampered) return fail(tampered, out.exitCode);

    const v = await harness.verify(run);
    if (v && !v.ok) {
      log.error(`error: ${run.label} copied wrong: ${v.summary}`);
      return fail(`copy is wrong: ${v.summary}`, out.exitCode);
    }
    records.push({ ...base, state: "completed", exitCode: out.exitCode, measure: out.measure, verified: v ? true : null, cache, residentFraction, slotNs: clock.nowNs() - slotStartNs });
    if (run.phase === "measured") log.line(oldLines.measuredDone(run.label, run.index, formatSeconds(out.measure.wallNs)));
    return out.measure.wallNs;
  };

  const abandon = () => {
    executor.killAll("SIGKILL");
    harness.abandon();
  };
  const slots = guardSlots(exec, { runs: byKey, records, log, budgetMs: 2 * s.timeoutMs + DEFAULTS.harnessGraceMs, abandon, clock });
  const il = interleave(sp.runs, sp.tools, s.runs, slots.run);
  opts.onStart?.(il);
  const timings = await il.run();
  harness.finish();
  return { runs: slots.records(), timings };
}
