// The harness steps around each run, outside the timed window: reset or restore the destination, treat the cache, check the copy is real and the source intact, verify.

import path from "node:path";
import { closeLivePools } from "../datasets/pool";
import type { ScenarioSource } from "../datasets/sources";
import type { Log } from "../log";
import type { Platform } from "../platform/index";
import { describeReplaced } from "../safe-fs";
import type { CacheTreatment, PlannedRun, VerifySpec } from "../types";
import { destinationNotReal, realDestination, resetDestination } from "../workspace";
import { SourceGuard } from "./source-check";
import { verifyCopy } from "./verify";

/**
 * What executeScenario asks of the world around a run. The local harness touches the workspace, the
 * page cache and the source; the fast test tier passes fakes (mock-executor.ts), so every rule of the
 * run loop (failures, timeouts, the gate, rotation, interrupts) is testable without a file or a process.
 */
export interface RunHarness {
  /** Before the run: an intact source, a fresh (or restored) destination, then the cache policy; `step` is told which is under way. */
  before(run: PlannedRun, step?: (s: "reset" | "cache") => void): Promise<{ cache: CacheTreatment; residentFraction: number | null }>;
  /** After the run, whatever its exit: why its destination is not a real copy, and why the source check fails (null = fine). */
  after(run: PlannedRun): { notReal: string | null; tampered: string | null };
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
}

/** The real steps on this machine; the source is snapshotted now, for the scenario's first run to be checked against. */
export function localHarness(o: LocalHarnessOptions): RunHarness {
  const { source, log } = o;
  const srcFiles = source.manifest.entries.filter((e) => e.type === "file").map((e) => path.join(source.srcDir, e.path));
  const guard = new SourceGuard(source, log);
  return {
    async before(run, step) {
      step?.("reset");
      await guard.beforeReset();
      const replaced = source.restore ? realDestination(o.workspace, run.dst) : resetDestination(o.workspace, run.dst, source.srcDir);
      for (const r of replaced) log.error(describeReplaced(r));
      if (source.restore) await source.restore(run.dst);
      guard.afterReset();
      if (run.cache !== "drop") return { cache: "kept", residentFraction: null };
      step?.("cache");
      const d = await o.platform.dropCaches(source.srcDir, srcFiles);
      if (d.detail) log.file(`[${run.label}] cache: ${d.treatment} (${d.detail})`);
      return { cache: d.treatment, residentFraction: o.platform.residentFraction(srcFiles) };
    },
    after(run) {
      const notReal = destinationNotReal(o.workspace, run.dst);
      return { notReal, tampered: guard.afterRun(run.label, notReal ? null : run.dst, o.verify.allowSourceLinks) };
    },
    async verify(run) {
      return o.verify.enabled ? verifyCopy(source.srcDir, source.manifest, run.dst, o.verify) : null;
    },
    abandon: () => void closeLivePools(),
    finish: () => guard.finish(),
  };
}
