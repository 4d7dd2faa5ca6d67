// The results file: one JSON document per invocation in results/, written atomically after every scenario.

import fs from "node:fs";
import path from "node:path";
import type { Decision } from "../analyze/verdicts";
import type { Environment, HostId } from "../platform/host";
import type { Regression } from "../history/regressions";
import type { ToolTiming } from "../run/timing";
import type { CandidateVerdict, ResolvedConfig, RunRecord, ToolAvailability, ToolResult } from "../types";

export const SCHEMA_VERSION = 1;

export interface ScenarioResult {
  name: string;
  baseName: string;
  parameters: Record<string, string>;
  state: "completed" | "failed" | "skipped";
  workload: {
    kind: string;
    files: number;
    bytes: number;
    datasetHash: string | null;
    reused: boolean | null;
    changes: unknown;
  };
  cache: string;
  verified: boolean;
  baseline: string | null;
  candidates: string[];
  tools: ToolResult[];
  verdicts: CandidateVerdict[];
  runs: RunRecord[];
  timings: ToolTiming[];
  thresholds: { maxTimeRatio: number; maxMemoryRatio: number; requireSignificance: boolean };
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
  meter: { kind: string; memoryNote: string | null };
  tools: Record<string, ToolAvailability>;
  config: ResolvedConfig;
  scenarios: ScenarioResult[];
  decision: { decision: Decision; exitCode: number } | null;
  /** History check of every scenario+tool against earlier results of this host; absent in files written before it existed. */
  regressions?: Regression[];
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
