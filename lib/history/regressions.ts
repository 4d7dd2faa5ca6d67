// History: loading (and upgrading) stored results files, listing them per host, and the regression check against them.

import fs from "node:fs";
import path from "node:path";
import { measuredRuns } from "../analyze/verdicts";
import { hostId } from "../platform/host";
import { BenchError, EXIT } from "../errors";
import { SCHEMA_VERSION, type ResultsFile, type ScenarioResult } from "../results/file";
import { checkResultsShape } from "../results/shape";
import { mean, predictionInterval } from "../analyze/summary";
import { formatDuration } from "../units";

/** resultsPath() names: <YYYYMMDDTHHMMSS[.mmm]Z>_<host id>.json (older files lack the milliseconds). */
const RESULTS_NAME = /^(\d{8}T\d{6}(?:\.\d{3})?Z)_(.+)\.json$/;

// ---- loading -------------------------------------------------------------------------------

/**
 * Upgrades, one place for all of them: step k turns a schemaVersion-k document into k+1.
 * Version 1 is the first shipped shape, so there is no step yet; add `1: (raw) => {...}` when
 * SCHEMA_VERSION becomes 2 and every reader keeps working on old folders.
 */
const UPGRADES: Record<number, (raw: any) => any> = {};

// Fields later added as optional are filled here so readers never branch on their absence.
function normalize(raw: any, file: string): ResultsFile {
  const bad = (what: string) => new BenchError(`${file}: not a usable mirrorbench results file: ${what}`);
  if (!Array.isArray(raw.scenarios)) throw bad("no scenarios array");
  if (typeof raw.startedAt !== "string" || Number.isNaN(Date.parse(raw.startedAt))) throw bad("no valid startedAt");
  if (!raw.host?.id) {
    if (!raw.environment) throw bad("neither host nor environment");
    raw.host = hostId(raw.environment, raw.environment.hostname ?? "unknown");
  }
  raw.finishedAt ??= null;
  raw.interrupted ??= false;
  raw.decision ??= null;
  raw.tools ??= {};
  for (const s of raw.scenarios) {
    if (s === null || typeof s !== "object") continue;
    s.baseName ??= s.name;
    s.parameters ??= {};
    s.tools ??= [];
    s.verdicts ??= [];
    s.runs ??= [];
    s.timings ??= [];
    s.candidates ??= [];
    s.baseline ??= null;
  }
  // Every nested field a reader touches, so a damaged file is a named error (exit 2), never a TypeError.
  checkResultsShape(raw, file);
  return raw as ResultsFile;
}

/** Parses and validates a results JSON text; schemaVersion above ours is refused (a newer mirrorbench wrote it). */
export function parseResults(text: string, file = "<results>"): ResultsFile {
  let raw: any;
  try {
    raw = JSON.parse(text);
  } catch (e: any) {
    throw new BenchError(`${file}: not JSON: ${e.message}`);
  }
  if (raw === null || typeof raw !== "object" || raw.schema !== "mirrorbench.results") {
    throw new BenchError(`${file}: not a mirrorbench results file (schema is ${JSON.stringify(raw?.schema)}, expected "mirrorbench.results")`);
  }
  const v = raw.schemaVersion;
  if (!Number.isInteger(v) || v < 1) throw new BenchError(`${file}: schemaVersion ${JSON.stringify(v)} is not a positive whole number`);
  if (v > SCHEMA_VERSION) {
    throw new BenchError(`${file}: schemaVersion ${v} is newer than this mirrorbench understands (${SCHEMA_VERSION})`, {
      hint: "update mirrorbench to read results written by a newer version",
    });
  }
  for (let k = v; k < SCHEMA_VERSION; k++) {
    const step = UPGRADES[k];
    if (!step) throw new BenchError(`${file}: no upgrade from schemaVersion ${k}`);
    raw = step(raw);
    raw.schemaVersion = k + 1;
  }
  return normalize(raw, file);
}

export function loadResults(file: string): ResultsFile {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e: any) {
    throw new BenchError(`cannot read results file ${file}: ${e.code ?? e.message}`);
  }
  return parseResults(text, file);
}

// ---- listing -------------------------------------------------------------------------------

export interface StoredResults {
  file: string;
  results: ResultsFile;
}

/**
 * Every readable results file directly in `dir`, oldest first (by startedAt, then name). Files
 * that are not results (exports, notes, a newer schema) are skipped, never an error: a results
 * folder is shared with other things. With hostId, files whose name says another host are not
 * even opened, and the content's host.id decides for the rest (names can be renamed, content not).
 */
export function listResults(dir: string, opts: { hostId?: string } = {}): StoredResults[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e: any) {
    if (e.code === "ENOENT") return [];
    throw new BenchError(`cannot read results folder ${dir}: ${e.code ?? e.message}`);
  }
  const out: StoredResults[] = [];
  for (const name of names) {
    if (!name.endsWith(".json")) continue;
    const m = RESULTS_NAME.exec(name);
    if (opts.hostId && m && m[2] !== opts.hostId) continue;
    const file = path.join(dir, name);
    try {
      if (!fs.statSync(file).isFile()) continue;
      const results = loadResults(file);
      if (opts.hostId && results.host.id !== opts.hostId) continue;
      out.push({ file, results });
    } catch {
      /* not ours or unreadable: history simply does not include it */
    }
  }
  return out.sort((a, b) => cmp(a.results.startedAt, b.results.startedAt) || cmp(path.basename(a.file), path.basename(b.file)));
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byTime = (a: string, b: string) => Date.parse(a) - Date.parse(b);

/**
 * `latest` = the newest results file of any host; `previous` = the newest one before it from the
 * same host as latest (comparing two machines is rarely what "previous" means); anything else is a path.
 */
export function resolveResultsRef(ref: string, dir: string, cwd = process.cwd()): string {
  if (ref !== "latest" && ref !== "previous") return path.resolve(cwd, ref);
  const all = listResults(dir);
  const latest = all.at(-1);
  if (!latest) throw new BenchError(`no results files in ${dir}`, { hint: "run `bun run bench` first, or pass --results-dir" });
  if (ref === "latest") return latest.file;
  const earlier = all.filter((e) => e !== latest && e.results.host.id === latest.results.host.id);
  const prev = earlier.at(-1);
  if (!prev) throw new BenchError(`no results file before ${path.basename(latest.file)} for host ${latest.results.host.id} in ${dir}`);
  return prev.file;
}

// ---- regressions ---------------------------------------------------------------------------

export type RegressionVerdict = "regression" | "improvement" | "ok" | "no-verdict";

/** One scenario+tool of a result judged against its own history on the same host. */
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

export interface RegressionOptions {
  /** Newest earlier results kept as history (Bencher uses 64; 30 nightly runs is a month). */
  window?: number;
  /** Two-sided prediction interval level. */
  confidence?: number;
  /** Earlier results needed before any verdict. */
  minHistory?: number;
  /** A flagged change must also exceed this fraction of the history mean, so a very steady history cannot alert on 1%. */
  minChange?: number;
}

export const REGRESSION_DEFAULTS: Required<RegressionOptions> = { window: 30, confidence: 0.99, minHistory: 5, minChange: 0.05 };

/** The pure rule: outside the Student-t prediction interval of the history AND more than minChange off its mean. */
export function classify(
  meanNs: number,
  historyNs: readonly number[],
  opts: RegressionOptions = {},
): { verdict: RegressionVerdict; meanNs: number | null; lowNs: number | null; highNs: number | null; change: number | null } {
  const o = { ...REGRESSION_DEFAULTS, ...opts };
  if (historyNs.length === 0) return { verdict: "no-verdict", meanNs: null, lowNs: null, highNs: null, change: null };
  const pi = predictionInterval(historyNs, o.confidence);
  const hm = mean(historyNs);
  const change = (meanNs - hm) / hm;
  if (historyNs.length < o.minHistory) return { verdict: "no-verdict", meanNs: hm, lowNs: null, highNs: null, change };
  let verdict: RegressionVerdict = "ok";
  if (meanNs > pi.high && change > o.minChange) verdict = "regression";
  else if (meanNs < pi.low && change < -o.minChange) verdict = "improvement";
  return { verdict, meanNs: hm, lowNs: pi.low, highNs: pi.high, change };
}

/**
 * The same benchmark in an earlier result: same scenario name and tool, and the same workload
 * (kind, files, bytes, dataset hash when both have one) and cache policy. A renamed-in-place
 * workload ("large-file" grown from 256 MiB to 4 GiB) is a new benchmark, not a 16× regression.
 */
export function sameBenchmark(a: ScenarioResult, b: ScenarioResult): boolean {
  if (a.name !== b.name || a.cache !== b.cache) return false;
  const wa = a.workload;
  const wb = b.workload;
  if (wa.kind !== wb.kind || wa.files !== wb.files || wa.bytes !== wb.bytes) return false;
  return !(wa.datasetHash && wb.datasetHash && wa.datasetHash !== wb.datasetHash);
}

/** Mean time of a tool in a scenario, or null when it did not complete every measured run. */
export function completedMeanNs(s: ScenarioResult, tool: string): number | null {
  const t = s.tools.find((x) => x.tool === tool);
  if (!t || t.state !== "completed") return null;
  if (t.stats?.time?.meanNs !== undefined) return t.stats.time.meanNs;
  const times = measuredRuns(s.runs, tool).flatMap((r) => (r.state === "completed" ? [r.measure.wallNs] : []));
  return times.length ? mean(times) : null;
}

/** Pure core of checkRegressions: `history` may hold anything; only earlier results of the same host count. */
export function regressionChecks(current: ResultsFile, history: readonly ResultsFile[], opts: RegressionOptions = {}): Regression[] {
  const o = { ...REGRESSION_DEFAULTS, ...opts };
  const earlier = history
    .filter((h) => h !== current && h.host.id === current.host.id && byTime(h.startedAt, current.startedAt) < 0)
    .sort((a, b) => byTime(a.startedAt, b.startedAt));
  const out: Regression[] = [];
  for (const s of current.scenarios) {
    for (const t of s.tools) {
      const meanNs = completedMeanNs(s, t.tool);
      if (meanNs === null) continue;
      const points: { at: string; meanNs: number }[] = [];
      for (const h of earlier) {
        const hs = h.scenarios.find((x) => sameBenchmark(x, s));
        const m = hs ? completedMeanNs(hs, t.tool) : null;
        if (m !== null) points.push({ at: h.startedAt, meanNs: m });
      }
      const used = points.slice(-o.window);
      const c = classify(meanNs, used.map((p) => p.meanNs), o);
      const r: Regression = {
        scenario: s.name,
        tool: t.tool,
        label: t.label,
        verdict: c.verdict,
        meanNs,
        history: { n: used.length, meanNs: c.meanNs, lowNs: c.lowNs, highNs: c.highNs, firstAt: used[0]?.at ?? null, lastAt: used.at(-1)?.at ?? null },
        change: c.change,
        message: "",
      };
      r.message = describe(r, o);
      out.push(r);
    }
  }
  return out;
}

function describe(r: Regression, o: Required<RegressionOptions>): string {
  if (r.verdict === "no-verdict") return `no verdict (${r.history.n} earlier result${r.history.n === 1 ? "" : "s"}, need ${o.minHistory})`;
  const pct = `${r.change! >= 0 ? "+" : ""}${(r.change! * 100).toFixed(1)}%`;
  // A wide history can put the lower bound below zero; no run takes negative time, so show 0.
  const pi = `${(o.confidence * 100).toFixed(0)}% prediction interval ${formatDuration(Math.max(0, r.history.lowNs!))} … ${formatDuration(r.history.highNs!)}`;
  const base = `${formatDuration(r.meanNs)} vs mean ${formatDuration(r.history.meanNs!)} of ${r.history.n} earlier results (${pct}; ${pi})`;
  if (r.verdict === "regression") return `slower: ${base}`;
  if (r.verdict === "improvement") return `faster: ${base}`;
  return `as before: ${base}`;
}

/**
 * Judges every scenario+tool of `current` against the earlier results files of the same host in
 * `resultsDir` (the current file itself, already written there, is never its own history).
 */
export function checkRegressions(current: ResultsFile, resultsDir: string, opts: RegressionOptions = {}): Regression[] {
  const history = listResults(resultsDir, { hostId: current.host.id })
    .map((e) => e.results)
    .filter((r) => r.startedAt !== current.startedAt);
  return regressionChecks(current, history, opts);
}

export function hasRegression(list: readonly Regression[]): boolean {
  return list.some((r) => r.verdict === "regression");
}

const WORD: Record<RegressionVerdict, string> = { regression: "REGRESSION", improvement: "improvement", ok: "ok", "no-verdict": "-" };

/** Console/mail lines: every check, regressions first so a cron mail shows them at the top. */
export function regressionLines(list: readonly Regression[], opts: RegressionOptions = {}): string[] {
  const o = { ...REGRESSION_DEFAULTS, ...opts };
  if (!list.length) return [];
  const rank: Record<RegressionVerdict, number> = { regression: 0, improvement: 1, ok: 2, "no-verdict": 3 };
  const sorted = [...list].sort((a, b) => rank[a.verdict] - rank[b.verdict]);
  const n = list.filter((r) => r.verdict === "regression").length;
  const out = [
    `History check (same host, newest ${o.window} earlier results, outside the ${(o.confidence * 100).toFixed(0)}% prediction interval and > ${(o.minChange * 100).toFixed(0)}% off the mean): ${n ? `${n} regression(s)` : "no regressions"}`,
  ];
  for (const r of sorted) out.push(`  ${WORD[r.verdict].padEnd(11)} ${r.scenario} / ${r.label}: ${r.message}`);
  return out;
}

/** With --fail-on-regression a regression turns an otherwise clean exit into EXIT.regression; a gate failure keeps its own code. */
export function exitWithRegressions(gateExitCode: number, list: readonly Regression[], failOnRegression: boolean): number {
  if (gateExitCode !== 0 || !failOnRegression) return gateExitCode;
  return hasRegression(list) ? EXIT.regression : 0;
}
