// HTML report: one scenario's runs as a strip chart per tool (every run a point, mean and median marked, min–max),
// with the gate's limit drawn across the gated candidates only. Used for wall time and for peak memory.

import { attr, esc, fitText, num, scale, spacedTicks, Svg, textWidth } from "./svg";

export interface StripRow {
  tool: string;
  label: string;
  /** "baseline", "candidate", "not gated". */
  role: string;
  color: string;
  /** One value per measured run (ns or bytes), in run order. */
  values: number[];
  /** Hover text per value. */
  titles: string[];
  mean: number | null;
  median: number | null;
  /** Shown instead of points ("skipped: not installed"). */
  note: string | null;
  /** The limit applies to this row (a gated candidate). */
  gated: boolean;
  failed: boolean;
}

export interface StripSpec {
  /** "time" or "memory": CSS class and data-kind. */
  kind: string;
  scenario: string;
  rows: StripRow[];
  limit: { value: number; label: string } | null;
  fmt: (v: number) => string;
  /** Axis tick labels (round numbers need fewer digits than figures). */
  tickFmt: (v: number) => string;
  /** The unit ticks step in (1024^k for bytes); 1 by default. */
  unit?: number;
  axisTitle: string;
  /** Which of mean / median the right-hand figure quotes first (the one the gate uses). */
  gateStat: "mean" | "median";
}

export const CHART_W = 1000;
const ROW_H = 34;
const TOP = 26;
const BOTTOM = 40;
const RIGHT = 240;

export function stripChart(spec: StripSpec): Svg {
  const labelW = Math.min(220, Math.max(90, ...spec.rows.map((r) => textWidth(r.label) + 14)));
  const left = labelW;
  const right = CHART_W - RIGHT;
  const h = TOP + spec.rows.length * ROW_H + BOTTOM;
  const all = spec.rows.flatMap((r) => r.values);
  // 3 % of room past the largest value, so the last point or limit is never drawn on the edge.
  const x = scale([...all.map((v) => v * 1.03), ...(spec.limit ? [spec.limit.value * 1.03] : [])], left, right, { zero: true, count: 7, unit: spec.unit });
  const svg = new Svg(CHART_W, h, `class="chart strip ${esc(spec.kind)}"${attr("data-scenario", spec.scenario)}${attr("data-kind", spec.kind)}`);
  const plotBottom = TOP + spec.rows.length * ROW_H;

  for (const t of x.ticks) svg.line(x(t), TOP, x(t), plotBottom, "grid");
  svg.line(left, plotBottom, right, plotBottom, "axis");
  for (const t of spacedTicks(x.ticks, x, spec.tickFmt)) svg.text(x(t), plotBottom + 10, spec.tickFmt(t), { anchor: "middle", cls: "tick" });
  svg.text((left + right) / 2, plotBottom + 28, spec.axisTitle, { anchor: "middle", cls: "axis-title" });

  spec.rows.forEach((r, i) => {
    const top = TOP + i * ROW_H;
    const cy = top + ROW_H / 2;
    if (i % 2 === 1) svg.raw(`<rect class="band-row" x="${left}" y="${top}" width="${right - left}" height="${ROW_H}"/>`);
    svg.text(left - 10, r.role ? cy - 6 : cy, fitText(r.label, labelW - 14), { anchor: "end", cls: "label", title: r.label });
    if (r.role) svg.text(left - 10, cy + 7, r.role, { anchor: "end", cls: "role", px: 9 });
    const series = `${spec.scenario}/${r.tool}`;
    if (r.note || !r.values.length) {
      svg.text(left + 8, cy, fitText(r.note ?? "no measured run", right - left - 16), { cls: "note", title: r.note ?? undefined });
      return;
    }
    const lo = Math.min(...r.values);
    const hi = Math.max(...r.values);
    svg.line(x(lo), cy, x(hi), cy, "range", ` stroke="${r.color}"${attr("data-series", series)}`);
    r.values.forEach((v, k) => {
      // A fixed small vertical spread so equal runs stay visible as several points.
      const dy = ((k % 5) - 2) * 2.5;
      svg.raw(`<circle class="run${r.failed ? " failed" : ""}"${attr("data-series", series)} cx="${num(x(v))}" cy="${num(cy + dy)}" r="3.6" fill="${r.color}"><title>${esc(r.titles[k] ?? spec.fmt(v))}</title></circle>`);
    });
    if (r.mean !== null) {
      svg.raw(`<line class="mean"${attr("data-series", series)}${attr("data-value", Math.round(r.mean))} x1="${num(x(r.mean))}" x2="${num(x(r.mean))}" y1="${cy - 10}" y2="${cy + 10}"><title>${esc(`mean ${spec.fmt(r.mean)}`)}</title></line>`);
    }
    if (r.median !== null) {
      const mx = x(r.median);
      svg.raw(`<path class="median"${attr("data-series", series)} d="M${num(mx)} ${cy - 6}l5 6-5 6-5-6z"><title>${esc(`median ${spec.fmt(r.median)}`)}</title></path>`);
    }
    const first = spec.gateStat === "mean" ? r.mean : r.median;
    const second = spec.gateStat === "mean" ? r.median : r.mean;
    const figure = first === null ? "" : `${spec.gateStat} ${spec.fmt(first)}${second === null ? "" : ` · ${spec.gateStat === "mean" ? "median" : "mean"} ${spec.fmt(second)}`}`;
    if (figure) svg.text(right + 12, cy, fitText(figure, RIGHT - 16), { cls: "figure", title: figure });
    if (spec.limit && r.gated) {
      const lx = x(spec.limit.value);
      svg.raw(`<line class="limit"${attr("data-scenario", spec.scenario)}${attr("data-tool", r.tool)}${attr("data-limit", Math.round(spec.limit.value))} x1="${num(lx)}" x2="${num(lx)}" y1="${top + 2}" y2="${top + ROW_H - 2}"><title>${esc(spec.limit.label)}</title></line>`);
    }
  });
  if (spec.limit && spec.rows.some((r) => r.gated)) {
    const lx = x(spec.limit.value);
    const w = textWidth(spec.limit.label);
    // In its own lane above the rows; anchored so it stays inside the plot whatever side the limit falls on.
    const anchor = lx + w / 2 > right ? "end" : lx - w / 2 < left ? "start" : "middle";
    svg.text(anchor === "end" ? Math.min(lx, right) : anchor === "start" ? Math.max(lx, left) : lx, TOP / 2, spec.limit.label, { anchor, cls: "limit-label" });
  }
  return svg;
}
