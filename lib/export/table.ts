// Export rows: the one input shape every export format reads, the per-row numbers they share, and which rows a file holds.

import { mean, median, stddev } from "../analyze/summary.ts";
import { BenchError } from "../errors.ts";
import { parseByteRange } from "../units.ts";

/** One tool in one scenario, as the exporters see it. All times in ns, memory in bytes. */
export interface ExportRow {
  scenario: string;
  /** The scenario's name before sweep expansion ("scaling" for "scaling[size=1GiB]"); the scenario name when absent. */
  baseName?: string;
  /** Tool id from the config. */
  tool: string;
  /** Display label (what the console shows). */
  label: string;
  /** Sweep parameters of the scenario as written in the config ({ size: "1MiB" }), {} when not swept. */
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
  /** Issue 12's figures (absent in rows built by hand): see ExportExtras. */
  extras?: ExportExtras;
}

/**
 * What a row says beyond hyperfine's fields. `timesNs` is the gated series (durable when the scenario gates on
 * durable); these keep both series, the settle waits, the clone label, the tool's own figures and the row's flags.
 */
export interface ExportExtras {
  gateOn: "returned" | "durable";
  returnedNs: number[];
  /** null where a run was flushed but the flush failed; [] when no run was flushed. */
  durableNs: (number | null)[];
  /** Waited for quiet disks before each run, ms ([] when settle did not wait). */
  settleWaitMs: number[];
  /** "cloned" when any run was, else "copied" or "unknown"; null when not checked. */
  clone: string | null;
  /** Medians of the tool's own figures over the runs; null when it reports none. */
  toolFiles: number | null;
  toolBytes: number | null;
  toolDurationMs: number | null;
  flags: string[];
}

/** The extra CSV and Markdown columns, and each row's cell: only the columns some row has a value for. */
export function extraColumns(rows: readonly ExportRow[]): { name: string; cell: (r: ExportRow) => string }[] {
  const med = (xs: number[]) => (xs.length ? median(xs) : null);
  const num = (x: number | null, digits?: number) => (x === null ? "" : digits === undefined ? String(x) : x.toFixed(digits));
  const cols: { name: string; cell: (r: ExportRow) => string; has: (e: ExportExtras) => boolean }[] = [
    { name: "returned_median_s", has: (e) => e.durableNs.length > 0, cell: (r) => num(med(r.extras?.returnedNs ?? []) === null ? null : med(r.extras!.returnedNs)! / NS_PER_S, 6) },
    { name: "durable_median_s", has: (e) => e.durableNs.length > 0, cell: (r) => { const d = (r.extras?.durableNs ?? []).filter((x): x is number => x !== null); return num(d.length ? median(d) / NS_PER_S : null, 6); } },
    { name: "settle_wait_ms_median", has: (e) => e.settleWaitMs.length > 0, cell: (r) => num(med(r.extras?.settleWaitMs ?? []), 0) },
    { name: "clone", has: (e) => e.clone !== null, cell: (r) => r.extras?.clone ?? "" },
    { name: "tool_files", has: (e) => e.toolFiles !== null, cell: (r) => num(r.extras?.toolFiles ?? null) },
    { name: "tool_bytes", has: (e) => e.toolBytes !== null, cell: (r) => num(r.extras?.toolBytes ?? null) },
    { name: "tool_duration_ms", has: (e) => e.toolDurationMs !== null, cell: (r) => num(r.extras?.toolDurationMs ?? null) },
    { name: "flags", has: (e) => e.flags.length > 0, cell: (r) => (r.extras?.flags ?? []).join("; ") },
  ];
  return cols.filter((c) => rows.some((r) => r.extras && c.has(r.extras))).map(({ name, cell }) => ({ name, cell }));
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

/**
 * The sweep parameters as hyperfine's scripts read them: numbers, with the unit in the name, so
 * plot_parametrized.py (which float()s the one value of each result) gets a numeric axis.
 * size → size_bytes ("1MiB" → "1048576"); a size range → size_min_bytes and size_max_bytes (two
 * parameters: plot_parametrized refuses it rather than plot a made-up midpoint); count stays count.
 * Values stay strings of digits because hyperfine's own exports hold strings (BTreeMap<String, String>),
 * so typed readers of its format keep working. Scenario and tool are not parameters: `command` names them.
 * Keys sorted like hyperfine's BTreeMap.
 */
export function parametersOf(row: ExportRow): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(row.parameters)) {
    const range = k === "size" ? parseByteRange(v) : null;
    if (range && range.minBytes === range.maxBytes) out.size_bytes = String(range.minBytes);
    else if (range) {
      out.size_min_bytes = String(range.minBytes);
      out.size_max_bytes = String(range.maxBytes);
    } else out[k] = v;
  }
  return Object.fromEntries(Object.keys(out).sort().map((k) => [k, out[k]!]));
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

// ---- which rows a file holds ----------------------------------------------------------------

/** What one export file holds; every field optional, {} = everything. */
export interface ExportSelection {
  /** Scenario names or globs (* and ?): a row is kept when its scenario name or its sweep's base name matches one. */
  scenarios?: readonly string[];
  /** Tool ids or labels: only these tools' rows, in the scenario's own order. */
  tools?: readonly string[];
  /**
   * Exactly these two tools (ids or labels), in this order, from exactly one scenario: the file
   * hyperfine's welch_ttest.py needs ("The input file has to contain exactly two benchmarks").
   */
  pair?: readonly [string, string];
}

/** The one glob rule of the command line (--scenario, report's selection): * is any run of characters, ? one; the whole name must match. */
export function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
}

const isTool = (r: ExportRow, name: string) => r.tool === name || r.label === name;

/** The rows a selection keeps, in their given order. A selection that keeps nothing is a usage error naming what there is. */
export function selectRows(rows: readonly ExportRow[], sel: ExportSelection = {}): ExportRow[] {
  let out = [...rows];
  const scenarios = [...new Set(rows.map((r) => r.scenario))];
  if (sel.scenarios?.length) {
    const res = sel.scenarios.map(globToRegExp);
    out = out.filter((r) => res.some((re) => re.test(r.scenario) || re.test(r.baseName ?? r.scenario)));
    if (!out.length) {
      throw new BenchError(`no scenario matches ${sel.scenarios.join(", ")}`, { hint: `scenarios in these results: ${scenarios.join(", ") || "none"}` });
    }
  }
  const tools = [...new Set(out.map((r) => r.tool))];
  if (sel.tools?.length) {
    const wanted = sel.tools;
    const unknown = wanted.filter((w) => !out.some((r) => isTool(r, w)));
    if (unknown.length) throw new BenchError(`no tool ${unknown.join(", ")} in the selected scenarios`, { hint: `tools there: ${tools.join(", ")}` });
    out = out.filter((r) => wanted.some((w) => isTool(r, w)));
  }
  if (sel.pair) return pairOf(out, sel.pair);
  return out;
}

function pairOf(rows: ExportRow[], pair: readonly [string, string]): ExportRow[] {
  const groups = groupByScenario(rows).filter(([, g]) => pair.every((p) => g.some((r) => isTool(r, p))));
  if (groups.length !== 1) {
    const names = groups.map(([s]) => s);
    throw new BenchError(
      groups.length ? `the pair ${pair.join(" / ")} is in ${groups.length} scenarios (${names.join(", ")}); a t-test compares one` : `no scenario has both ${pair[0]} and ${pair[1]}`,
      { hint: groups.length ? `name one scenario: ${names[0]}` : `tools in the selected scenarios: ${[...new Set(rows.map((r) => r.tool))].join(", ")}` },
    );
  }
  const group = groups[0]![1];
  const picked = pair.map((p) => group.find((r) => isTool(r, p))!);
  for (const r of picked) {
    if (r.timesNs.length < 2) throw new BenchError(`${commandOf(r)} has ${r.timesNs.length} measured run${r.timesNs.length === 1 ? "" : "s"}; a t-test needs at least 2`);
  }
  if (picked[0] === picked[1]) throw new BenchError(`the pair names one tool twice (${pair.join(" / ")})`);
  return picked;
}
