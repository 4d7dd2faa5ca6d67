// HTML report: a line chart on a numeric or per-file x axis, with optional min–max bars and shaded bands (sweeps, history).

import { attr, esc, fitText, FONT_PX, num, scale, spacedTicks, Svg, textWidth } from "./svg";
import { CHART_W } from "./chart-strip";

export interface LinePoint {
  x: number;
  y: number;
  /** Whisker from lo to hi (min and max of the runs), drawn when both are given. */
  lo?: number;
  hi?: number;
  title: string;
  /** Extra class, e.g. "regression". */
  cls?: string;
}

export interface LineSeries {
  id: string;
  label: string;
  color: string;
  points: LinePoint[];
}

export interface Band {
  id: string;
  color: string;
  title: string;
  points: { x: number; lo: number; hi: number }[];
}

export interface LineSpec {
  cls: string;
  key: string;
  series: LineSeries[];
  bands?: Band[];
  /** Where x ticks go and what they say (sweep values, result dates). */
  xTicks: { x: number; label: string }[];
  xLog?: boolean;
  xTitle: string;
  yTitle: string;
  yFmt: (v: number) => string;
  yLog?: boolean;
  /** y axis from 0 (amounts) or from near the data (a history's trend). */
  yZero?: boolean;
  h?: number;
}

const LEFT = 84;
const RIGHT = 190;
const TOP = 14;
const BOTTOM = 44;

export function lineChart(spec: LineSpec): Svg {
  const h = spec.h ?? 260;
  const right = CHART_W - RIGHT;
  const pts = spec.series.flatMap((s) => s.points);
  const xs = [...pts.map((p) => p.x), ...spec.xTicks.map((t) => t.x)];
  const ys = [...pts.flatMap((p) => [p.y, p.lo ?? p.y, p.hi ?? p.y]), ...(spec.bands ?? []).flatMap((b) => b.points.flatMap((p) => [p.lo, p.hi]))];
  const xLo = Math.min(...xs);
  const xHi = Math.max(...xs);
  // Half a step of room at each end so the first and last labels are not cut.
  const pad = (right - LEFT) * 0.05;
  const xScale = xHi === xLo
    ? () => (LEFT + right) / 2
    : spec.xLog
      ? (v: number) => LEFT + pad + ((Math.log10(v) - Math.log10(xLo)) / (Math.log10(xHi) - Math.log10(xLo))) * (right - LEFT - 2 * pad)
      : (v: number) => LEFT + pad + ((v - xLo) / (xHi - xLo)) * (right - LEFT - 2 * pad);
  const ySpan = ys.length ? Math.max(...ys) - Math.min(...ys) : 1;
  // Times and sizes are never negative: the padding below the data stops at 0.
  const yVals = spec.yZero === false ? [Math.max(Math.min(0, ...ys), Math.min(...ys) - ySpan * 0.15), Math.max(...ys) + ySpan * 0.15] : ys;
  const y = scale(yVals, h - BOTTOM, TOP, { log: spec.yLog, zero: spec.yZero !== false, count: Math.max(3, Math.floor((h - TOP - BOTTOM) / 40)) });
  const svg = new Svg(CHART_W, h, `class="chart line ${esc(spec.cls)}"${attr("data-key", spec.key)}`);

  for (const t of y.ticks) {
    svg.line(LEFT, y(t), right, y(t), "grid");
    svg.text(LEFT - 6, y(t), t === 0 ? "0" : spec.yFmt(t), { anchor: "end", cls: "tick" });
  }
  svg.line(LEFT, TOP, LEFT, h - BOTTOM, "axis");
  svg.line(LEFT, h - BOTTOM, right, h - BOTTOM, "axis");
  const byX = new Map(spec.xTicks.map((t) => [t.x, t.label]));
  for (const t of spacedTicks(spec.xTicks.map((t) => t.x), xScale, (v) => byX.get(v) ?? "")) {
    svg.line(xScale(t), h - BOTTOM, xScale(t), h - BOTTOM + 4, "axis");
    svg.text(xScale(t), h - BOTTOM + 12, byX.get(t)!, { anchor: "middle", cls: "tick" });
  }
  svg.text((LEFT + right) / 2, h - 12, spec.xTitle, { anchor: "middle", cls: "axis-title" });
  const midY = (TOP + h - BOTTOM) / 2;
  svg.raw(`<text class="axis-title" transform="translate(14 ${num(midY)}) rotate(-90)" text-anchor="middle" dominant-baseline="central">${esc(spec.yTitle)}</text>`);
  const titleW = textWidth(spec.yTitle);
  svg.boxes.push({ x: 14 - FONT_PX * 0.6, y: midY - titleW / 2, w: FONT_PX * 1.2, h: titleW, text: spec.yTitle });

  for (const b of spec.bands ?? []) {
    if (b.points.length < 1) continue;
    const upper = b.points.map((p) => `${num(xScale(p.x))},${num(y(p.hi))}`);
    const lower = [...b.points].reverse().map((p) => `${num(xScale(p.x))},${num(y(p.lo))}`);
    // A single point's band is a short bar either side of it.
    const shape = b.points.length === 1 ? [`${num(xScale(b.points[0]!.x) - 6)},${num(y(b.points[0]!.hi))}`, `${num(xScale(b.points[0]!.x) + 6)},${num(y(b.points[0]!.hi))}`, `${num(xScale(b.points[0]!.x) + 6)},${num(y(b.points[0]!.lo))}`, `${num(xScale(b.points[0]!.x) - 6)},${num(y(b.points[0]!.lo))}`] : [...upper, ...lower];
    svg.raw(`<polygon class="band"${attr("data-series", b.id)} points="${shape.join(" ")}" fill="${b.color}"><title>${esc(b.title)}</title></polygon>`);
  }
  spec.series.forEach((s, si) => {
    const sorted = [...s.points].sort((a, b) => a.x - b.x);
    svg.raw(`<polyline class="${esc(spec.cls)}-line"${attr("data-series", s.id)} points="${sorted.map((p) => `${num(xScale(p.x))},${num(y(p.y))}`).join(" ")}" fill="none" stroke="${s.color}"/>`);
    for (const p of sorted) {
      if (p.lo !== undefined && p.hi !== undefined) svg.line(xScale(p.x), y(p.lo), xScale(p.x), y(p.hi), "whisker", ` stroke="${s.color}"`);
      svg.raw(`<circle class="${esc(spec.cls)}-point${p.cls ? ` ${p.cls}` : ""}"${attr("data-series", s.id)} cx="${num(xScale(p.x))}" cy="${num(y(p.y))}" r="${p.cls ? 6 : 3.5}" fill="${s.color}"><title>${esc(p.title)}</title></circle>`);
    }
    const ly = TOP + 8 + si * 17;
    svg.raw(`<rect x="${right + 14}" y="${ly - 5}" width="10" height="10" fill="${s.color}"/>`);
    svg.text(right + 30, ly, fitText(s.label, RIGHT - 36), { cls: "legend", title: s.label });
  });
  return svg;
}
