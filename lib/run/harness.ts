// The harness steps around each run, outside the timed window: reset or restore the destination, treat the cache, check the copy is real and the source intact, verify.

import path from "node:path";
import { closeLivePools } from "../datasets/pool";
import { releaseHeap, scaleCollection } from "../datasets/collect";
import { DEFAULTS } from "../defaults";
import type { ScenarioSource } from "../datasets/sources";
import type { Log } from "../log";
import type { Platform } from "../platform/index";
import { describeReplaced, ensureRealDir } from "../safe-fs";
import type { CacheTreatment, PlannedRun, VerifySpec } from "../types";
import type { Feed, Inspection, RunSteps } from "./steps";
import { destinationNotReal, inWorkspace, realDestination, resetDestination, workspaceReal } from "../workspace";
import { SourceGuard } from "./source-check";
import { verifyCopy } from "./verify";

/**
 * What executeScenario asks of the world around a run. The local harness touches the workspace, the
 * page cache and the source; the fast test tier passes fakes (mock-executor.ts), so every rule of the
 * run loop (failures, timeouts, the gate, rotation, interrupts) is testable without a file or a process.
 */
export interface RunHarness {
  /** Before the run: an intact source, a fresh (or restored) destination, then the cache policy; `step` is told which is under way. */
  before(run: PlannedRun, step?: (s: "reset" | "cache") => void): Promise<{ cache: CacheTreatment; residentFraction: number | null; cacheByHost?: Record<string, string> }>;
  /** After the run, whatever its exit: why its destination is not a real copy, and why the source check fails (null = fine). Remote ends answer asynchronously. */
  after(run: PlannedRun): { notReal: string | null; tampered: string | null } | Promise<{ notReal: string | null; tampered: string | null }>;
  /**
   * after(), with the source check left running where it can run beside verification (a big source, on a
   * data thread): the destination's realness now, the check's verdict later. Called only for a run whose
   * tool succeeded; null when there is nothing to run beside (then after() is called).
   */
  checkBeside?(run: PlannedRun): { notReal: string | null; tampered: Promise<string | null> } | null;
  /** The copy against its source; null when the scenario does not verify. */
  verify(run: PlannedRun): Promise<{ ok: boolean; summary: string } | null>;
  /** A run abandoned over its budget: stop what still works for it. */
  abandon(): void;
  /** After the scenario's last run. */
  finish(): void;
}

export interface LocalHarnessOptions {
  workspace: string;
  source: ScenarioSource;
  platform: Platform;
  verify: VerifySpec;
  log: Log;
  /** The same-work and clone checks after a verified copy (steps.ts localInspect), fed by verification's walk, timed with the other steps. */
  inspection?: Inspection;
}

/** The source's files as absolute paths, streamed from its manifest (a million paths are never one array). */
export function* sourceFiles(source: ScenarioSource): Generator<string> {
  for (const e of source.manifest.entries()) if (e.type === "file") yield path.join(source.srcDir, e.path);
}

/** At most `max` source files spread evenly through the manifest, for the residency probe. */
function sampleFiles(source: ScenarioSource, max: number): string[] {
  const n = source.manifest.fileCount;
  const out: string[] = [];
  let i = 0;
  let next = 0;
  for (const f of sourceFiles(source)) {
    if (out.length >= max) break;
    if (i++ === Math.floor(next)) {
      out.push(f);
      next += Math.max(1, n / max);
    }
  }
  return out;
}

/**
 * The first `max` source files in tree order, as paths under `root`: the copy's oldest-written, so the
 * first a full page cache evicts. Cheap where sampleFiles is not (a pass over the manifest: 0.2-0.4 s
 * at 100k files, measured).
 */
function firstFiles(source: ScenarioSource, root: string, max: number): string[] {
  const out: string[] = [];
  for (const e of source.manifest.entries()) {
    if (out.length >= max) break;
    if (e.type === "file") out.push(path.join(root, e.path));
  }
  return out;
}

/** Where a big source's snapshot is kept (a real directory of ours in the workspace: a link planted there is replaced), or null: in memory. */
function spillDir(workspace: string, source: ScenarioSource, log: Log): string | null {
  if (source.manifest.fileCount < DEFAULTS.snapshotSpillMinFiles) return null;
  const dir = inWorkspace(workspace, path.join(workspace, "snapshots"));
  for (const r of ensureRealDir(workspaceReal(workspace), dir)) log.error(describeReplaced(r));
  return dir;
}

/** The local harness answers after() at once (the diagnosis runs call it synchronously). */
export type LocalHarness = Omit<RunHarness, "after"> & { after(run: PlannedRun): { notReal: string | null; tampered: string | null } };

/** The real steps on this machine; the source is snapshotted now, for the scenario's first run to be checked against. */
export function localHarness(o: LocalHarnessOptions): LocalHarness & Pick<RunSteps, "inspect"> {
  const { source, log } = o;
  scaleCollection(source.manifest.entryCount);
  // With the same-work checks on, the source's profile is taken along its first snapshot (no pass of its own).
  const guard = new SourceGuard(source, log, {
    profile: !!o.inspection,
    spillDir: spillDir(o.workspace, source, log),
    checkOnThread: source.manifest.entryCount >= DEFAULTS.sourceCheckThreadMinEntries,
  });
  releaseHeap(source.manifest.fileCount);
  let sample: string[] | null = null;
  // The same-work pass the last verification fed, for the inspect step that follows it.
  let fed: Feed | null = null;
  // Each step's time, per run, in the log, and the wall time of them all: what the harness costs around the tool (bench:scale reads it).
  const steps = new Map<string, number>();
  let beforeMs = 0;
  let afterStart: number | null = null;
  const timed = async <T>(step: string, fn: () => T | Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      steps.set(step, (steps.get(step) ?? 0) + performance.now() - t0);
    }
  };
  const report = (label: string) => {
    const wall = afterStart === null ? "" : ` (wall ${(beforeMs + performance.now() - afterStart).toFixed(0)} ms)`;
    log.file(`[${label}] harness: ${[...steps].map(([k, ms]) => `${k} ${ms.toFixed(0)} ms`).join(", ")}${wall}`);
    steps.clear();
    afterStart = null;
  };
  // The run's source check, timed where it ran: on the main thread, or on a data thread beside verification.
  const checkTimed = () => {
    const last = guard.last;
    guard.last = null;
    if (!last) return;
    const key = last.thread ? "source check on a data thread beside verify" : "source check";
    steps.set(key, (steps.get(key) ?? 0) + last.ms);
  };
  // The source check running beside this run's verification (checkBeside), for verify() to end the run's line after it.
  let pendingCheck: Promise<string | null> | null = null;
  const prepare = async (run: PlannedRun, step?: (s: "reset" | "cache") => void): ReturnType<RunHarness["before"]> => {
    steps.clear();
    pendingCheck = null;
    step?.("reset");
    await timed("rebuild", () => guard.beforeReset());
    const replaced = await timed("reset", () => (source.restore ? realDestination(o.workspace, run.dst) : resetDestination(o.workspace, run.dst, source.srcDir)));
    for (const r of replaced) log.error(describeReplaced(r));
    if (source.restore) await timed("restore", () => source.restore!(run.dst));
    await timed("source check", () => guard.afterReset());
    guard.last = null;
    if (run.cache !== "drop") return { cache: "kept", residentFraction: null };
    step?.("cache");
    const d = await timed("cache", () => o.platform.dropCaches(source.srcDir, sourceFiles(source)));
    if (d.detail) log.file(`[${run.label}] cache: ${d.treatment} (${d.detail})`);
    sample ??= sampleFiles(source, DEFAULTS.residencySampleFiles);
    return { cache: d.treatment, residentFraction: o.platform.residentFraction(sample) };
  };
  return {
    async before(run, step) {
      const t0 = performance.now();
      try {
        return await prepare(run, step);
      } finally {
        beforeMs = performance.now() - t0;
      }
    },
    after(run) {
      afterStart = performance.now();
      const notReal = destinationNotReal(o.workspace, run.dst);
      const tampered = guard.afterRun(run.label, notReal ? null : run.dst, o.verify.allowSourceLinks);
      checkTimed();
      if (!o.verify.enabled || notReal || tampered) report(run.label);
      return { notReal, tampered };
    },
    checkBeside(run) {
      if (!o.verify.enabled) return null;
      afterStart = performance.now();
      const notReal = destinationNotReal(o.workspace, run.dst);
      const tampered = guard.afterRunBeside(run.label, notReal ? null : run.dst, o.verify.allowSourceLinks).then((t) => {
        checkTimed();
        return t;
      });
      // A copy that is not real is not verified (executeScenario): the check ends the run's line; otherwise verify() waits for it and does.
      if (notReal) void tampered.finally(() => report(run.label)).catch(() => {});
      else pendingCheck = tampered;
      return { notReal, tampered };
    },
    async verify(run) {
      if (!o.verify.enabled) return null;
      let resident: number | null = null;
      const feed = o.inspection?.feed(guard.profile) ?? null;
      fed = null;
      const v = await timed("verify", () => {
        // Timed with the step it makes room for: it is harness work around the run like any other.
        releaseHeap(source.manifest.fileCount);
        // A copy just written usually sits in the page cache: then verifying it waits on no disk and
        // needs no extra threads (each costs ~10 MiB). Measured (mincore) on its first files.
        resident = o.platform.residentFraction(firstFiles(source, run.dst, DEFAULTS.residencySampleFiles));
        return verifyCopy(source.srcDir, source.manifest, run.dst, o.verify, { resident: resident !== null && resident >= DEFAULTS.residentEnoughFraction, ...(feed ? { onPair: feed.onPair } : {}) });
      });
      const check = pendingCheck;
      pendingCheck = null;
      // A source check that failed the run (or could not be made) leaves no same-work step to end the line.
      const failedCheck = check ? await check.then((t) => t !== null, () => true) : false;
      if (v.ok && feed) fed = feed;
      const cached = resident === null ? "residency not measured" : `${Math.round(resident * 100)}% of its first files' pages cached`;
      log.file(`[${run.label}] verify: ${v.threads ? `on ${v.threads} data threads` : "on the main thread"} (copy: ${cached})`);
      // A verified copy goes on to the same-work checks, which end the run's line.
      if (!v.ok || !o.inspection || failedCheck) report(run.label);
      return v;
    },
    ...(o.inspection
      ? {
          async inspect(run: PlannedRun) {
            try {
              return await timed("same work", () => o.inspection!.inspect(run, fed));
            } finally {
              fed = null;
              report(run.label);
            }
          },
        }
      : {}),
    abandon: () => void closeLivePools(),
    finish: () => guard.finish(),
  };
}
