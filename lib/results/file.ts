// The results file: one JSON document per invocation in results/, written atomically after every scenario.

import fs from "node:fs";
import path from "node:path";
import type { ScenarioResult } from "../analyze/scenario";
import type { ScenarioDiagnosis } from "../diagnose/types";
import type { Decision } from "../analyze/verdicts";
import { hostId, type Environment, type HostId } from "../platform/host";
import type { MeterMemory } from "../platform/types";
import { ENGINE, samplingOptions } from "../run/timing";
import type { ResolvedConfig, ToolAvailability } from "../types";
import type { FleetMember, Provenance } from "./provenance";
import type { PreflightReport } from "../run/preflight";

export { fleetMember, toolProvenance } from "./provenance";

export type { ScenarioResult };

/**
 * 2: runs carry settle, durable, same-work, clone and tool-native figures; verdicts carry the gate, the gated time,
 * the paired analysis, the A/A control and flags, and may be NO-VERDICT; scenarios carry their run options; the file
 * carries preflight. load.ts upgrades version 1.
 */
export const SCHEMA_VERSION = 2;

export type RegressionVerdict = "regression" | "improvement" | "ok" | "no-verdict";

/** One scenario+tool of a result judged against its own history on the same host (history/regressions.ts computes it). */
export interface Regression {
  scenario: string;
  tool: string;
  label: string;
  verdict: RegressionVerdict;
  /** Mean wall time of this result, ns. */
  meanNs: number;
  /** Earlier results used (newest `window`), and what they say; null bounds with too little history. */
  history: {
    n: number;
    meanNs: number | null;
    lowNs: number | null;
    highNs: number | null;
    firstAt: string | null;
    lastAt: string | null;
  };
  /** (mean − history mean) / history mean; null without history. */
  change: number | null;
  message: string;
}

export interface ResultsFile {
  schema: "mirrorbench.results";
  schemaVersion: number;
  startedAt: string;
  finishedAt: string | null;
  interrupted: boolean;
  host: HostId;
  environment: Environment;
  invocation: { argv: string[]; cwd: string; configFile: string };
  engine: { name: string; version: string; api: string; sampling: Record<string, unknown> };
  /** memory: which figure a run's peak memory is and whether descendants are in it (absent in files written before it existed). */
  meter: { kind: string; memoryNote: string | null; memory?: MeterMemory };
  tools: Record<string, ToolAvailability>;
  config: ResolvedConfig;
  scenarios: ScenarioResult[];
  decision: { decision: Decision; exitCode: number } | null;
  /** History check of every scenario+tool against earlier results of this host; absent in files written before it existed. */
  regressions?: Regression[];
  /**
   * --diagnose: each diagnosed (candidate, baseline) pair, from runs made after the measured ones and in no statistic;
   * file paths relative to this file's folder. Absent when nothing was diagnosed (and in files written before it existed).
   */
  diagnoses?: ScenarioDiagnosis[];
  /**
   * The host (its id) whose clock and meter timed every run in this file: each host times its own runs, and no
   * timestamp of one host is ever subtracted from another's. Absent in files written before it existed.
   */
  timedBy?: string;
  /** Every available tool's binary on this host: path, sha256, version line. Absent in older files. */
  provenance?: Provenance;
  /** The binaries tools ran on other hosts (a daemon's executable, as /proc/<pid>/exe named it), one entry per host. */
  remoteProvenance?: Provenance[];
  /** Set when this run was a member of a fleet run started from another host. */
  fleet?: FleetMember;
  /** Preflight: every report (before the first run, before each scenario) or why it was off. Absent in older files. */
  preflight?: PreflightRecord;
}

/** What the results file keeps of preflight: every report in order, or why there was none. */
export interface PreflightRecord {
  /** "--no-preflight", or "preflight: false in the config"; absent when the checks ran. */
  off?: string;
  reports: (PreflightReport & { where: string })[];
}

/** The file's head, written before the first scenario: where, when, on what, with which engine, meter and tools. */
export function resultsHeader(o: {
  startedAt: Date;
  environment: Environment;
  invocation: ResultsFile["invocation"];
  meter: ResultsFile["meter"];
  tools: Record<string, ToolAvailability>;
  config: ResolvedConfig;
  provenance?: Provenance;
  fleet?: FleetMember | null;
}): ResultsFile {
  const host = hostId(o.environment);
  return {
    schema: "mirrorbench.results",
    schemaVersion: SCHEMA_VERSION,
    startedAt: o.startedAt.toISOString(),
    finishedAt: null,
    interrupted: false,
    host,
    environment: o.environment,
    invocation: o.invocation,
    engine: { ...ENGINE, sampling: { ...samplingOptions(0), min_samples: "runs", max_samples: "runs", samples_threshold: "Infinity (no trimming)" } },
    meter: { kind: o.meter.kind, memoryNote: o.meter.memoryNote, ...(o.meter.memory ? { memory: o.meter.memory } : {}) },
    tools: o.tools,
    config: o.config,
    scenarios: [],
    decision: null,
    timedBy: host.id,
    ...(o.provenance ? { provenance: o.provenance } : {}),
    ...(o.fleet ? { fleet: o.fleet } : {}),
  };
}

/** results/<UTC timestamp, ms>_<host>.json (20261124T013716.123Z_vm-4cdec60e.json): sortable by name, one per invocation. */
export function resultsPath(dir: string, startedAt: Date, host: HostId): string {
  // Milliseconds keep two invocations started in the same second from overwriting each other.
  const stamp = startedAt.toISOString().replace(/[-:]/g, "");
  return path.join(dir, `${stamp}_${host.id}.json`);
}

/** Temp file + rename: a reader (or a crash) never sees half a file. */
export function writeAtomic(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  } catch (e) {
    // A half-written temp file on a full disk is worse than none: it holds the space the next write needs.
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      /* the original failure is the one to report */
    }
    throw e;
  }
}

export function writeResults(file: string, results: ResultsFile): void {
  writeAtomic(file, JSON.stringify(results, null, 2) + "\n");
}
