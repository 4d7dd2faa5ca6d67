// The HTML report: one self-contained page (inline SVG + CSS, no script, no font, no network) that plots the gate's decision.

import { measuredRuns } from "../analyze/tool-stats";
import { REGRESSION_DEFAULTS } from "../history/regressions";
import type { ResultsFile, ScenarioResult } from "../results/file";
import { formatBytes, formatDuration } from "../units";
import { historySections, stamp } from "./chart-history";
import { ratioChart } from "./chart-ratio";
import { type StripRow, stripChart } from "./chart-strip";
import { sweepSections } from "./chart-sweep";
import { cacheSummary, controlLine, preflightLines, remoteLines, settleLine, timeLine, toolFlagLines, verdictDetail } from "./run-notes";
import { bytesTick, byteUnit, durationTick, esc, Svg } from "./svg";
import { whyBlocks } from "./why-html";
import { plural } from "../text";

const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"];

type Completed = Extract<ScenarioResult["runs"][number], { state: "completed" }>;
const completedRuns = (s: ScenarioResult, tool: string) => measuredRuns(s.runs, tool).filter((r): r is Completed => r.state === "completed");

function role(s: ScenarioResult, tool: string): string {
  if (!s.verdicts.length) return "";
  if (tool === s.baseline) return "baseline";
  return s.verdicts.some((v) => v.candidate === tool) ? "candidate" : "not gated";
}

function stripRows(s: ScenarioResult, colorOf: (t: string) => string, kind: "time" | "memory"): StripRow[] {
  return s.tools.map((t) => {
    const base = { tool: t.tool, label: t.label, role: role(s, t.tool), color: colorOf(t.tool), gated: s.verdicts.some((v) => v.candidate === t.tool), failed: t.state === "failed" };
    if (t.state === "skipped") return { ...base, values: [], titles: [], mean: null, median: null, note: `skipped: ${t.reason}` };
    const runs = completedRuns(s, t.tool);
    if (!t.stats || !runs.length) return { ...base, values: [], titles: [], mean: null, median: null, note: `failed: ${t.state === "failed" ? t.reason : "no completed run"}` };
    if (kind === "time") {
      return {
        ...base, note: null, mean: t.stats.time.meanNs, median: t.stats.time.medianNs,
        values: runs.map((r) => r.measure.wallNs),
        titles: runs.map((r) => `${t.label}, run ${r.index} (round ${r.round}): ${formatDuration(r.measure.wallNs)}, cache ${r.cache}`),
      };
    }
    const withRss = runs.filter((r) => r.measure.maxRssBytes !== null);
    const rss = withRss.map((r) => r.measure.maxRssBytes!);
    const mean = rss.length ? rss.reduce((a, b) => a + b, 0) / rss.length : null;
    return {
      ...base, note: rss.length ? null : "peak memory not measured", mean, median: t.stats.maxRssMedianBytes,
      values: rss, titles: withRss.map((r) => `${t.label}, run ${r.index}: peak RSS ${formatBytes(r.measure.maxRssBytes!)}`),
    };
  });
}

function verdictLine(s: ScenarioResult, v: ScenarioResult["verdicts"][number], labels: Record<string, string>): string {
  const th = s.thresholds;
  const t = v.timeRatio;
  const time = t ? `time ${t.estimate.toFixed(3)}${t.low !== t.high ? ` [95% CI ${t.low.toFixed(3)}–${t.high.toFixed(3)}]` : ""} vs ≤ ${th.maxTimeRatio}${v.withinNoise ? " — <b>within noise</b> (the interval straddles the limit)" : ""}` : "time: no ratio";
  const mem = v.memoryRatio !== null ? `memory ${v.memoryRatio.toFixed(3)} vs ≤ ${th.maxMemoryRatio}` : "memory not measured";
  const why = v.reasons.length ? ` — ${esc(v.reasons.join("; "))}` : "";
  // Paired beside bootstrap, which one decided, on which time; the A/A control when there is one.
  const detail = v.paired || v.control ? `<br><span class="meta">${esc(verdictDetail(v, (id) => labels[id] ?? id))}${v.control ? `; ${esc(controlLine(v.control, (id) => labels[id] ?? id, v.baseline))}` : ""}</span>` : "";
  return `<li><span class="word ${esc(v.verdict)}">${esc(v.verdict)}</span> ${esc(labels[v.candidate] ?? v.candidate)} vs ${esc(labels[v.baseline] ?? v.baseline)}: ${time}; ${mem}${why}${detail}</li>`;
}

function scenarioSection(s: ScenarioResult, colorOf: (t: string) => string, labels: Record<string, string>, why: string[] = []): (string | Svg)[] {
  const w = s.workload;
  const base = s.baseline ? s.tools.find((t) => t.tool === s.baseline) : undefined;
  const baseStats = base && base.state === "completed" ? base.stats : null;
  const gated = s.verdicts.length > 0;
  const out: (string | Svg)[] = [`<section class="scenario" data-scenario="${esc(s.name)}"><h3>${esc(s.name)}</h3>`];
  out.push(`<p class="meta">${esc(w.kind)}, ${esc(plural(w.files, "file"))}, ${esc(formatBytes(w.bytes))} · cache ${esc(cacheSummary(s))} · ${s.verified ? "copies verified" : "copies NOT verified"}</p>`);
  const how = [s.runOptions ? timeLine(s) : null, settleLine(s), ...preflightLines(s).map((l) => l.trim().replace(/^!\s*/, "")), ...toolFlagLines(s).map((l) => l.trim()), ...remoteLines(s).map((l) => l.trim().replace(/^·\s*/, ""))].filter((x): x is string => !!x);
  if (how.length) out.push(`<p class="meta">${how.map(esc).join("<br>")}</p>`);
  if (gated) out.push(`<ul class="verdicts">${s.verdicts.map((v) => verdictLine(s, v, labels)).join("")}</ul>`);
  const time = stripChart({
    kind: "time", scenario: s.name, rows: stripRows(s, colorOf, "time"), fmt: formatDuration, tickFmt: durationTick, axisTitle: "wall time per measured run", gateStat: "mean",
    limit: gated && baseStats ? { value: baseStats.time.meanNs * s.thresholds.maxTimeRatio, label: `time limit ${formatDuration(baseStats.time.meanNs * s.thresholds.maxTimeRatio)} = ${base!.label} mean × ${s.thresholds.maxTimeRatio}` } : null,
  });
  const memRows = stripRows(s, colorOf, "memory");
  const baseRss = baseStats?.maxRssMedianBytes ?? null;
  const memory = memRows.some((r) => r.values.length)
    ? stripChart({
      kind: "memory", scenario: s.name, rows: memRows, fmt: formatBytes, tickFmt: bytesTick, unit: byteUnit(Math.max(...memRows.flatMap((r) => r.values))), axisTitle: "peak RSS of the tool's process tree per measured run", gateStat: "median",
      limit: gated && baseRss !== null ? { value: baseRss * s.thresholds.maxMemoryRatio, label: `memory limit ${formatBytes(baseRss * s.thresholds.maxMemoryRatio)} = ${base!.label} median × ${s.thresholds.maxMemoryRatio}` } : null,
    })
    : null;
  out.push(time, memory ?? `<p class="meta">Peak memory was not measured in this scenario.</p>`);
  out.push(...why, `</section>`);
  return out;
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#222;background:#fff;max-width:1040px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:30px 0 8px;border-bottom:1px solid #ddd}h3{font-size:15px;margin:20px 0 4px}
.meta{color:#555;margin:2px 0}.decision{font-weight:700;padding:2px 8px;border-radius:4px}
.GO,.word.PASS{background:#dff5e1;color:#17631f}.NO-GO,.word.FAIL{background:#fde2e1;color:#a61b14}.UNDECIDED,.NO-GATE,.word.UNDECIDED,.word.NO-VERDICT{background:#fff4d6;color:#7a5b00}
.word{font-weight:700;padding:0 5px;border-radius:3px}ul.verdicts{margin:4px 0;padding-left:18px}
svg.chart{display:block;margin:6px 0 12px;font-size:11px;overflow:visible}
.grid{stroke:#eee}.axis{stroke:#888}.sep{stroke:#ddd}.unity{stroke:#555;stroke-width:1.2}.band-row{fill:#f7f7f7}
.tick,.label,.note,.axis-title,.figure,.legend{fill:#333}.role{fill:#777}.note{font-style:italic}
.run{fill-opacity:.7}.run.failed{fill-opacity:.3}.range{stroke-width:1.5;stroke-opacity:.6}
.mean{stroke:#111;stroke-width:2.5}.median{fill:#fff;stroke:#111;stroke-width:1.3}
.limit{stroke:#c00;stroke-width:2;stroke-dasharray:5 3}.limit-label{fill:#c00}
.ci line{stroke-width:2}.ci.pass line{stroke:#2a7d2e}.ci.fail line{stroke:#c00}.ci.noise line{stroke:#b07800}
.estimate{stroke:#fff;stroke-width:1}.estimate.pass{fill:#2a7d2e}.estimate.fail{fill:#c00}.estimate.noise{fill:#b07800}
.verdict.pass{fill:#2a7d2e}.verdict.fail{fill:#c00}.verdict.noise{fill:#b07800;font-weight:700}.verdict.none{fill:#777}
polyline{stroke-width:2}.whisker{stroke-width:1.5;stroke-opacity:.6}.band{fill-opacity:.13}
.history-point.regression{stroke:#c00;stroke-width:3}.history-point.improvement{stroke:#2a2;stroke-width:3}
.why{border-left:3px solid #c00;padding:2px 10px;margin:8px 0}.why h4{margin:4px 0}ul.findings{margin:4px 0;padding-left:18px}
table{border-collapse:collapse;margin:6px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}th{background:#f6f6f6}
`;

export interface RenderedReport {
  html: string;
  /** Every chart on the page, with its text boxes (the layout model the collision test checks). */
  charts: Svg[];
}

export interface ReportOptions {
  /** A stored diagnosis path (relative to the results file's folder) as a link from where the page is written; as stored by default. */
  href?: (stored: string) => string;
}

export function renderReport(current: ResultsFile, history: readonly ResultsFile[], o: ReportOptions = {}): RenderedReport {
  const toolIds = [...new Set(current.scenarios.flatMap((s) => s.tools.map((t) => t.tool)))];
  const colorOf = (tool: string) => PALETTE[(toolIds.indexOf(tool) + PALETTE.length) % PALETTE.length]!;
  const labels: Record<string, string> = Object.fromEntries(current.scenarios.flatMap((s) => s.tools.map((t) => [t.tool, t.label])));
  const decision = current.decision?.decision ?? (current.interrupted ? "UNDECIDED" : "NO-GATE");
  const e = current.environment;
  const charts: Svg[] = [];
  const emit = (parts: (string | Svg)[]) => parts.map((p) => (typeof p === "string" ? p : (charts.push(p), p.toString())));
  const body: string[] = [];
  body.push(`<h1>mirrorbench — ${esc(stamp(current.startedAt))}</h1>`);
  body.push(`<p class="meta">Host ${esc(current.host.id)} · ${esc(e.os)} · ${esc(e.cpuModel)}, ${esc(plural(e.cores, "core"))} · config ${esc(current.invocation?.configFile ?? "")} · memory meter ${esc(current.meter?.kind ?? "?")}</p>`);
  body.push(`<p>Decision: <span class="decision ${esc(decision)}">${esc(decision)}</span>${current.interrupted ? " (interrupted)" : ""}</p>`);
  const versions = toolIds.map((id) => `<tr><td>${esc(labels[id] ?? id)}</td><td>${esc(current.tools?.[id]?.version ?? "unknown")}</td></tr>`);
  body.push(`<table class="versions"><tr><th>tool</th><th>version</th></tr>${versions.join("")}</table>`);
  const gate = ratioChart(current, labels);
  if (gate) {
    body.push(`<h2>The gate</h2><p class="meta">Each candidate against its baseline: the time ratio (candidate mean ÷ baseline mean) with its 95% bootstrap interval, and the memory ratio (median peak RSS), each against its limit (red dash). A verdict whose interval straddles the limit is <b>within noise</b>: a re-run could flip it.</p>`, ...emit([gate]));
  }
  body.push(`<h2>Scenarios</h2><p class="meta">Every measured run is a point; the bar through them spans the fastest to the slowest run; ┃ marks the mean, ◆ the median. The red dash is the gate's limit, drawn on the gated candidates only.</p>`);
  const swept = (s: ScenarioResult) => Object.keys(s.parameters).length > 0;
  const why = (s: ScenarioResult) => whyBlocks(current.diagnoses ?? [], s.name, o.href ?? ((p) => p));
  for (const s of current.scenarios.filter((x) => !swept(x))) body.push(...emit(scenarioSection(s, colorOf, labels, why(s))));
  // A sweep's points are scenarios too; their runs are folded under the sweep's charts.
  const sweeps = sweepSections(current, colorOf, labels, (points) => [
    `<details><summary>Every run at each of the ${points.length} points</summary>`,
    ...points.flatMap((s) => scenarioSection(s, colorOf, labels, why(s))),
    `</details>`,
  ]);
  if (sweeps.length) body.push(`<h2>Sweeps</h2>`, ...emit(sweeps));
  const hist = historySections(current, history, colorOf, labels);
  if (hist.length) {
    const o = REGRESSION_DEFAULTS;
    body.push(
      `<h2>History</h2><p class="meta">Mean time per results file of this host, oldest first. The shaded band is what decides a regression: the ${o.confidence * 100}% Student-t prediction interval of up to ${o.window} earlier results (at least ±${o.minChange * 100}% of their mean), from ${o.minHistory} earlier results on. A point above its band is a regression (red ring), below it an improvement (green ring).</p>`,
      ...emit(hist),
    );
  }
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>mirrorbench ${esc(current.startedAt)} ${esc(current.host.id)}</title>
<style>${CSS}</style></head>
<body>
${body.join("\n")}
</body></html>
`;
  return { html, charts };
}

export function renderHtml(current: ResultsFile, history: readonly ResultsFile[], o: ReportOptions = {}): string {
  return renderReport(current, history, o).html;
}
