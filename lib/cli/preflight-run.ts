// Preflight in a run: every check before the first run (the 1 s timer check once per invocation), the cheap ones before each scenario; fail closed (exit 7) unless --force, and every check recorded.

import { DEFAULTS } from "../defaults";
import type { Log } from "../log";
import { enforcePreflight, memoryNeedBytes, preflightNote, runPreflight, type PreflightIo, type PreflightReport } from "../run/preflight";
import type { PreflightRecord } from "../results/file";
import type { PreflightSpec, ScenarioSpec } from "../types";
import { formatBytes } from "../units";


/** The most a scenario's dataset can hold, from its spec alone (every file at its largest size): known before it is generated. */
export function datasetBytesBound(s: ScenarioSpec): number {
  return s.workload.dataset.groups.reduce((a, g) => a + g.count * g.maxBytes, 0);
}

/** "load 0.42 ≤ 1.00 ok · processes none running ok · timer 1002 ms … ok · memory 21.9 GiB ≥ 256.0 MiB ok". */
export function preflightLine(r: PreflightReport): string {
  return r.checks.map((c) => `${c.name} ${c.measured} (${c.limit}) ${c.ok ? "ok" : "FAILED"}`).join(" · ");
}

export interface PreflightRunOptions {
  spec: PreflightSpec | undefined;
  force: boolean;
  /** --no-preflight. */
  skip: boolean;
  log: Log;
  io?: PreflightIo;
}

/**
 * Runs the checks where a run needs them and says what it found. `first()` before anything is generated
 * (every check, timer included, with the largest dataset's need); `scenario()` before each scenario's source
 * is prepared (load, processes, memory for that scenario; a load our own runs raised gets time to fall).
 * A failure throws BenchError (EXIT.preflight) unless --force; then its note goes on every result it covers.
 */
export function preflightRun(o: PreflightRunOptions) {
  const record: PreflightRecord = { reports: [] };
  const off = o.skip ? "--no-preflight" : o.spec && !o.spec.enabled ? "preflight: false in the config" : null;
  if (off) record.off = off;
  let firstNote: string | null = null;
  let ran = 0;
  let scenarioChecked = 0;
  const check = async (where: string, needBytes: number, timer: boolean): Promise<string | null> => {
    const report = await runPreflight(
      {
        needBytes,
        force: o.force,
        ...(o.spec?.maxLoad != null ? { maxLoad: o.spec.maxLoad } : {}),
        forbidProcesses: o.spec?.forbidProcesses ?? DEFAULTS.preflight.forbidProcesses,
        ...(timer ? {} : { timer: null }),
        // The 1-minute load still carries what just ended (our own runs before a later scenario; an install or a
        // build just before the first run): it gets time to fall before the run is refused. Another job's stays.
        loadWaitMs: DEFAULTS.preflight.loadWaitMs,
        onLoadWait: (load, max, waitMs) => o.log.line(`preflight ${where}: load ${load.toFixed(2)} is over ${max.toFixed(2)}; waiting up to ${Math.round(waitMs / 1000)} s for it to fall...`),
      },
      o.io,
    );
    ran++;
    record.reports.push({ ...report, where });
    if (report.ok) o.log.file(`preflight ${where}: ${preflightLine(report)}`);
    // A failure that stops the run is said once, by whoever catches its BenchError; a forced one is said here.
    else if (report.forced) o.log.error(`warning: preflight FAILED (--force) ${where}: ${report.reason}`, `preflight ${where}: ${preflightLine(report)}`);
    else o.log.file(`preflight ${where}: ${preflightLine(report)}`);
    enforcePreflight(report, where);
    return preflightNote(report);
  };
  return {
    record,
    off,
    /** Before the first run: every check; the timer's one second is spent here only. */
    async first(scenarios: readonly ScenarioSpec[]): Promise<void> {
      if (off) {
        o.log.line(`preflight: off (${off})`);
        return;
      }
      const need = Math.max(0, ...scenarios.map((s) => memoryNeedBytes({ datasetBytes: datasetBytesBound(s), cache: s.cache }, DEFAULTS.preflight.baseFreeBytes)));
      o.log.line(`preflight before the first run (load, processes, a 1 s timer check, memory ≥ ${formatBytes(need)}; before each later scenario again without the timer)...`);
      firstNote = await check("before the first run", need, true);
    },
    /** Before a scenario: load, processes and memory; the note its results carry (this check's, or the first run's), or null. */
    async scenario(s: ScenarioSpec): Promise<string | null> {
      if (off) return null;
      // The first scenario starts right after the first check: that report is its own.
      if (ran === 1 && !scenarioChecked++) return firstNote;
      const note = await check(`before scenario ${s.name}`, memoryNeedBytes({ datasetBytes: datasetBytesBound(s), cache: s.cache }, DEFAULTS.preflight.baseFreeBytes), false);
      return [...new Set([firstNote, note].filter(Boolean))].join("; ") || null;
    },
  };
}
