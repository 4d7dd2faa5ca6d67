// HTML report: each scenario's history on this host, one position per results file with its date and time, and per tool
// the band that decides a regression (lib/history.ts's classify: the 99 % Student-t prediction interval of the earlier results).

import { classify, completedMeanNs, REGRESSION_DEFAULTS, sameBenchmark } from "../history/regressions";
import type { ResultsFile } from "../results/file";
import { formatDuration } from "../units";
import { type Band, lineChart, type LineSeries } from "./chart-line";
import { durationTick, esc, type Svg } from "./svg";
import { plural } from "../text";

/** "2026-03-01 02:00 UTC". */
export function stamp(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** An axis label: "03-01 02:00", with the year when the results span more than one. */
function tickLabel(iso: string, withYear: boolean): string {
  return `${withYear ? iso.slice(0, 10) : iso.slice(5, 10)} ${iso.slice(11, 16)}`;
}

export function historySections(current: ResultsFile, history: readonly ResultsFile[], colorOf: (tool: string) => string, labels: Record<string, string>): (string | Svg)[] {
  const o = REGRESSION_DEFAULTS;
  const byTime = new Map<string, ResultsFile>();
  for (const h of [...history, current]) if (h.host.id === current.host.id) byTime.set(h.startedAt, h);
  const files = [...byTime.values()].sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
  const withYear = new Set(files.map((f) => f.startedAt.slice(0, 4))).size > 1;
  const xTicks = files.map((f, i) => ({ x: i, label: tickLabel(f.startedAt, withYear) }));
  const out: (string | Svg)[] = [];
  for (const s of current.scenarios) {
    const series: LineSeries[] = [];
    const bands: Band[] = [];
    for (const t of s.tools) {
      const name = labels[t.tool] ?? t.tool;
      const points: LineSeries["points"] = [];
      const band: Band["points"] = [];
      const prior: number[] = [];
      files.forEach((h, xi) => {
        const hs = h.scenarios.find((x) => sameBenchmark(x, s));
        const m = hs ? completedMeanNs(hs, t.tool) : null;
        if (m === null) return;
        const used = prior.slice(-o.window);
        const c = classify(m, used);
        if (c.lowNs !== null && c.highNs !== null && c.meanNs !== null) {
          // The verdict needs both: outside the interval AND more than minChange off the mean, so the band is the wider of the two.
          band.push({ x: xi, lo: Math.max(0, Math.min(c.lowNs, c.meanNs * (1 - o.minChange))), hi: Math.max(c.highNs, c.meanNs * (1 + o.minChange)) });
        }
        const cls = c.verdict === "regression" || c.verdict === "improvement" ? c.verdict : undefined;
        const version = h.tools[t.tool]?.version ?? "version unknown";
        const verdict = c.verdict === "no-verdict" ? `no verdict (${plural(used.length, "earlier result")}, need ${o.minHistory})` : c.verdict;
        points.push({ x: xi, y: m, cls, title: `${stamp(h.startedAt)} · ${name} ${formatDuration(m)} · ${version} · ${verdict}` });
        prior.push(m);
      });
      if (points.length) series.push({ id: `${s.name}/${t.tool}`, label: name, color: colorOf(t.tool), points });
      if (band.length) {
        bands.push({
          id: `${s.name}/${t.tool}`,
          color: colorOf(t.tool),
          title: `${name}: where the next mean is "as before": the ${o.confidence * 100}% Student-t prediction interval of up to ${o.window} earlier results, at least ±${o.minChange * 100}% of their mean`,
          points: band,
        });
      }
    }
    // A single point is not a history yet; the strip chart above already shows it.
    if (!series.some((x) => x.points.length > 1)) continue;
    out.push(`<h3>${esc(s.name)}</h3>`);
    out.push(lineChart({ cls: "history", key: s.name, series, bands, xTicks, xTitle: "results file (UTC date and time); hover a point for its tool version", yTitle: "mean time", yFmt: durationTick, yZero: false }));
  }
  return out;
}
