// Export rows: the one input shape every export format reads, plus the per-row numbers they share.

import { mean, median, stddev } from "../analyze/summary.ts";

/** One tool in one scenario, as the exporters see it. All times in ns, memory in bytes. */
export interface ExportRow {
  scenario: string;
  /** Tool id from the config. */
  tool: string;
  /** Display label (what the console shows). */
  label: string;
  /** Sweep parameters of the scenario, {} when not swept. */
  parameters: Record<string, string>;
  /** Wall time of each measured run, in run order. */
  timesNs: number[];
  /** Exit code of each measured run. */
  exitCodes: number[];
  /** User / system CPU time of each measured run where known (may be shorter than timesNs, or empty). */
  userNs: number[];
  systemNs: number[];
  /** Peak RSS of each measured run; null where not measurable. */
  maxRssBytes: (number | null)[];
}

const NS_PER_S = 1e9;

/**
 * hyperfine keys everything (plots, t-tests, relative speed) on `command`, so it must be unique
 * within a file and stable across runs: "<scenario>: <label>". The real argv is not used because
 * it holds per-run temporary paths, which would make the same benchmark look new every night.
 */
export function commandOf(row: ExportRow): string {
  return `${row.scenario}: ${row.label}`;
}

/** Sweep parameters plus `scenario` and `tool` (ours win on a clash), keys sorted like hyperfine's BTreeMap. */
export function parametersOf(row: ExportRow): Record<string, string> {
  const all: Record<string, string> = { ...row.parameters, scenario: row.scenario, tool: row.tool };
  return Object.fromEntries(Object.keys(all).sort().map((k) => [k, all[k]!]));
}

/** hyperfine's per-command numbers, in seconds. stddev is null below two runs (hyperfine's Option); user/system null when never measured. */
export interface RowSeconds {
  mean: number;
  stddev: number | null;
  median: number;
  user: number | null;
  system: number | null;
  min: number;
  max: number;
  times: number[];
}

/** null when the row has no measured times (every run failed or was skipped). */
export function rowSeconds(row: ExportRow): RowSeconds | null {
  if (row.timesNs.length === 0) return null;
  const times = row.timesNs.map((t) => t / NS_PER_S);
  return {
    mean: mean(times),
    stddev: times.length >= 2 ? stddev(times) : null,
    median: median(times),
    user: row.userNs.length > 0 ? mean(row.userNs) / NS_PER_S : null,
    system: row.systemNs.length > 0 ? mean(row.systemNs) / NS_PER_S : null,
    min: Math.min(...times),
    max: Math.max(...times),
    times,
  };
}

/** Rows grouped by scenario, scenarios and rows in first-seen order. */
export function groupByScenario(rows: readonly ExportRow[]): [string, ExportRow[]][] {
  const groups = new Map<string, ExportRow[]>();
  for (const r of rows) {
    const g = groups.get(r.scenario);
    if (g) g.push(r);
    else groups.set(r.scenario, [r]);
  }
  return [...groups.entries()];
}
