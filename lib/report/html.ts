// The HTML report: one self-contained page (inline SVG + CSS, no script, no network) of bars, sweeps and history.

import { classify, completedMeanNs, REGRESSION_DEFAULTS, sameBenchmark, type RegressionVerdict } from "../history/regressions";
import type { ResultsFile, ScenarioResult } from "../results/file";
import { parseBytes, formatDuration } from "../units";

const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"];

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const f1 = (x: number) => x.toFixed(1);

/** 0 and about five round steps (1, 2, 5 × 10^k) up to at least max. */
function ticks(max: number): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = 0; v <= max + step * 1e-9; v += step) out.push(v);
  if (out.at(-1)! < max) out.push(out.at(-1)! + step);
  return out;
}

interface Frame {
  w: number;
  h: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
  yMax: number;
}

const yOf = (f: Frame, v: number) => f.top + (f.h - f.top - f.bottom) * (1 - v / f.yMax);

function yAxis(f: Frame, yTicks: number[]): string {
  const out: string[] = [];
  for (const t of yTicks) {
    const y = f1(yOf(f, t));
    out.push(`<line class="grid" x1="${f.left}" x2="${f.w - f.right}" y1="${y}" y2="${y}"/>`);
    out.push(`<text class="tick" x="${f.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${esc(t === 0 ? "0" : formatDuration(t))}</text>`);
  }
  out.push(`<line class="axis" x1="${f.left}" x2="${f.left}" y1="${f.top}" y2="${f.h - f.bottom}"/>`);
  out.push(`<line class="axis" x1="${f.left}" x2="${f.w - f.right}" y1="${f.h - f.bottom}" y2="${f.h - f.bottom}"/>`);
  return out.join("");
}

function colorFor(tools: string[], tool: string): string {
  const i = tools.indexOf(tool);
  return PALETTE[(i < 0 ? tools.length : i) % PALETTE.length]!;
}

/** Mean per tool as bars with ±σ error bars; the threshold line is baseline mean × max_time_ratio. */
function barChart(s: ScenarioResult, tools: string[]): string {
  const measured = s.tools.flatMap((t) => (t.state !== "skipped" && t.stats ? [{ t, st: t.stats.time }] : []));
  const base = s.baseline ? s.tools.find((t) => t.tool === s.baseline) : undefined;
  const thresholdNs = base && base.state === "completed" && s.candidates.length ? base.stats.time.meanNs * s.thresholds.maxTimeRatio : null;
  const top = Math.max(thresholdNs ?? 0, ...measured.map((m) => m.st.meanNs + m.st.stddevNs));
  const yTicks = ticks(top * 1.05);
  const f: Frame = { w: 640, h: 280, left: 78, right: 20, top: 16, bottom: 46, yMax: yTicks.at(-1)! };
  const slot = (f.w - f.left - f.right) / Math.max(1, s.tools.length);
  const out: string[] = [`<svg class="chart bars" data-scenario="${esc(s.name)}" viewBox="0 0 ${f.w} ${f.h}" width="${f.w}" height="${f.h}" role="img" aria-label="${esc(`mean time per tool, ${s.name}`)}">`, yAxis(f, yTicks)];
  s.tools.forEach((t, i) => {
    const cx = f.left + slot * (i + 0.5);
    const series = `${s.name}/${t.tool}`;
    out.push(`<text class="label" x="${f1(cx)}" y="${f.h - f.bottom + 16}" text-anchor="middle">${esc(t.label)}${t.tool === s.baseline ? " (baseline)" : ""}</text>`);
    const st = t.state !== "skipped" ? t.stats?.time : undefined;
    if (!st) {
      out.push(`<text class="note" x="${f1(cx)}" y="${f.h - f.bottom - 8}" text-anchor="middle">${t.state}</text>`);
      return;
    }
    const bw = Math.min(80, slot * 0.6);
    const y = yOf(f, st.meanNs);
    out.push(
      `<rect class="bar${t.state === "failed" ? " failed" : ""}" data-series="${esc(series)}" data-mean-ns="${Math.round(st.meanNs)}" x="${f1(cx - bw / 2)}" y="${f1(y)}" width="${f1(bw)}" height="${f1(f.h - f.bottom - y)}" fill="${colorFor(tools, t.tool)}"><title>${esc(`${t.label}: ${formatDuration(st.meanNs)} ± ${formatDuration(st.stddevNs)} (n=${st.n})`)}</title></rect>`,
    );
    const y1 = yOf(f, st.meanNs + st.stddevNs);
    const y2 = yOf(f, Math.max(0, st.meanNs - st.stddevNs));
    out.push(
      `<g class="errbar" data-series="${esc(series)}"><line x1="${f1(cx)}" x2="${f1(cx)}" y1="${f1(y1)}" y2="${f1(y2)}"/><line x1="${f1(cx - 8)}" x2="${f1(cx + 8)}" y1="${f1(y1)}" y2="${f1(y1)}"/><line x1="${f1(cx - 8)}" x2="${f1(cx + 8)}" y1="${f1(y2)}" y2="${f1(y2)}"/></g>`,
    );
    out.push(`<text class="value" x="${f1(cx)}" y="${f1(y1 - 5)}" text-anchor="middle">${esc(formatDuration(st.meanNs))}</text>`);
  });
  if (thresholdNs !== null) {
    const y = f1(yOf(f, thresholdNs));
    out.push(`<line class="threshold" data-scenario="${esc(s.name)}" data-threshold-ns="${Math.round(thresholdNs)}" x1="${f.left}" x2="${f.w - f.right}" y1="${y}" y2="${y}"/>`);
    out.push(`<text class="threshold-label" x="${f.left + 4}" y="${Number(y) - 4}" text-anchor="start">limit ${esc(formatDuration(thresholdNs))} (baseline × ${s.thresholds.maxTimeRatio})</text>`);
  }
  out.push("</svg>");
  return out.join("\n");
}

/** A sweep point's position: sizes and numbers sort by value, anything else keeps config order. */
function sweepKey(p: Record<string, string>): number | null {
  const vals = Object.values(p);
  if (vals.length !== 1) return null;
  const b = parseBytes(vals[0]);
  if (b !== null) return b;
  const n = Number(vals[0]);
  return Number.isFinite(n) ? n : null;
}

function lineChart(opts: {
  cls: string;
  key: string;
  xs: { label: string }[];
  series: { id: string; tool: string; points: { xi: number; ns: number; cls?: string; title: string }[] }[];
  tools: string[];
  labels: Record<string, string>;
  xTitle: string;
}): string {
  const top = Math.max(0, ...opts.series.flatMap((s) => s.points.map((p) => p.ns)));
  const yTicks = ticks(top * 1.1);
  const f: Frame = { w: 720, h: 300, left: 78, right: 130, top: 16, bottom: 60, yMax: yTicks.at(-1)! };
  const n = opts.xs.length;
  const xOf = (i: number) => f.left + (n <= 1 ? (f.w - f.left - f.right) / 2 : ((f.w - f.left - f.right) * i) / (n - 1));
  const out: string[] = [`<svg class="chart ${opts.cls}" data-key="${esc(opts.key)}" viewBox="0 0 ${f.w} ${f.h}" width="${f.w}" height="${f.h}" role="img">`, yAxis(f, yTicks)];
  const every = Math.max(1, Math.ceil(n / 8));
  opts.xs.forEach((x, i) => {
    if (i % every && i !== n - 1) return;
    out.push(`<text class="tick" x="${f1(xOf(i))}" y="${f.h - f.bottom + 16}" text-anchor="middle">${esc(x.label)}</text>`);
  });
  out.push(`<text class="axis-title" x="${f1((f.left + f.w - f.right) / 2)}" y="${f.h - 14}" text-anchor="middle">${esc(opts.xTitle)}</text>`);
  opts.series.forEach((s, si) => {
    const color = colorFor(opts.tools, s.tool);
    const pts = s.points.map((p) => `${f1(xOf(p.xi))},${f1(yOf(f, p.ns))}`).join(" ");
    out.push(`<polyline class="${opts.cls}-line" data-series="${esc(s.id)}" points="${pts}" fill="none" stroke="${color}"/>`);
    for (const p of s.points) {
      out.push(`<circle class="${opts.cls}-point${p.cls ? ` ${p.cls}` : ""}" data-series="${esc(s.id)}" cx="${f1(xOf(p.xi))}" cy="${f1(yOf(f, p.ns))}" r="${p.cls ? 6 : 3.5}" fill="${color}"><title>${esc(p.title)}</title></circle>`);
    }
    out.push(`<text class="legend" x="${f.w - f.right + 10}" y="${f.top + 14 + si * 16}" fill="${color}">● ${esc(opts.labels[s.tool] ?? s.tool)}</text>`);
  });
  out.push("</svg>");
  return out.join("\n");
}

function sweepCharts(current: ResultsFile, tools: string[], labels: Record<string, string>): string[] {
  const groups = new Map<string, ScenarioResult[]>();
  for (const s of current.scenarios) {
    if (s.baseName === s.name || !Object.keys(s.parameters).length) continue;
    groups.set(s.baseName, [...(groups.get(s.baseName) ?? []), s]);
  }
  const out: string[] = [];
  for (const [base, ss] of groups) {
    const keyed = ss.map((s, i) => ({ s, i, k: sweepKey(s.parameters) }));
    if (keyed.every((x) => x.k !== null)) keyed.sort((a, b) => a.k! - b.k!);
    const xs = keyed.map(({ s }) => ({ label: Object.values(s.parameters).join(", ") }));
    const names = [...new Set(ss.flatMap((s) => s.tools.map((t) => t.tool)))];
    const series = names.map((tool) => ({
      id: `${base}/${tool}`,
      tool,
      points: keyed.flatMap(({ s }, xi) => {
        const m = completedMeanNs(s, tool);
        return m === null ? [] : [{ xi, ns: m, title: `${labels[tool] ?? tool} @ ${xs[xi]!.label}: ${formatDuration(m)}` }];
      }),
    }));
    out.push(`<h3>${esc(base)} — time against ${esc(Object.keys(ss[0]!.parameters).join(", "))}</h3>`);
    out.push(lineChart({ cls: "sweep", key: base, xs, series, tools, labels, xTitle: Object.keys(ss[0]!.parameters).join(", ") }));
  }
  return out;
}

function historyCharts(current: ResultsFile, history: readonly ResultsFile[], tools: string[], labels: Record<string, string>): string[] {
  const byTime = new Map<string, ResultsFile>();
  for (const h of [...history, current]) if (h.host.id === current.host.id) byTime.set(h.startedAt, h);
  const files = [...byTime.values()].sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
  const xs = files.map((h) => ({ label: h.startedAt.slice(0, 10) }));
  const out: string[] = [];
  for (const s of current.scenarios) {
    const series = s.tools.flatMap((t) => {
      const points: { xi: number; ns: number; cls?: string; title: string }[] = [];
      const prior: number[] = [];
      files.forEach((h, xi) => {
        const hs = h.scenarios.find((x) => sameBenchmark(x, s));
        const m = hs ? completedMeanNs(hs, t.tool) : null;
        if (m === null) return;
        const v: RegressionVerdict = classify(m, prior.slice(-REGRESSION_DEFAULTS.window)).verdict;
        const cls = v === "regression" || v === "improvement" ? v : undefined;
        points.push({ xi, ns: m, cls, title: `${h.startedAt} ${labels[t.tool] ?? t.tool}: ${formatDuration(m)}${cls ? ` — ${v}` : ""}` });
        prior.push(m);
      });
      return points.length ? [{ id: `${s.name}/${t.tool}`, tool: t.tool, points }] : [];
    });
    // A single point is not a history yet; the bar chart above already shows it.
    if (!series.some((x) => x.points.length > 1)) continue;
    out.push(`<h3>${esc(s.name)} — mean time per results file on ${esc(current.host.id)}</h3>`);
    out.push(lineChart({ cls: "history", key: s.name, xs, series, tools, labels, xTitle: "results file (date)" }));
  }
  return out;
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#222;background:#fff;max-width:1100px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd}h3{font-size:15px;margin:18px 0 6px}
.meta{color:#555}.decision{font-weight:700;padding:2px 8px;border-radius:4px}
.GO{background:#dff5e1;color:#17631f}.NO-GO{background:#fde2e1;color:#a61b14}.UNDECIDED,.NO-GATE{background:#fff4d6;color:#7a5b00}
svg.chart{display:block;margin:6px 0 14px;font-size:11px}
.grid{stroke:#eee}.axis{stroke:#888}.tick,.label,.value,.note,.axis-title{fill:#444}
.bar.failed{opacity:.45}.errbar line{stroke:#222;stroke-width:1.3}
.threshold{stroke:#c00;stroke-dasharray:6 4;stroke-width:1.5}.threshold-label{fill:#c00}
polyline{stroke-width:2}.history-point.regression{stroke:#c00;stroke-width:3}.history-point.improvement{stroke:#2a2;stroke-width:3}
table{border-collapse:collapse;margin:6px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}th{background:#f6f6f6}
`;

export function renderHtml(current: ResultsFile, history: ResultsFile[]): string {
  const toolIds = [...new Set(current.scenarios.flatMap((s) => s.tools.map((t) => t.tool)))];
  const labels = Object.fromEntries(current.scenarios.flatMap((s) => s.tools.map((t) => [t.tool, t.label])));
  const decision = current.decision?.decision ?? (current.interrupted ? "UNDECIDED" : "NO-GATE");
  const e = current.environment;
  const body: string[] = [];
  body.push(`<h1>mirrorbench — ${esc(current.startedAt)}</h1>`);
  body.push(`<p class="meta">Host ${esc(current.host.id)} · ${esc(e.os)} · ${esc(e.cpuModel)}, ${e.cores} cores · config ${esc(current.invocation?.configFile ?? "")}</p>`);
  body.push(`<p>Decision: <span class="decision ${esc(decision)}">${esc(decision)}</span>${current.interrupted ? " (interrupted)" : ""}</p>`);
  body.push(`<h2>Scenarios</h2><p class="meta">Bars: mean wall time per tool; error bars: ±1 sample standard deviation (σ) of the measured runs; dashed red line: the gate's limit, baseline mean × max_time_ratio.</p>`);
  for (const s of current.scenarios) {
    body.push(`<section class="scenario" data-scenario="${esc(s.name)}"><h3>${esc(s.name)}</h3>`);
    const verdicts = s.verdicts.map((v) => `${esc(v.candidate)} vs ${esc(v.baseline)}: <b>${esc(v.verdict)}</b>${v.timeRatio ? ` (time ratio ${v.timeRatio.estimate.toFixed(3)})` : ""}${v.reasons.length ? ` — ${esc(v.reasons.join("; "))}` : ""}`);
    body.push(`<p class="meta">${esc(s.workload.kind)}, ${s.workload.files} files, cache ${esc(s.cache)}${verdicts.length ? `<br>${verdicts.join("<br>")}` : ""}</p>`);
    body.push(barChart(s, toolIds));
    body.push(`</section>`);
  }
  const sweeps = sweepCharts(current, toolIds, labels);
  if (sweeps.length) body.push(`<h2>Sweeps</h2>`, ...sweeps);
  const hist = historyCharts(current, history, toolIds, labels);
  if (hist.length) {
    body.push(
      `<h2>History</h2><p class="meta">Mean time per results file of this host. A thick red ring marks a regression (outside the ${REGRESSION_DEFAULTS.confidence * 100}% prediction interval of the up to ${REGRESSION_DEFAULTS.window} earlier points and more than ${REGRESSION_DEFAULTS.minChange * 100}% slower than their mean, with at least ${REGRESSION_DEFAULTS.minHistory} earlier points); a green ring an improvement.</p>`,
      ...hist,
    );
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>mirrorbench ${esc(current.startedAt)} ${esc(current.host.id)}</title>
<style>${CSS}</style></head>
<body>
${body.join("\n")}
</body></html>
`;
}
