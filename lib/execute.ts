// Executing one scenario's plan: per run reset the destination, treat the cache, spawn and time, check the copy is real and the source intact, verify.

import path from "node:path";
import { dropCaches, residentFraction } from "./cache";
import type { Manifest } from "./datasets";
import { oldLines, type Log } from "./log";
import { describeReplaced } from "./safe-fs";
import { SourceGuard } from "./source-check";
import { runTool } from "./spawn";
import { interleave, type Interleaved, type Slot, type ToolTiming } from "./timing";
import type { CacheTreatment, PlannedRun, RunRecord, ScenarioPlan, ToolSpec } from "./types";
import { formatSeconds } from "./units";
import { verifyCopy } from "./verify";
import { destinationNotReal, realDestination, resetDestination } from "./workspace";

export interface ScenarioSource {
  srcDir: string;
  manifest: Manifest;
  /** For incremental/resync: makes a destination the base mirror again before each run. */
  restore: ((dst: string) => Promise<void>) | null;
  /** Marks the cached source invalid (a tool modified it), so its next use regenerates it. */
  invalidate?: (reason: string) => void;
  /** Regenerates a source a tool modified, at the same path. */
  rebuild?: () => Promise<void>;
}

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
    const base = { scenario: s.name, tool: run.tool, phase: run.phase, index: run.index, round: run.round };
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

  const il = interleave(sp.runs, sp.tools, s.runs, exec);
  opts.onStart?.(il);
  const timings = await il.run();
  guard.finish();
  return { runs: records, timings };
}
