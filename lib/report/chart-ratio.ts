// HTML report: the gate as it decides, per candidate: the time ratio with its 95 % interval against max_time_ratio,
// and the memory ratio against max_memory_ratio, each on its own row; "within noise" when the interval straddles the limit.

import type { ResultsFile } from "../results/file";
import { attr, esc, fitText, num, scale, spacedTicks, Svg, textWidth } from "./svg";
import { CHART_W } from "./chart-strip";

interface RatioRow {
  scenario: string;
  candidate: string;
  what: "time" | "memory";
  label: string;
  estimate: number | null;
  low: number | null;
  high: number | null;
  limit: number;
  /** "pass", "fail", "noise", "none". */
  state: string;
  text: string;
}

function rowsOf(results: ResultsFile, labels: Record<string, string>): RatioRow[] {
  const out: RatioRow[] = [];
  for (const s of results.scenarios) {
    for (const v of s.verdicts) {
      const name = `${s.name} · ${labels[v.candidate] ?? v.candidate}`;
      const th = s.thresholds;
      const t = v.timeRatio;
      const tState = !t ? "none" : v.withinNoise ? "noise" : t.estimate <= th.maxTimeRatio ? "pass" : "fail";
      const interval = t && t.low !== t.high ? ` [${t.low.toFixed(3)}–${t.high.toFixed(3)}]` : "";
      out.push({
        scenario: s.name, candidate: v.candidate, what: "time", label: `${name} · time`,
        estimate: t?.estimate ?? null, low: t?.low ?? null, high: t?.high ?? null, limit: th.maxTimeRatio, state: tState,
        text: t ? `${t.estimate.toFixed(3)}${interval} ${t.estimate <= th.maxTimeRatio ? "≤" : ">"} ${th.maxTimeRatio}${v.withinNoise ? " · within noise" : ""}` : `no ratio: ${v.verdict}`,
      });
      const m = v.memoryRatio;
      out.push({
        scenario: s.name, candidate: v.candidate, what: "memory", label: `${name} · memory`,
        estimate: m, low: null, high: null, limit: th.maxMemoryRatio, state: m === null ? "none" : m <= th.maxMemoryRatio ? "pass" : "fail",
        text: m === null ? "memory not measured" : `${m.toFixed(3)} ${m <= th.maxMemoryRatio ? "≤" : ">"} ${th.maxMemoryRatio}`,
      });
    }
  }
  return out;
}

const ROW_H = 24;
const TOP = 14;
const BOTTOM = 40;
const RIGHT = 300;

/** null when no scenario has a gate. */
export function ratioChart(results: ResultsFile, labels: Record<string, string>): Svg | null {
  const rows = rowsOf(results, labels);
  if (!rows.length) return null;
  const labelW = Math.min(300, Math.max(120, ...rows.map((r) => textWidth(r.label) + 14)));
  const left = labelW;
  const right = CHART_W - RIGHT;
  const vals = rows.flatMap((r) => [r.estimate, r.low, r.high, r.limit]).filter((v): v is number => v !== null);
  const lo = Math.min(1, ...vals);
  const hi = Math.max(1, ...vals);
  // Ratios are multiplicative: past a 4× spread a log axis keeps 0.5× and 2× equally far from 1.
  const x = scale([lo * 0.95, hi * 1.05], left, right, { log: hi / lo > 4, zero: false, count: 8 });
  const h = TOP + rows.length * ROW_H + BOTTOM;
  const svg = new Svg(CHART_W, h, `class="chart gate"`);
  const bottom = TOP + rows.length * ROW_H;
  const fmt = (v: number) => `${Number(v.toPrecision(3))}×`;
  for (const t of x.ticks) svg.line(x(t), TOP, x(t), bottom, "grid");
  svg.line(x(1), TOP - 4, x(1), bottom, "unity");
  svg.line(left, bottom, right, bottom, "axis");
  for (const t of spacedTicks(x.ticks, x, fmt)) svg.text(x(t), bottom + 10, fmt(t), { anchor: "middle", cls: "tick" });
  svg.text((left + right) / 2, bottom + 28, `candidate ÷ baseline${x.log ? " (log scale)" : ""}; 1× = as fast / as small as the baseline`, { anchor: "middle", cls: "axis-title" });
  rows.forEach((r, i) => {
    const top = TOP + i * ROW_H;
    const cy = top + ROW_H / 2;
    if (r.what === "time" && i > 0) svg.line(0, top, CHART_W, top, "sep");
    const data = `${attr("data-scenario", r.scenario)}${attr("data-candidate", r.candidate)}${attr("data-what", r.what)}${attr("data-state", r.state)}`;
    // A long scenario name gives way first: the candidate and time/memory are what tell the rows apart.
    const room = labelW - 14 - 2 * textWidth(" · ") - textWidth(r.what);
    const cand = fitText(labels[r.candidate] ?? r.candidate, room / 2);
    const shown = textWidth(r.label) <= labelW - 14 ? r.label : `${fitText(r.scenario, room - textWidth(cand))} · ${cand} · ${r.what}`;
    svg.text(left - 10, cy, fitText(shown, labelW - 14), { anchor: "end", cls: "label", title: r.label });
    svg.raw(`<line class="limit"${data}${attr("data-limit", r.limit)} x1="${num(x(r.limit))}" x2="${num(x(r.limit))}" y1="${top + 2}" y2="${top + ROW_H - 2}"><title>${esc(`limit ${r.limit} (max_${r.what}_ratio)`)}</title></line>`);
    if (r.low !== null && r.high !== null && r.low !== r.high) {
      svg.raw(`<g class="ci ${r.state}"${data}><line x1="${num(x(r.low))}" x2="${num(x(r.high))}" y1="${cy}" y2="${cy}"/><line x1="${num(x(r.low))}" x2="${num(x(r.low))}" y1="${cy - 5}" y2="${cy + 5}"/><line x1="${num(x(r.high))}" x2="${num(x(r.high))}" y1="${cy - 5}" y2="${cy + 5}"/><title>${esc(`95% interval ${r.low.toFixed(3)}–${r.high.toFixed(3)}`)}</title></g>`);
    }
    if (r.estimate !== null) {
      svg.raw(`<circle class="estimate ${r.state}"${data}${attr("data-estimate", r.estimate)} cx="${num(x(r.estimate))}" cy="${cy}" r="4.5"><title>${esc(`${r.what} ratio ${r.estimate.toFixed(3)}`)}</title></circle>`);
    }
    svg.text(right + 12, cy, fitText(r.text, RIGHT - 16), { cls: `verdict ${r.state}`, title: r.text });
  });
  return svg;
}
