// A flame graph as one self-contained SVG (no scripts, no fonts or links fetched): folded stacks in, markup out, deterministic.

import type { Folded } from "./stacks";

export interface FlameGraphOptions {
  title: string;
  /** One line under the title: what was profiled and how (tool, scenario, sampling). */
  subtitle: string;
  widthPx?: number;
  frameHeightPx?: number;
  /** Frames narrower than this are left out (their samples still count in their parents' width). */
  minWidthPx?: number;
}

interface Node {
  name: string;
  samples: number;
  children: Map<string, Node>;
}

const FONT_PX = 12;
/** Average glyph width of the sans-serif stack at 12 px, for cutting labels to their rectangle. */
const CHAR_PX = 7;
const PAD_TOP_PX = 52;
const PAD_BOTTOM_PX = 24;
const PAD_SIDE_PX = 10;

function tree(f: Folded): Node {
  const root: Node = { name: "all", samples: 0, children: new Map() };
  for (const s of f.stacks) {
    root.samples += s.samples;
    let at = root;
    for (const fr of s.frames) {
      let next = at.children.get(fr);
      if (!next) at.children.set(fr, (next = { name: fr, samples: 0, children: new Map() }));
      next.samples += s.samples;
      at = next;
    }
  }
  return root;
}

function depthOf(n: Node): number {
  let d = 0;
  for (const c of n.children.values()) d = Math.max(d, depthOf(c));
  return d + 1;
}

/** FNV-1a of the name: the same frame gets the same colour in every graph, run after run. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** Warm colours for user-space frames, blue for kernel frames ("_[k]"), grey for unknown ones. */
export function frameColor(name: string): string {
  const h = hash(name);
  const a = (h & 0xff) / 255, b = ((h >>> 8) & 0xff) / 255, c = ((h >>> 16) & 0xff) / 255;
  if (name === "all") return "rgb(200,200,200)";
  if (name.startsWith("[unknown]") || name === "[no stack]") return `rgb(${160 + Math.round(40 * a)},${160 + Math.round(40 * a)},${160 + Math.round(40 * a)})`;
  if (name.endsWith("_[k]")) return `rgb(${60 + Math.round(60 * a)},${140 + Math.round(60 * b)},${200 + Math.round(55 * c)})`;
  return `rgb(${205 + Math.round(50 * a)},${Math.round(230 * b)},${Math.round(55 * c)})`;
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}

function fit(label: string, widthPx: number): string {
  const room = Math.floor((widthPx - 6) / CHAR_PX);
  if (room < 3) return "";
  return label.length <= room ? label : `${label.slice(0, room - 2)}..`;
}

const px = (v: number) => v.toFixed(2);

/**
 * Renders folded stacks as a flame graph: the root ("all") at the bottom, each frame as wide as its share of the
 * samples, children in name order (so equal stacks merge, as in flamegraph.pl). Hovering a frame shows its
 * <title>: name, samples and share. Same input and options → byte-identical SVG.
 */
export function renderFlameGraph(f: Folded, o: FlameGraphOptions): string {
  const width = o.widthPx ?? 1200;
  const frameH = o.frameHeightPx ?? 16;
  const minW = o.minWidthPx ?? 0.1;
  const root = tree(f);
  const depth = root.samples ? depthOf(root) : 1;
  const height = PAD_TOP_PX + depth * frameH + PAD_BOTTOM_PX;
  const plotW = width - 2 * PAD_SIDE_PX;
  const total = Math.max(root.samples, 1);
  const out: string[] = [];
  out.push(
    `<?xml version="1.0" encoding="UTF-8" standalone="no"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<title>${escapeXml(o.title)}</title>`,
    `<style>text{font-family:Verdana,"DejaVu Sans",sans-serif;font-size:${FONT_PX}px;fill:#000}` +
      `.t{font-size:17px;text-anchor:middle}.s{fill:#444;text-anchor:middle}rect{stroke:#fff;stroke-width:0.5}` +
      `g:hover rect{stroke:#000;stroke-width:1}</style>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#f8f8f0" stroke="none"/>`,
    `<text class="t" x="${width / 2}" y="22">${escapeXml(o.title)}</text>`,
    `<text class="s" x="${width / 2}" y="40">${escapeXml(o.subtitle)}</text>`,
  );
  if (!root.samples) {
    out.push(`<text class="s" x="${width / 2}" y="${PAD_TOP_PX + frameH}">no samples</text>`, `</svg>`);
    return out.join("\n") + "\n";
  }
  const draw = (n: Node, x: number, level: number) => {
    const w = (n.samples / total) * plotW;
    if (w < minW) return;
    const y = PAD_TOP_PX + (depth - 1 - level) * frameH;
    const share = ((100 * n.samples) / total).toFixed(2);
    const label = fit(n.name, w);
    out.push(
      `<g><title>${escapeXml(n.name)} (${n.samples} samples, ${share}%)</title>` +
        `<rect x="${px(x)}" y="${y}" width="${px(w)}" height="${frameH - 1}" fill="${frameColor(n.name)}" rx="2" ry="2"/>` +
        (label ? `<text x="${px(x + 3)}" y="${y + frameH - 5}">${escapeXml(label)}</text>` : "") +
        `</g>`,
    );
    let cx = x;
    for (const name of [...n.children.keys()].sort()) {
      const c = n.children.get(name)!;
      draw(c, cx, level + 1);
      cx += (c.samples / total) * plotW;
    }
  };
  draw(root, PAD_SIDE_PX, 0);
  out.push(
    `<text x="${PAD_SIDE_PX}" y="${height - 8}">${root.samples} samples; width = share of samples; ` +
      `warm = user space, blue = kernel, grey = unknown</text>`,
    `</svg>`,
  );
  return out.join("\n") + "\n";
}
