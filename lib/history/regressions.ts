// The history check: each scenario+tool of a result against the earlier results of the same host (Student-t prediction interval and a minimum change).

import { plural } from "../text";
import { completedWallTimesNs } from "../analyze/tool-stats";
import { mean } from "../analyze/summary";
import { predictionInterval } from "../analyze/student-t";
import { DEFAULTS } from "../defaults";
import { EXIT } from "../errors";
import type { Regression, RegressionVerdict, ResultsFile } from "../results/file";
import type { ScenarioResult } from "../analyze/scenario";
import { formatDuration } from "../units";
import { listResults } from "./list";

export type { Regression, RegressionVerdict };

const byTime = (a: string, b: string) => Date.parse(a) - Date.parse(b);

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

/** The history check's rule settings (lib/defaults.ts); exported under this name for the HTML report. */
export const REGRESSION_DEFAULTS: Required<RegressionOptions> = DEFAULTS.regression;

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
  const times = completedWallTimesNs(s.runs, tool);
  return times.length ? mean(times) : null;
}

/**
 * One scenario+tool through a list of results files (in the list's order): the mean time of each file
 * that ran the same benchmark to completion, with the file's index. The series the history check
 * judges and the HTML report's history chart draws.
 */
export function historySeries(files: readonly ResultsFile[], s: ScenarioResult, tool: string): { index: number; at: string; meanNs: number }[] {
  const out: { index: number; at: string; meanNs: number }[] = [];
  files.forEach((h, index) => {
    const hs = h.scenarios.find((x) => sameBenchmark(x, s));
    const m = hs ? completedMeanNs(hs, tool) : null;
    if (m !== null) out.push({ index, at: h.startedAt, meanNs: m });
  });
  return out;
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
      const used = historySeries(earlier, s, t.tool).slice(-o.window);
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
  const history = listResults(resultsDir, { hostId: current.host.id, lean: true })
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
    `History check (same host, newest ${o.window} earlier results, outside the ${(o.confidence * 100).toFixed(0)}% prediction interval and > ${(o.minChange * 100).toFixed(0)}% off the mean): ${n ? plural(n, "regression") : "no regressions"}`,
  ];
  for (const r of sorted) out.push(`  ${WORD[r.verdict].padEnd(11)} ${r.scenario} / ${r.label}: ${r.message}`);
  return out;
}

/** With --fail-on-regression a regression turns an otherwise clean exit into EXIT.regression; a gate failure keeps its own code. */
export function exitWithRegressions(gateExitCode: number, list: readonly Regression[], failOnRegression: boolean): number {
  if (gateExitCode !== 0 || !failOnRegression) return gateExitCode;
  return hasRegression(list) ? EXIT.regression : 0;
}
