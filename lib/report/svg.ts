// Inline SVG for the HTML report: elements, scales and ticks, and a layout model of every text box so labels never collide.

import { displayWidth, truncateToWidth } from "../text";

export const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const f1 = (x: number) => (Math.round(x * 10) / 10).toString();

/** A text's rectangle as the layout model places it (x, y = top left), in SVG user units. */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
  text: string;
}

export const FONT_PX = 11;
/**
 * Width of one display column of the report's sans-serif font, as a fraction of the font size.
 * System sans fonts average ~0.55 em for digits and lower case; 0.62 also covers capitals and
 * symbols, so the model errs wide and the headless-Chromium test checks the real boxes.
 */
const EM_PER_COL = 0.62;

export function textWidth(s: string, px = FONT_PX): number {
  return displayWidth(s) * EM_PER_COL * px;
}

/** s cut (with "…") to fit `px` units of width in the model's font. */
export function fitText(s: string, widthPx: number, px = FONT_PX): string {
  return truncateToWidth(s, Math.floor(widthPx / (EM_PER_COL * px)));
}

export type Anchor = "start" | "middle" | "end";

/** One chart: SVG markup plus the box of every text in it (see overlaps()). */
export class Svg {
  readonly parts: string[] = [];
  readonly boxes: Box[] = [];
  constructor(
    readonly w: number,
    readonly h: number,
    readonly attrs: string,
  ) {}

  /** Text centred vertically on y; its box joins the layout model. */
  text(x: number, y: number, s: string, o: { anchor?: Anchor; px?: number; cls?: string; fill?: string; title?: string } = {}): Box {
    const px = o.px ?? FONT_PX;
    const w = textWidth(s, px);
    const anchor = o.anchor ?? "start";
    const left = anchor === "start" ? x : anchor === "middle" ? x - w / 2 : x - w;
    const box = { x: left, y: y - px * 0.6, w, h: px * 1.2, text: s };
    this.boxes.push(box);
    const size = px === FONT_PX ? "" : ` font-size="${px}"`;
    const fill = o.fill ? ` fill="${o.fill}"` : "";
    const title = o.title ? `<title>${esc(o.title)}</title>` : "";
    this.parts.push(`<text class="${o.cls ?? "t"}" x="${f1(x)}" y="${f1(y)}" text-anchor="${anchor}" dominant-baseline="central"${size}${fill}>${title}${esc(s)}</text>`);
    return box;
  }

  raw(s: string): void {
    this.parts.push(s);
  }

  line(x1: number, y1: number, x2: number, y2: number, cls: string, extra = ""): void {
    this.parts.push(`<line class="${cls}" x1="${f1(x1)}" y1="${f1(y1)}" x2="${f1(x2)}" y2="${f1(y2)}"${extra}/>`);
  }

  toString(): string {
    return `<svg ${this.attrs} viewBox="0 0 ${this.w} ${this.h}" width="${this.w}" height="${this.h}" role="img">\n${this.parts.join("\n")}\n</svg>`;
  }
}

export const attr = (name: string, v: string | number) => ` ${name}="${esc(String(v))}"`;
export const num = f1;

/** Pairs of boxes that overlap by more than `slack` units each way, and boxes outside [0, w] × [0, h]. */
export function overlaps(boxes: readonly Box[], w: number, h: number, slack = 0.5): string[] {
  const out: string[] = [];
  for (const b of boxes) if (b.x < -slack || b.y < -slack || b.x + b.w > w + slack || b.y + b.h > h + slack) out.push(`"${b.text}" outside the chart`);
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i]!;
      const b = boxes[j]!;
      const dx = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
      const dy = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
      if (dx > slack && dy > slack) out.push(`"${a.text}" overlaps "${b.text}"`);
    }
  }
  return out;
}

// ---- scales and ticks ----------------------------------------------------------------------

const trim = (v: number) => String(Number(v.toPrecision(4)));

/** A tick label for a duration: "0", "500 µs", "250 ms", "1.5 s". */
export function durationTick(ns: number): string {
  if (ns === 0) return "0";
  if (ns < 1e6) return `${trim(ns / 1e3)} µs`;
  if (ns < 1e9) return `${trim(ns / 1e6)} ms`;
  return `${trim(ns / 1e9)} s`;
}

const BYTE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

/** The binary unit an axis up to `max` bytes counts in (1024^k). */
export function byteUnit(max: number): number {
  let k = 0;
  while (max >= 1024 ** (k + 1) && k < BYTE_UNITS.length - 1) k++;
  return 1024 ** k;
}

/** A tick label for a size: "0", "512 KiB", "1.5 MiB". */
export function bytesTick(b: number): string {
  if (b === 0) return "0";
  const u = byteUnit(b);
  return `${trim(b / u)} ${BYTE_UNITS[Math.round(Math.log(u) / Math.log(1024))]}`;
}

export interface Scale {
  (v: number): number;
  ticks: number[];
  log: boolean;
}

/** 1, 2, 5 × 10^k steps from 0 (or lo) to at least hi, about `count` of them. */
export function niceTicks(lo: number, hi: number, count: number): number[] {
  if (!(hi > lo)) return [lo, lo + 1];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.floor(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  if (out.at(-1)! < hi) out.push(Number((out.at(-1)! + step).toPrecision(12)));
  return out;
}

/** Powers of ten (and 2, 5 × when few) covering [lo, hi]. */
export function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  const first = Math.floor(Math.log10(lo));
  const last = Math.ceil(Math.log10(hi));
  const mults = last - first <= 2 ? [1, 2, 5] : [1];
  for (let k = first; k <= last; k++) for (const m of mults) out.push(m * 10 ** k);
  const lowest = out.filter((t) => t <= lo).at(-1) ?? out[0]!;
  const highest = out.find((t) => t >= hi) ?? out.at(-1)!;
  return out.filter((t) => t >= lowest && t <= highest);
}

/** A linear (from `zero ? 0 : lo`) or log scale onto [a, b]; log when asked and the data are positive. */
export function scale(values: readonly number[], a: number, b: number, o: { log?: boolean; zero?: boolean; count?: number; unit?: number } = {}): Scale {
  const vs = values.filter((v) => Number.isFinite(v));
  let lo = vs.length ? Math.min(...vs) : 0;
  let hi = vs.length ? Math.max(...vs) : 1;
  const log = Boolean(o.log) && lo > 0;
  let ticks: number[];
  if (log) {
    ticks = logTicks(lo, hi);
    [lo, hi] = [ticks[0]!, ticks.at(-1)!];
  } else {
    if (o.zero !== false) lo = Math.min(0, lo);
    if (hi === lo) hi = lo + (Math.abs(lo) || 1);
    // Round steps in the axis's own unit (1 MiB, not 1,000,000 bytes).
    const u = o.unit ?? 1;
    ticks = niceTicks(lo / u, hi / u, o.count ?? 6).map((t) => t * u);
    [lo, hi] = [ticks[0]!, ticks.at(-1)!];
  }
  const f = ((v: number) => (log ? a + ((Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (b - a) : a + ((v - lo) / (hi - lo)) * (b - a))) as Scale;
  f.ticks = ticks;
  f.log = log;
  return f;
}

/** Tick values whose labels, centred on their position, leave `gap` units between neighbours; first and last kept. */
export function spacedTicks(ticks: readonly number[], pos: (v: number) => number, label: (v: number) => string, gap = 8): number[] {
  const half = (v: number) => textWidth(label(v)) / 2;
  const kept: number[] = [];
  for (const t of ticks) {
    const prev = kept.at(-1);
    if (prev === undefined || pos(t) - half(t) >= pos(prev) + half(prev) + gap) kept.push(t);
  }
  const last = ticks.at(-1);
  if (last !== undefined && kept.at(-1) !== last) {
    // The last value matters most (the biggest size, the newest result): it replaces whichever neighbour it would hit.
    while (kept.length && pos(last) - half(last) < pos(kept.at(-1)!) + half(kept.at(-1)!) + gap) kept.pop();
    kept.push(last);
  }
  return kept;
}
