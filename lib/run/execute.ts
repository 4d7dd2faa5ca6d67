// Executing one scenario's plan: per run reset the destination, treat the cache, spawn and time, check the copy is real and the source intact, verify.

import path from "node:path";
import { dropCaches, residentFraction } from "../platform/linux";
import { closeLivePools } from "../datasets/pool";
import type { ScenarioSource } from "../datasets/sources";
import { DEFAULTS } from "../defaults";
import { oneLine } from "../errors";
import { oldLines, type Log } from "../log";
import { describeReplaced } from "../safe-fs";
import { SourceGuard } from "./source-check";
import { killAll, runTool } from "./spawn";
import { interleave, type Interleaved, type Slot, type SlotRunner, type ToolTiming } from "./timing";
import type { CacheTreatment, PlannedRun, RunRecord, ScenarioPlan, ToolSpec } from "../types";
import { formatSeconds } from "../units";
import { verifyCopy } from "./verify";
import { destinationNotReal, realDestination, resetDestination } from "../workspace";

export interface ExecuteOptions {
  workspace: string;
  tools: Record<string, ToolSpec>;
  log: Log;
  /** Called with the live interleaver so Ctrl-C can abort it. */
  onStart?: (il: Interleaved) => void;
}

export interface ScenarioExecution {
  runs: RunRecord[];
  timings: ToolTiming[];
}

const RESIDENCY_SAMPLE = 64;

export async function executeScenario(sp: ScenarioPlan, source: ScenarioSource, opts: ExecuteOptions): Promise<ScenarioExecution> {
  const { log } = opts;
  const s = sp.scenario;
  const records: RunRecord[] = [];
  const srcFiles = source.manifest.entries.filter((e) => e.type === "file").map((e) => path.join(source.srcDir, e.path));
  const byKey = new Map<string, PlannedRun>();
  for (const r of sp.runs) byKey.set(`${r.tool}/${r.phase}/${r.index}`, r);

  log.line(oldLines.running(s.warmup, s.runs));
  const guard = new SourceGuard(source, log);

  const exec = async (slot: Slot): Promise<number> => {
    const run = byKey.get(`${slot.tool}/${slot.phase}/${slot.index}`)!;
    const slotStartNs = Bun.nanoseconds();
    const tool = opts.tools[run.tool]!;
    const base: RunKey & { strayProcessesKilled?: number | null } = { scenario: s.name, tool: run.tool, phase: run.phase, index: run.index, round: run.round };
    log.line(run.phase === "warmup" ? oldLines.warmupRun(run.label, run.index, run.total, run.dst) : oldLines.measuredRun(run.label, run.index, run.total, run.dst));

    // Outside the timed window: an intact source, a fresh destination, then the cache policy.
    await guard.beforeReset();
    const replaced = source.restore ? realDestination(opts.workspace, run.dst) : resetDestination(opts.workspace, run.dst, source.srcDir);
    for (const r of replaced) log.error(describeReplaced(r));
    if (source.restore) await source.restore(run.dst);
    guard.afterReset();
    let cache: CacheTreatment = "kept";
    let residency: number | null = null;
    if (run.cache === "drop") {
      const d = await dropCaches(source.srcDir, srcFiles);
      cache = d.treatment;
      if (d.detail) log.file(`[${run.label}] cache: ${d.treatment} (${d.detail})`);
      residency = residentFraction(srcFiles, RESIDENCY_SAMPLE);
    }

    const out = await runTool({ argv: run.argv, env: tool.env, logFd: log.fd, timeoutMs: s.timeoutMs });
    if (out.strayProcessesKilled !== undefined) base.strayProcessesKilled = out.strayProcessesKilled;
    if (out.strayProcessesKilled !== 0 && out.strayProcessesKilled !== undefined && !out.timedOut) {
      log.error(`warning: ${run.label} left ${out.strayProcessesKilled ?? "some"} process(es) running; killed`);
    }
    // After every run, whatever its exit: is {dst} a real directory, did the tool leave the source as it found it?
    const notReal = destinationNotReal(opts.workspace, run.dst);
    const tampered = guard.afterRun(run.label, notReal ? null : run.dst, s.verify.allowSourceLinks);
    if (tampered) log.error(`error: ${run.label}${tampered.startsWith("modified") ? " " : ": "}${tampered}`);
    const fail = (why: string, exitCode: number | null): number => {
      const reason = tampered && why !== tampered ? `${why}; ${tampered}` : why;
      records.push({ ...base, state: "failed", exitCode, measure: out.measure, reason, cache, residentFraction: residency, slotNs: Bun.nanoseconds() - slotStartNs });
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

    let verified: boolean | null = null;
    if (s.verify.enabled) {
      const v = await verifyCopy(source.srcDir, source.manifest, run.dst, s.verify);
      if (!v.ok) {
        log.error(`error: ${run.label} copied wrong: ${v.summary}`);
        return fail(`copy is wrong: ${v.summary}`, out.exitCode);
      }
      verified = true;
    }
    records.push({ ...base, state: "completed", exitCode: out.exitCode, measure: out.measure, verified, cache, residentFraction: residency, slotNs: Bun.nanoseconds() - slotStartNs });
    if (run.phase === "measured") log.line(oldLines.measuredDone(run.label, run.index, formatSeconds(out.measure.wallNs)));
    return out.measure.wallNs;
  };

  const slots = guardSlots(exec, { runs: byKey, records, log, budgetMs: 2 * s.timeoutMs + DEFAULTS.harnessGraceMs });
  const il = interleave(sp.runs, sp.tools, s.runs, slots.run);
  opts.onStart?.(il);
  const timings = await il.run();
  guard.finish();
  return { runs: slots.records(), timings };
}

type RunKey = { scenario: string; tool: string; phase: PlannedRun["phase"]; index: number; round: number };
const slotKey = (r: { tool: string; phase: string; index: number }) => `${r.tool}/${r.phase}/${r.index}`;

class SlotOverrun extends Error {}

export interface GuardOptions {
  runs: Map<string, PlannedRun>;
  records: RunRecord[];
  log: Log;
  /** How long one slot (harness steps and the tool together) may take before it is failed and abandoned. */
  budgetMs: number;
}

/**
 * No run can stop the benchmark: whatever throws in a slot's work (reset, cache, restore, verify: ELOOP,
 * ENAMETOOLONG, EACCES, ENOSPC …) becomes that run's failed record, with the reason on the console, and
 * the next slot goes on. A slot over its budget is failed the same way and abandoned: its tool tree is
 * killed, the worker pools working for it are terminated, and whatever it records later is dropped.
 * (A step stuck inside one synchronous system call, e.g. on a hung NFS mount, cannot be interrupted from
 * this thread: the timer fires only when the event loop runs.)
 */
export function guardSlots(exec: SlotRunner, o: GuardOptions): { run: SlotRunner; records(): RunRecord[] } {
  const abandoned = new Map<string, RunRecord>();
  const run: SlotRunner = async (slot) => {
    const planned = o.runs.get(slotKey(slot))!;
    const before = o.records.length;
    const startNs = Bun.nanoseconds();
    let timer: Timer | undefined;
    const overrun = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new SlotOverrun()), o.budgetMs);
    });
    try {
      return await Promise.race([exec(slot), overrun]);
    } catch (e) {
      const over = e instanceof SlotOverrun;
      if (over) {
        killAll("SIGKILL");
        closeLivePools();
      }
      const reason = over
        ? `the run took longer than its budget of ${(o.budgetMs / 1000).toFixed(1)}s (the tool's timeout, the same again for the harness's own steps, plus ${DEFAULTS.harnessGraceMs / 1000}s grace) and was abandoned`
        : oneLine(e);
      o.log.error(`error: ${planned.label} run failed: ${reason}`);
      const rec: RunRecord = {
        scenario: planned.scenario,
        tool: planned.tool,
        phase: planned.phase,
        index: planned.index,
        round: planned.round,
        state: "failed",
        exitCode: null,
        measure: null,
        reason,
        cache: planned.cache === "keep" ? "kept" : "unknown",
        residentFraction: null,
        slotNs: Bun.nanoseconds() - startNs,
      };
      if (over) abandoned.set(slotKey(slot), rec);
      // A run that recorded its outcome before something later threw keeps that record.
      if (over || o.records.length === before) o.records.push(rec);
      return Number.NaN;
    } finally {
      clearTimeout(timer);
    }
  };
  const records = () =>
    o.records.filter((r) => {
      const own = abandoned.get(slotKey(r));
      return !own || own === r;
    });
  return { run, records };
}
