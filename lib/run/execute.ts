// Executing one scenario's plan: per run the harness steps, the executor's timed run, then the rules that decide whether the run counts.

import { plural } from "../text";
import { DEFAULTS } from "../defaults";
import { oldLines, type Log } from "../log";
import type { PlannedRun, RunRecord, ScenarioPlan, ToolSpec } from "../types";
import { formatSeconds } from "../units";
import { realClock, type Clock, type Executor } from "./executor";
import { guardSlots, slotKey } from "./guard";
import type { RunHarness } from "./harness";
import { toolOfArm } from "../plan/arms";
import { readNativeStats } from "./native-stats";
import type { RunSteps } from "./steps";
import { interleave, type Interleaved, type Slot, type ToolTiming } from "./timing";

export interface ExecuteOptions {
  tools: Record<string, ToolSpec>;
  log: Log;
  /** Runs one tool invocation and measures it (local spawn, a mock, later ssh). */
  executor: Executor;
  /** The steps around each run (reset, cache, {state}, settle, source check, verify, same work); fakes in the fast test tier. */
  harness: RunHarness & RunSteps;
  /** Slot times (default Bun.nanoseconds). */
  clock?: Clock;
  /** Host id of this machine: recorded per run as the one whose meter timed it, when an end or a daemon is remote. */
  timedBy?: string;
  /** Called with the live interleaver so Ctrl-C can abort it. */
  onStart?: (il: Interleaved) => void;
  /** What happens during each run, as it happens (live progress, failure output); never affects a run. */
  onEvent?: (e: RunEvent) => void;
}

/** The steps of one run in the order they happen; "reset" includes restoring an incremental base mirror. */
export type RunStep = "reset" | "cache" | "settle" | "tool" | "check" | "verify" | "inspect";

/**
 * A run's life for whoever watches (the console's progress line, the failure output under an error line).
 * run-end comes for every run, however it ended (an exception in the harness, an abandoned slot included);
 * `failure` says why a failed run failed: the tool's exit status, its timeout, or anything else.
 */
export type RunEvent =
  | { kind: "run-start"; run: PlannedRun }
  | { kind: "step"; run: PlannedRun; step: RunStep }
  | { kind: "run-end"; run: PlannedRun; state: "completed" | "failed"; wallNs: number | null; failure: "exit" | "timeout" | "other" | null };

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

  // A watcher's mistake must not fail a measured run.
  const emit = (e: RunEvent) => {
    try {
      opts.onEvent?.(e);
    } catch {
      /* the console's problem, not the run's */
    }
  };
  // Why a slot's run failed, when it was the tool (its exit status or its timeout); by slot, as an abandoned slot may still finish late.
  const failure = new Map<string, "exit" | "timeout">();

  const exec = async (slot: Slot): Promise<number> => {
    const run = byKey.get(slotKey(slot))!;
    const slotStartNs = clock.nowNs();
    const tool = opts.tools[toolOfArm(run.tool)]!;
    const base: Pick<RunRecord, "scenario" | "tool" | "phase" | "index" | "round" | "strayProcessesKilled" | "runId" | "stateDir" | "control" | "settle" | "durable" | "returnedNs" | "timedBy" | "cacheByHost" | "daemon" | "memoryParts"> = {
      scenario: s.name,
      tool: run.tool,
      phase: run.phase,
      index: run.index,
      round: run.round,
      ...(run.runId ? { runId: run.runId } : {}),
      ...(run.stateDir !== undefined ? { stateDir: run.stateDir } : {}),
      ...(run.control ? { control: true } : {}),
      ...(opts.timedBy && (run.endpoints || run.daemon) ? { timedBy: opts.timedBy } : {}),
    };
    log.line(run.phase === "warmup" ? oldLines.warmupRun(run.label, run.index, run.total, run.dst) : oldLines.measuredRun(run.label, run.index, run.total, run.dst));

    // Outside the timed window: an intact source, a fresh destination, then the cache policy.
    const { cache, residentFraction, cacheByHost } = await harness.before(run, (step) => emit({ kind: "step", run, step }));
    if (cacheByHost) base.cacheByHost = cacheByHost;
    harness.prepareState?.(run);
    if (harness.daemonUp && run.daemon) await harness.daemonUp(run);
    // The last step before the clock starts: nothing harness-made is still being written when it does.
    if (harness.settle) {
      emit({ kind: "step", run, step: "settle" });
      base.settle = await harness.settle(run);
    }
    emit({ kind: "step", run, step: "tool" });
    const out = await (async () => {
      try {
        return await executor.run({ argv: run.argv, env: run.env ?? tool.env, logFd: log.fd, timeoutMs: s.timeoutMs, ...(run.durable ? { durableDir: run.dst } : {}), ...(run.stats ? { captureStdout: true } : {}) });
      } finally {
        harness.releaseState?.(run);
      }
    })();
    if (out.strayProcessesKilled !== undefined) base.strayProcessesKilled = out.strayProcessesKilled;
    // Right after the tool: its daemon still the one started? Its tree's peak joins the client's once it has ended (addDaemonMemory).
    const daemon = harness.daemonCheck && run.daemon ? await harness.daemonCheck(run) : null;
    if (daemon?.record) {
      base.daemon = daemon.record;
      base.memoryParts = { clientBytes: out.measure?.maxRssBytes ?? null, daemonBytes: null };
    }
    if (out.measure) base.returnedNs = out.measure.wallNs;
    if (out.durable) {
      base.durable = out.durable;
      log.file(`[${run.label}] durable: ${out.durable.durableNs === null ? `no durable time (${out.durable.reason})` : `${formatSeconds(out.durable.durableNs)}s = returned + ${out.durable.method} ${formatSeconds(out.durable.flushNs!)}s (${out.durable.timedBy === "meter" ? "mb-run, same clock" : "flushed after the meter returned"})`}`);
    }
    const toolStats = run.stats && out.stdout !== undefined ? { toolStats: readNativeStats(run.stats, out.stdout, run.argv) } : {};
    if (out.strayProcessesKilled !== 0 && out.strayProcessesKilled !== undefined && !out.timedOut) {
      log.error(`warning: ${run.label} left ${out.strayProcessesKilled === null ? "some processes" : plural(out.strayProcessesKilled, "process", "processes")} running; killed`);
    }
    // After every run, whatever its exit: is {dst} a real directory, did the tool leave the source as it found it?
    emit({ kind: "step", run, step: "check" });
    // The tool's own outcome: why its run failed by itself (its daemon, its timeout, its exit status, the meter), or what it measured.
    const timeoutS = (s.timeoutMs / 1000).toFixed(1);
    type ToolFailure = { why: string; line: string | null; kind?: "exit" | "timeout" };
    const outcome: { failure: ToolFailure } | { failure: null; exitCode: number; measure: NonNullable<typeof out.measure> } = daemon?.gone
      ? { failure: { why: daemon.gone, line: `error: ${run.label}: ${daemon.gone}` } }
      : out.timedOut
        ? { failure: { why: `timed out after ${timeoutS}s (killed with its process tree)`, line: `error: ${run.label} timed out after ${timeoutS}s and was killed`, kind: "timeout" } }
        : out.exitCode === null || !tool.successCodes.includes(out.exitCode)
          ? { failure: { why: `exited with status ${out.exitCode ?? "unknown"}`, line: oldLines.exited(run.label, out.exitCode ?? "unknown"), kind: "exit" } }
          : !out.measure
            ? { failure: { why: "the meter reported no measurement", line: null } }
            : { failure: null, exitCode: out.exitCode, measure: out.measure };
    // A run whose tool succeeded may have its copy verified beside the source check (a big source's walk on
    // a data thread): both outside the timed window, and the check still decides first.
    const beside = outcome.failure ? null : (harness.checkBeside?.(run) ?? null);
    let verifying: ReturnType<typeof harness.verify> | null = null;
    if (beside && !beside.notReal) {
      emit({ kind: "step", run, step: "verify" });
      verifying = harness.verify(run);
      verifying.catch(() => {}); // awaited below on every path
    }
    const settled = async () => void (await verifying?.catch(() => {}));
    let checked: { notReal: string | null; tampered: string | null };
    try {
      checked = beside ? { notReal: beside.notReal, tampered: await beside.tampered } : await harness.after(run);
    } catch (e) {
      await settled();
      throw e;
    }
    const { notReal, tampered } = checked;
    if (tampered) log.error(`error: ${run.label}${tampered.startsWith("modified") ? " " : ": "}${tampered}`);
    const fail = (why: string, exitCode: number | null): number => {
      const reason = tampered && why !== tampered ? `${why}; ${tampered}` : why;
      records.push({ ...base, ...toolStats, state: "failed", exitCode, measure: out.measure, reason, cache, residentFraction, slotNs: clock.nowNs() - slotStartNs });
      return Number.NaN;
    };
    if (outcome.failure) {
      const f = outcome.failure;
      if (f.kind) failure.set(slotKey(run), f.kind);
      if (f.line) log.error(f.line);
      return fail(f.why, out.exitCode);
    }
    const { exitCode, measure } = outcome;
    if (notReal) {
      log.error(`error: ${run.label}: ${notReal}`);
      return fail(notReal, out.exitCode);
    }
    if (tampered) {
      await settled();
      return fail(tampered, out.exitCode);
    }

    if (!verifying) emit({ kind: "step", run, step: "verify" });
    const v = await (verifying ?? harness.verify(run));
    if (v && !v.ok) {
      log.error(`error: ${run.label} copied wrong: ${v.summary}`);
      return fail(`copy is wrong: ${v.summary}`, out.exitCode);
    }
    // Outside the timed window, on a verified copy only: the same work as the others? cloned rather than copied?
    let inspected = {};
    if (harness.inspect) {
      emit({ kind: "step", run, step: "inspect" });
      inspected = await harness.inspect(run);
    }
    records.push({ ...base, ...toolStats, ...inspected, state: "completed", exitCode, measure, verified: v ? true : null, cache, residentFraction, slotNs: clock.nowNs() - slotStartNs });
    if (run.phase === "measured") log.line(oldLines.measuredDone(run.label, run.index, formatSeconds(measure.wallNs)));
    return measure.wallNs;
  };

  const abandon = () => {
    executor.killAll("SIGKILL");
    harness.abandon();
  };
  const slots = guardSlots(exec, { runs: byKey, records, log, budgetMs: 2 * s.timeoutMs + DEFAULTS.harnessGraceMs, abandon, clock });
  // Every run's start and end, however it ended: the guard turns a throw or an overrun into its record.
  const watched = async (slot: Slot): Promise<number> => {
    const run = byKey.get(slotKey(slot))!;
    emit({ kind: "run-start", run });
    const wallNs = await slots.run(slot);
    const rec = slots.records().findLast((r) => slotKey(r) === slotKey(slot));
    const state = rec?.state === "completed" ? "completed" : "failed";
    emit({ kind: "run-end", run, state, wallNs: Number.isFinite(wallNs) ? wallNs : null, failure: state === "failed" ? (failure.get(slotKey(slot)) ?? "other") : null });
    return wallNs;
  };
  const il = interleave(sp.runs, sp.tools, s.runs, watched);
  opts.onStart?.(il);
  const timings = await il.run();
  harness.finish();
  await harness.close?.().catch((e) => log.error(`warning: ${s.name}: stopping what the scenario started: ${(e as Error).message}`));
  const runs = slots.records();
  addDaemonMemory(runs);
  return { runs, timings };
}

/**
 * Every daemon has ended now (close): each run's memory figure becomes client + the daemon tree's peak its meter
 * reported (per scenario, the peak over that daemon's runs); a daemon not measured leaves the client's figure alone.
 */
export function addDaemonMemory(runs: RunRecord[]): void {
  for (const r of runs) {
    if (r.state === "skipped" || !r.daemon || !r.memoryParts) continue;
    const daemonBytes = r.daemon.peakRssBytes;
    r.memoryParts = { ...r.memoryParts, daemonBytes };
    if (r.measure && r.memoryParts.clientBytes !== null && daemonBytes !== null) r.measure = { ...r.measure, maxRssBytes: r.memoryParts.clientBytes + daemonBytes };
  }
}
