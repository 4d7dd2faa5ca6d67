// The distribution picture under a scenario's table: one box-plot line per tool on a shared time axis.
//
// Not mitata's renderer: its boxplot lives in the untyped internal `$` object of mitata/src/main.mjs,
// marks the mean rather than the median, clips the whisker at p99 and takes three lines per tool.
// Here: whiskers at min and max (every sample is kept, so a stray run shows), box p25–p75, median mark.

import { styleText } from "node:util";
import type { ScenarioResult } from "../analyze/scenario";
import { DEFAULTS } from "../defaults";
import { percentile } from "../analyze/summary";
import { completedWallTimesNs } from "../analyze/tool-stats";
import { displayWidth, padToWidth, truncateToWidth } from "../text";

export interface DistributionRow {
  label: string;
  samplesNs: number[];
}

export interface DistributionOptions {
  /** Columns of the plot itself, not counting the label (default: what widthCols leaves, at most DEFAULTS.boxplotWidth). */
  width?: number;
  /** The console's width: label, gap and plot together never exceed it. */
  widthCols?: number;
  color?: boolean;
}

export const DEFAULT_WIDTH = DEFAULTS.boxplotWidth;
const MIN_WIDTH = 12;
const GAP = "  ";

/** Glyphs by precedence when markers share a column: median over min/max over box over whisker. */
export const GLYPH = { median: "┃", min: "├", max: "┤", box: "▒", whisker: "─" } as const;
type Kind = keyof typeof GLYPH | "blank";
type Format = Parameters<typeof styleText>[0];
const PAINT: Record<Kind, Format | null> = { median: ["bold", "yellow"], min: "gray", max: "gray", box: "cyan", whisker: "gray", blank: null };

export interface AxisUnit {
  name: "ns" | "µs" | "ms" | "s";
  ns: number;
  decimals: number;
}

/** The unit the axis is labelled in: the largest that keeps the top value ≥ 1 (seconds with 3 decimals, as in the log). */
export function axisUnit(maxNs: number): AxisUnit {
  if (maxNs >= 1e9) return { name: "s", ns: 1e9, decimals: 3 };
  if (maxNs >= 1e6) return { name: "ms", ns: 1e6, decimals: 2 };
  if (maxNs >= 1e3) return { name: "µs", ns: 1e3, decimals: 2 };
  return { name: "ns", ns: 1, decimals: 0 };
}

function paintRun(kind: Kind, text: string, color: boolean): string {
  const format = PAINT[kind];
  // mirrorbench decides colour itself (a terminal, NO_COLOR): styleText must not check the stream again.
  return color && format ? styleText(format, text, { validateStream: false }) : text;
}

/** Lines: one per row, then the axis labels, then a legend. Empty when no row has a finite sample. */
export function renderDistribution(rows: DistributionRow[], opts: DistributionOptions = {}): string[] {
  const color = Boolean(opts.color);
  const clean = rows.map((r) => ({ label: r.label, xs: r.samplesNs.filter(Number.isFinite) }));
  const labelCols = Math.max(0, ...clean.map((r) => displayWidth(r.label)));
  const room = opts.widthCols === undefined ? DEFAULT_WIDTH : opts.widthCols - labelCols - GAP.length;
  // Too narrow for a readable picture: none (the table above has the numbers).
  if (opts.width === undefined && room < MIN_WIDTH) return [];
  const width = Math.max(MIN_WIDTH, Math.floor(opts.width ?? Math.min(DEFAULT_WIDTH, room)));
  const all = clean.flatMap((r) => r.xs);
  if (!all.length) return [];
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const col = (x: number) => (hi === lo ? Math.floor((width - 1) / 2) : Math.round(((x - lo) / (hi - lo)) * (width - 1)));
  const indent = " ".repeat(labelCols) + GAP;

  const lines: string[] = [];
  for (const r of clean) {
    const head = padToWidth(r.label, labelCols) + GAP;
    if (!r.xs.length) {
      lines.push(head + "(no completed runs)");
      continue;
    }
    const [cMin, c25, c50, c75, cMax] = [0, 0.25, 0.5, 0.75, 1].map((q) => col(percentile(r.xs, q))) as [number, number, number, number, number];
    const kinds: Kind[] = new Array(width).fill("blank");
    for (let c = cMin; c <= cMax; c++) kinds[c] = "whisker";
    for (let c = c25; c <= c75; c++) kinds[c] = "box";
    kinds[cMin] = "min";
    kinds[cMax] = "max";
    kinds[c50] = "median";
    const used = kinds.slice(0, cMax + 1);
    let body = "";
    for (let c = 0; c < used.length; ) {
      let e = c;
      while (e < used.length && used[e] === used[c]) e++;
      const k = used[c]!;
      body += paintRun(k, k === "blank" ? " ".repeat(e - c) : GLYPH[k].repeat(e - c), color);
      c = e;
    }
    lines.push(head + body);
  }

  const unit = axisUnit(hi);
  const fmt = (ns: number) => `${(ns / unit.ns).toFixed(unit.decimals)} ${unit.name}`;
  let axis: string;
  if (hi === lo) {
    const l = fmt(lo);
    axis = " ".repeat(Math.max(0, Math.floor((width - 1) / 2) - Math.floor(l.length / 2))) + l;
  } else {
    const left = fmt(lo);
    const right = fmt(hi);
    const mid = fmt((lo + hi) / 2);
    const cells = new Array(width).fill(" ");
    cells.splice(0, left.length, ...left);
    const rStart = Math.max(left.length + 1, width - right.length);
    const midStart = Math.floor((width - 1) / 2) - Math.floor(mid.length / 2);
    if (midStart >= left.length + 2 && midStart + mid.length + 2 <= rStart) cells.splice(midStart, mid.length, ...mid);
    axis = cells.slice(0, rStart).join("") + right;
  }
  lines.push(indent + paintRun("whisker", opts.widthCols === undefined ? axis : truncateToWidth(axis, opts.widthCols - indent.length), color));
  const legend = `${GLYPH.min}${GLYPH.whisker}${GLYPH.max} min–max  ${GLYPH.box} p25–p75  ${GLYPH.median} median`;
  lines.push(indent + paintRun("whisker", truncateToWidth(legend, Math.max(width, (opts.widthCols ?? 0) - indent.length)), color));
  return lines;
}

/** Each tool's measured, completed runs of one scenario; what the console summary draws under its table. */
export function scenarioDistribution(sr: ScenarioResult, opts: DistributionOptions = {}): string[] {
  const rows: DistributionRow[] = sr.tools
    .filter((t) => t.state !== "skipped")
    .map((t) => ({
      label: t.label,
      samplesNs: completedWallTimesNs(sr.runs, t.tool),
    }));
  return renderDistribution(rows, opts);
}
