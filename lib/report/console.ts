// The console summary: the old script's Average lines, one table per scenario (fitted to the console's width), warnings, the gate.

import path from "node:path";
import { styleText } from "node:util";
import type { Decision } from "../analyze/verdicts";
import { DEFAULTS } from "../defaults";
import { whyConsoleLines } from "../diagnose/why";
import { oldLines } from "../log";
import type { ResultsFile, ScenarioResult } from "../results/file";
import type { CandidateVerdict, ToolResult, ToolStats } from "../types";
import { formatBytes, formatDuration, formatSeconds } from "../units";
import { type FitColumn, fitTable, type Reduction, type RowNote } from "./fit-table";
import { cacheSummary, preflightLines, remoteLines, settleLine, timeLine, toolFlagLines, verdictDetailLines } from "./run-notes";

export { cacheSummary } from "./run-notes";
import { NO_VERDICT_CONTROLS } from "../analyze/control";
import { displayWidth, padToWidth, plural, processConsoleWidth, truncateToWidth, wrapWords } from "../text";

export interface Style {
  color: boolean;
  /** Columns the tables must fit; default: the terminal's width, else COLUMNS, else 100. */
  widthCols?: number;
  /** Every column at full form whatever the width. */
  wide?: boolean;
  /** The flag that shows every column (e.g. "--wide"), named in the note under a narrowed table; unnamed when absent. */
  wideFlag?: string;
}

type Paint = "green" | "red" | "yellow";
const paint = (on: boolean, color: Paint, s: string) => (on ? styleText(color, s, { validateStream: false }) : s);

export function averageLines(s: ScenarioResult): string[] {
  const out: string[] = [];
  for (const t of s.tools) {
    if (t.state === "skipped" || !t.stats) continue;
    out.push(oldLines.average(t.label, t.stats.time.n, formatSeconds(t.stats.time.meanNs)));
  }
  return out;
}

/** The ratio that decides: the bootstrap ratio of means, or (gate: paired) the median paired ratio with its sign-test interval. */
function ratioCell(v: CandidateVerdict | undefined, withInterval = true): string {
  if (v?.gate === "paired" && v.paired) {
    const p = v.paired;
    if (p.medianRatio === null) return "";
    return !p.interval || !withInterval ? p.medianRatio.toFixed(3) : `${p.medianRatio.toFixed(3)} [${p.interval.low.toFixed(3)}–${p.interval.high.toFixed(3)}]`;
  }
  if (!v?.timeRatio) return "";
  const r = v.timeRatio;
  return r.low === r.high || !withInterval ? r.estimate.toFixed(3) : `${r.estimate.toFixed(3)} [${r.low.toFixed(3)}–${r.high.toFixed(3)}]`;
}

function verdictCell(v: CandidateVerdict | undefined, st: Style): string {
  if (!v) return "";
  const word = v.verdict === "PASS" ? paint(st.color, "green", "PASS") : v.verdict === "FAIL" ? paint(st.color, "red", "FAIL") : paint(st.color, "yellow", v.verdict === "NO-VERDICT" ? NO_VERDICT_CONTROLS : "UNDECIDED");
  return v.withinNoise && v.verdict !== "NO-VERDICT" ? `${word} (within noise)` : word;
}

/** "1.200 s … 1.300 s", or "1.200–1.300 s" when both ends share a unit. */
function rangeCell(minNs: number, maxNs: number, compact: boolean): string {
  const [a, b] = [formatDuration(minNs), formatDuration(maxNs)];
  const [na, ua] = a.split(" ");
  const [nb, ub] = b.split(" ");
  return compact && ua === ub ? `${na}–${nb} ${ub}` : `${a} … ${b}`;
}

/**
 * The order a scenario table gives up detail to fit, lowest value first. The gate's own figures
 * (mean, peak RSS, ratio, verdict) go last; past the final step the table is drawn as one block per tool.
 */
export const REDUCTION_ORDER = [
  "CPU user/sys → CPU %",
  "drop median",
  "drop durable",
  "drop files/s",
  "drop CPU",
  "drop MiB/s",
  "min … max → min–max",
  "ratio [95% CI] → ratio",
  "drop min … max",
  "mean ± σ → mean",
  "verdict (within noise) → (noise)",
  "tool labels cut to 16 columns",
] as const;

/** What the note under a narrowed table says was left out: a dropped column, or what its compact form lost ("" = nothing, only spelt shorter). */
const HIDDEN: Record<string, string> = { median: "median", durable: "durable", files: "files/s", cpu: "CPU", mibs: "MiB/s", range: "min … max" };
const LOST: Record<string, string> = { cpu: "CPU user/sys times", range: "", ratio: "95% CI", mean: "σ", verdict: "", tool: "full labels" };


function rows(s: ScenarioResult) {
  return s.tools.map((t) => ({
    t,
    v: s.verdicts.find((x) => x.candidate === t.tool),
    x: t.state !== "skipped" ? t.stats : null,
    baseline: t.tool === s.baseline,
  }));
}

/** The table as columns, every cell in full form, plus the compact forms the reductions swap in. */
function columns(s: ScenarioResult, st: Style) {
  const rs = rows(s);
  const col = (id: string, head: string, cell: (x: ToolStats, r: (typeof rs)[number]) => string, align: "left" | "right" = "right"): FitColumn => ({
    id, head, align, cells: rs.map((r) => (r.x ? cell(r.x, r) : "")),
  });
  const label = (r: (typeof rs)[number]) => `${r.t.label}${r.t.state === "failed" ? " (FAILED runs)" : ""}`;
  const cpu = (x: ToolStats, full: boolean) =>
    x.userMsMean === null || x.systemMsMean === null ? "n/a" : `${full ? `${x.userMsMean.toFixed(0)}/${x.systemMsMean.toFixed(0)} ms ` : ""}${full ? "(" : ""}${((x.cpuUtilMean ?? 0) * 100).toFixed(0)}%${full ? ")" : ""}`;
  // gate: paired shows the paired ratio and its exact interval (its coverage is said under the table).
  const pairedGate = s.verdicts.some((v) => v.gate === "paired");
  const ratio = (withInterval: boolean): FitColumn => ({
    id: "ratio", head: pairedGate ? (withInterval ? "paired ratio [CI]" : "paired ratio") : withInterval ? "ratio [95% CI]" : "ratio", align: "right",
    cells: rs.map((r) => (r.baseline ? "baseline" : ratioCell(r.v, withInterval))),
  });
  const full: FitColumn[] = [
    { id: "tool", head: "tool", align: "left", cells: rs.map(label) },
    col("mean", "mean ± σ", (x) => `${formatDuration(x.time.meanNs)} ± ${formatDuration(x.time.stddevNs)}`),
    col("median", "median", (x) => formatDuration(x.time.medianNs)),
    // durable: true — the median time to the copy on stable storage (returned + the flush of dst).
    ...(rs.some((r) => r.x?.durable !== undefined) ? [col("durable", "durable (median)", (x) => (x.durable ? formatDuration(x.durable.medianNs) : x.durable === null ? "failed" : ""))] : []),
    col("range", "min … max", (x) => rangeCell(x.time.minNs, x.time.maxNs, false)),
    col("mibs", "MiB/s", (x) => x.mibPerSec.toFixed(1)),
    // A one-file workload's files/s is its runs per second: not a figure about files.
    ...(s.workload.files > 1 ? [col("files", "files/s", (x) => (x.filesPerSec >= 100 ? Math.round(x.filesPerSec).toLocaleString("en-US") : x.filesPerSec.toFixed(1)))] : []),
    col("cpu", "CPU user/sys", (x) => cpu(x, true)),
    col("rss", "peak RSS", (x) => (x.maxRssMedianBytes === null ? "n/a" : formatBytes(x.maxRssMedianBytes))),
    // A scenario without a gate has no ratio and no verdict: their empty columns would only take room.
    ...(s.baseline || s.verdicts.length
      ? [ratio(true), { id: "verdict", head: "verdict", align: "left" as const, cells: rs.map((r) => verdictCell(r.v, st)) }]
      : []),
  ];
  const all: Reduction[] = [
    { say: REDUCTION_ORDER[0], replace: [col("cpu", "CPU", (x) => cpu(x, false))] },
    { say: REDUCTION_ORDER[1], drop: "median" },
    { say: REDUCTION_ORDER[2], drop: "durable" },
    { say: REDUCTION_ORDER[3], drop: "files" },
    { say: REDUCTION_ORDER[4], drop: "cpu" },
    { say: REDUCTION_ORDER[5], drop: "mibs" },
    { say: REDUCTION_ORDER[6], replace: [col("range", "min–max", (x) => rangeCell(x.time.minNs, x.time.maxNs, true))] },
    { say: REDUCTION_ORDER[7], replace: [ratio(false)] },
    { say: REDUCTION_ORDER[8], drop: "range" },
    { say: REDUCTION_ORDER[9], replace: [col("mean", "mean", (x) => formatDuration(x.time.meanNs))] },
    { say: REDUCTION_ORDER[10], replace: [{ id: "verdict", head: "verdict", align: "left", cells: rs.map((r) => verdictCell(r.v, st).replace("(within noise)", "(noise)")) }] },
    { say: REDUCTION_ORDER[11], replace: [{ ...full[0]!, cells: full[0]!.cells.map((c) => truncateToWidth(c, DEFAULTS.labelShortColumns)) }] },
  ];
  const steps = all.filter((r) => !("drop" in r) || r.drop !== "durable" || full.some((c) => c.id === "durable"));
  const notes: (RowNote | null)[] = rs.map((r) =>
    r.t.state === "skipped" ? { text: `skipped: ${r.t.reason}`, keep: ["tool"] } : !r.x ? { text: `failed: ${r.t.state === "failed" ? r.t.reason : ""}`, keep: ["tool", "verdict"] } : null,
  );
  return { full, steps, notes };
}

/** The scenario table's lines, fitted to st.widthCols (see REDUCTION_ORDER), and what was left out to fit. */
export function scenarioTableLines(s: ScenarioResult, st: Style): { lines: string[]; note: string | null; applied: string[]; stacked: boolean; shortened: string[] } {
  const widthCols = st.widthCols ?? processConsoleWidth();
  const { full, steps, notes } = columns(s, st);
  const f = fitTable({ columns: full, notes }, steps, { widthCols, wide: st.wide, color: st.color });
  const hidden = [...full.filter((c) => !f.shown.includes(c.id)).map((c) => HIDDEN[c.id] ?? c.head), ...f.compacted.map((id) => LOST[id] ?? id)].filter(Boolean);
  const what = f.stacked ? `no table fits ${widthCols} columns: one block per tool` : hidden.length ? `hidden to fit ${widthCols} columns: ${hidden.join(", ")}` : null;
  const note = what ? `(${what}${st.wideFlag ? `; ${st.wideFlag} shows all` : ""})` : null;
  return { lines: f.lines, note, applied: f.applied, stacked: f.stacked, shortened: f.shortenedNotes.map((i) => s.tools[i]!.tool) };
}

export function scenarioTable(s: ScenarioResult, st: Style): string {
  return scenarioTableLines(s, st).lines.join("\n");
}

export function scenarioHeader(s: ScenarioResult): string {
  const w = s.workload;
  const st = s.runOptions?.settle;
  const settle = !st ? [] : [!st.sync && !st.wait ? "no settle" : st.wait ? "settled (sync + wait)" : "settled (sync)"];
  const parts = [`${w.kind}`, plural(w.files, "file"), formatBytes(w.bytes), `cache ${cacheSummary(s)}`, ...settle, s.verified ? "copies verified" : "copies NOT verified"];
  return `== ${s.name}: ${parts.join(", ")}`;
}

export function warningLines(s: ScenarioResult, shortened: readonly string[] = []): string[] {
  const out: string[] = [];
  for (const t of s.tools) {
    if (t.state === "failed") out.push(`  ! ${t.label}: ${t.reason}`);
    // The table cut this reason to fit; here it is whole.
    if (t.state === "skipped" && shortened.includes(t.tool)) out.push(`  ! ${t.label} skipped: ${t.reason}`);
    for (const w of t.state !== "skipped" ? (t.stats?.warnings ?? []) : []) out.push(`  ! ${t.label}: ${w}`);
  }
  const label = labelsOf(s);
  for (const v of s.verdicts) for (const r of v.reasons) out.push(`  · ${label(v.candidate)} vs ${label(v.baseline)}: ${r}`);
  return out;
}

/** A tool's label as the table shows it ("a|b" for a scenario whose baselines were all missing). */
function labelsOf(s: ScenarioResult): (id: string) => string {
  const by = new Map(s.tools.map((t) => [t.tool, t.label]));
  return (id) => id.split("|").map((x) => by.get(x) ?? x).join("|");
}

/**
 * Why a run is UNDECIDED, one phrase per cause with its scenarios: "candidate blit-v2 is missing (… not found) in
 * large-file", "no baseline is available (rsync: …) in small-files", "baseline rsync failed (…) in mixed".
 */
export function undecidedCauses(scenarios: readonly ScenarioResult[]): string[] {
  const by = new Map<string, string[]>();
  for (const s of scenarios) {
    const label = labelsOf(s);
    for (const v of s.verdicts) {
      if (v.verdict !== "UNDECIDED" && v.verdict !== "NO-VERDICT") continue;
      const cand = s.tools.find((t) => t.tool === v.candidate);
      const base = s.tools.find((t) => t.tool === v.baseline);
      let cause: string;
      if (v.verdict === "NO-VERDICT") cause = `${NO_VERDICT_CONTROLS}: ${v.control?.reason ?? "the A/A control failed"}`;
      else if (v.reasons.some((r) => r.startsWith("cloned, not copied"))) cause = `${label(v.candidate)} cloned, not copied`;
      else if (cand?.state === "completed" && base?.state === "completed") cause = `${label(v.candidate)} vs ${label(v.baseline)}: ${v.reasons[0] ?? "the interval straddles the limit"}`;
      else if (cand?.state === "skipped") cause = `candidate ${cand.label} is missing (${cand.reason})`;
      else if (!s.baseline || !base) {
        const why = v.baseline.split("|").map((b) => s.tools.find((t) => t.tool === b)).map((t, i) => `${t?.label ?? v.baseline.split("|")[i]}: ${t?.state === "skipped" ? t.reason : "not available"}`);
        cause = `no baseline is available (${why.join("; ")})`;
      } else cause = `baseline ${label(v.baseline)} ${base.state === "skipped" ? "is missing" : "failed"}${base.state !== "completed" ? ` (${base.reason})` : ""}`;
      // One control judges every candidate of its scenario: the scenario is named once per cause.
      const names = by.get(cause) ?? [];
      if (!names.includes(s.name)) names.push(s.name);
      by.set(cause, names);
    }
  }
  return [...by].map(([cause, names]) => `${cause} in ${names.join(", ")}`);
}

export function gateLines(scenarios: ScenarioResult[], decision: Decision, st: Style): string[] {
  const out: string[] = [];
  const gated = scenarios.filter((s) => s.verdicts.length);
  if (!gated.length) {
    out.push("Gate: none configured (no baseline in any scenario)");
    return out;
  }
  out.push("Gate:");
  const widthCols = st.widthCols ?? processConsoleWidth();
  const cellCols = Math.max(9, ...gated.flatMap((s) => s.verdicts.map((v) => displayWidth(verdictCell(v, st)))));
  for (const s of gated) {
    const label = labelsOf(s);
    for (const v of s.verdicts) {
      const th = s.thresholds;
      const on = v.gateOn === "durable" ? " durable" : "";
      const time = v.gate === "paired"
        ? v.paired?.medianRatio != null ? `time${on} (paired median) ${v.paired.medianRatio.toFixed(3)}${v.paired.interval ? ` [${v.paired.interval.low.toFixed(3)}, ${v.paired.interval.high.toFixed(3)}]` : ""} ${v.paired.state} (≤ ${th.maxTimeRatio})` : "time n/a"
        : v.timeRatio ? `time${on} ${v.timeRatio.estimate.toFixed(3)} (≤ ${th.maxTimeRatio})` : "time n/a";
      const mem = v.memoryRatio !== null ? `memory ${v.memoryRatio.toFixed(3)} (≤ ${th.maxMemoryRatio})` : "memory n/a";
      // A line too long for the console breaks between words, the rest indented under the scenario name.
      out.push(...wrapWords(`  ${padToWidth(verdictCell(v, st), cellCols)} ${s.name}: ${label(v.candidate)} vs ${label(v.baseline)}: ${time}, ${mem}`, widthCols, " ".repeat(cellCols + 3)));
    }
  }
  const why = undecidedCauses(scenarios);
  const word =
    decision === "GO" ? paint(st.color, "green", "GO") : decision === "NO-GO" ? paint(st.color, "red", "NO-GO") : `${paint(st.color, "yellow", "UNDECIDED")} (${why.join("; ") || "no verdict"})`;
  out.push(...wrapWords(`Decision: ${word}`, widthCols, "  "));
  return out;
}

/** One scenario's summary as a run prints it and `report` re-renders it: Average lines, header, table, what the table left out, warnings. */
export function scenarioLines(s: ScenarioResult, st: Style): string[] {
  const t = scenarioTableLines(s, st);
  const note = t.note ? wrapWords(`  ${t.note}`, st.widthCols ?? processConsoleWidth(), "   ") : [];
  const widthCols = st.widthCols ?? processConsoleWidth();
  const options = [s.runOptions?.durable.length ? `  ${timeLine(s)}` : null, s.runOptions?.settle.wait ? `  ${settleLine(s)}` : null].filter((x): x is string => !!x);
  const notes = [...preflightLines(s), ...remoteLines(s), ...toolFlagLines(s), ...verdictDetailLines(s).filter(() => s.verdicts.some((v) => v.gate === "paired" || v.control || v.paired?.interval))];
  return [
    ...averageLines(s),
    "",
    ...wrapWords(scenarioHeader(s), widthCols, "   "),
    ...options.flatMap((l) => wrapWords(l, widthCols, "    ")),
    ...t.lines,
    ...note,
    ...[...warningLines(s, t.shortened), ...notes].flatMap((l) => wrapWords(l, widthCols, "    ")),
  ];
}

export function toolList(tools: ToolResult[]): string {
  return tools.map((t) => t.label).join(", ");
}

/** The console form of a stored result (`report`), the same lines a run prints at its end. */
export function resultsConsoleLines(results: Pick<ResultsFile, "scenarios" | "decision" | "interrupted" | "diagnoses">, st: Style, o: { resultsDir?: string } = {}): string[] {
  const out: string[] = [];
  for (const s of results.scenarios) out.push(...scenarioLines(s, st), "");
  if (results.decision && !results.interrupted) out.push(...gateLines(results.scenarios, results.decision.decision as Decision, st));
  if (results.interrupted) out.push("Decision: none (the run was interrupted)");
  // A stored diagnosis as the run printed it; its folder is stored relative to the results file's.
  for (const d of results.diagnoses ?? []) {
    const dir = d.outDir ?? ".";
    out.push("", ...whyConsoleLines(d, o.resultsDir ? path.resolve(o.resultsDir, dir) : dir, DEFAULTS.diagnose.consoleFindings));
  }
  return out;
}
