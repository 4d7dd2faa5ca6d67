// HTML report: sweeps on a labelled numeric axis (log when the values span more than 10×): time, MiB/s and files/s per tool.

import type { ResultsFile, ScenarioResult } from "../results/file";
import { formatDuration, parseByteRange } from "../units";
import { lineChart, type LineSeries } from "./chart-line";
import { durationTick, esc, type Svg } from "./svg";

const MiB = 1048576;

/** "1 MiB", "1.5 GiB", "512 B": a size as an axis label. */
export function bytesLabel(b: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = b;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number(v.toPrecision(3))} ${units[i]}`;
}

/** The swept value as a number: bytes per file for size (the measured mean for a range), the count for count. */
function xOf(s: ScenarioResult, key: string): number | null {
  const v = s.parameters[key];
  if (v === undefined) return null;
  if (key === "size") {
    const r = parseByteRange(v);
    if (!r) return null;
    return r.minBytes === r.maxBytes ? r.minBytes : s.workload.files ? s.workload.bytes / s.workload.files : null;
  }
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

const AXIS: Record<string, { title: string; label: (v: number) => string }> = {
  size: { title: "file size (bytes per file)", label: bytesLabel },
  count: { title: "file count", label: (v) => v.toLocaleString("en-US") },
};

/** The page's sweep sections: HTML strings and charts in order. */
export function sweepSections(
  current: ResultsFile,
  colorOf: (tool: string) => string,
  labels: Record<string, string>,
  /** What goes at the end of a sweep's section (its points' own charts). */
  extra: (points: ScenarioResult[]) => (string | Svg)[] = () => [],
): (string | Svg)[] {
  const groups = new Map<string, ScenarioResult[]>();
  for (const s of current.scenarios) {
    if (!Object.keys(s.parameters).length) continue;
    groups.set(s.baseName, [...(groups.get(s.baseName) ?? []), s]);
  }
  const out: (string | Svg)[] = [];
  for (const [base, ss] of groups) {
    const keys = Object.keys(ss[0]!.parameters);
    const key = keys.find((k) => new Set(ss.map((s) => s.parameters[k])).size > 1) ?? keys[0]!;
    const others = keys.filter((k) => k !== key);
    const pts = ss.map((s) => ({ s, x: xOf(s, key) })).filter((p): p is { s: ScenarioResult; x: number } => p.x !== null && p.x > 0);
    if (pts.length < 2) {
      // One point (or values that are not numbers) draws no line; its runs still belong on the page.
      out.push(`<section class="sweep" data-sweep="${esc(base)}"><h3>${esc(base)}</h3>`, ...extra(ss), `</section>`);
      continue;
    }
    const xsAll = pts.map((p) => p.x);
    const xLog = Math.max(...xsAll) / Math.min(...xsAll) > 10;
    const axis = AXIS[key] ?? { title: key, label: (v: number) => String(v) };
    const xTicks = [...new Set(xsAll)].sort((a, b) => a - b).map((x) => ({ x, label: axis.label(x) }));
    const tools = [...new Set(ss.flatMap((s) => s.tools.map((t) => t.tool)))];
    const series = (y: (s: ScenarioResult, tool: string) => { y: number; lo?: number; hi?: number; title: string } | null): LineSeries[] =>
      tools.flatMap((tool) => {
        const combos = [...new Set(pts.map((p) => others.map((k) => `${k}=${p.s.parameters[k]}`).join(", ")))];
        return combos.map((combo) => ({
          id: `${base}/${tool}${combo ? `/${combo}` : ""}`,
          label: `${labels[tool] ?? tool}${combo ? ` (${combo})` : ""}`,
          color: colorOf(tool),
          points: pts
            .filter((p) => others.map((k) => `${k}=${p.s.parameters[k]}`).join(", ") === combo)
            .flatMap((p) => {
              const v = y(p.s, tool);
              return v ? [{ x: p.x, ...v }] : [];
            }),
        })).filter((x) => x.points.length);
      });
    const stats = (s: ScenarioResult, tool: string) => {
      const t = s.tools.find((x) => x.tool === tool);
      return t && t.state === "completed" ? t.stats : null;
    };
    const at = (p: ScenarioResult) => axis.label(xOf(p, key)!);
    const time = series((s, tool) => {
      const st = stats(s, tool);
      return st ? { y: st.time.meanNs, lo: st.time.minNs, hi: st.time.maxNs, title: `${labels[tool] ?? tool} @ ${at(s)}: mean ${formatDuration(st.time.meanNs)} (min ${formatDuration(st.time.minNs)}, max ${formatDuration(st.time.maxNs)}, n=${st.time.n})` } : null;
    });
    const timeYs = time.flatMap((s) => s.points.map((p) => p.y));
    const yLog = Math.max(...timeYs) / Math.min(...timeYs) > 10;
    const xTitle = `${axis.title}${xLog ? ", log scale" : ""}`;
    out.push(`<section class="sweep" data-sweep="${esc(base)}"><h3>${esc(base)}: ${esc(key)} from ${esc(xTicks[0]!.label)} to ${esc(xTicks.at(-1)!.label)}</h3>`);
    out.push(`<p class="meta">Mean wall time per tool, the bar from the fastest to the slowest run${yLog ? "; time on a log scale" : ""}.</p>`);
    out.push(lineChart({ cls: "sweep", key: base, series: time, xTicks, xLog, xTitle, yTitle: `mean time${yLog ? " (log)" : ""}`, yFmt: durationTick, yLog }));
    const mibs = series((s, tool) => {
      const st = stats(s, tool);
      return st ? { y: s.workload.bytes / MiB / (st.time.meanNs / 1e9), title: `${labels[tool] ?? tool} @ ${at(s)}: ${(s.workload.bytes / MiB / (st.time.meanNs / 1e9)).toFixed(1)} MiB/s (${bytesLabel(s.workload.bytes)} in ${formatDuration(st.time.meanNs)})` } : null;
    });
    out.push(`<p class="meta">Throughput: bytes copied per second of mean wall time.</p>`);
    out.push(lineChart({ cls: "throughput", key: `${base}/MiB/s`, series: mibs, xTicks, xLog, xTitle, yTitle: "MiB/s", yFmt: (v) => `${Number(v.toPrecision(3))}`, h: 220 }));
    // A one-file workload's files/s is its runs per second, not a figure about files.
    if (pts.some((p) => p.s.workload.files > 1)) {
      const fps = series((s, tool) => {
        const st = stats(s, tool);
        return st && s.workload.files > 1 ? { y: s.workload.files / (st.time.meanNs / 1e9), title: `${labels[tool] ?? tool} @ ${at(s)}: ${Math.round(s.workload.files / (st.time.meanNs / 1e9)).toLocaleString("en-US")} files/s` } : null;
      });
      out.push(lineChart({ cls: "throughput", key: `${base}/files/s`, series: fps, xTicks, xLog, xTitle, yTitle: "files/s", yFmt: (v) => Number(v.toPrecision(3)).toLocaleString("en-US"), h: 220 }));
    }
    out.push(...extra(pts.map((p) => p.s)), `</section>`);
  }
  return out;
}
