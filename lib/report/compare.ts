// Compare two results files: per scenario and tool, B's mean time and peak memory against A's, with a bootstrap CI and a word.

import { styleText } from "node:util";
import Table from "cli-table3";
import { bootstrapRatioCI } from "../analyze/bootstrap";
import { medianRssOf } from "../analyze/scenario";
import { mean } from "../analyze/summary";
import { completedWallTimesNs } from "../analyze/tool-stats";
import { DEFAULTS } from "../defaults";
import { hostKey, type StoredResults } from "../history/list";
import { sameBenchmark } from "../history/regressions";
import type { ResultsFile } from "../results/file";
import type { Interval } from "../types";
import { formatBytes, formatDuration } from "../units";

export type ChangeWord = "faster" | "slower" | "within noise" | "only in A" | "only in B" | "not comparable";

export interface ComparisonRow {
  scenario: string;
  tool: string;
  label: string;
  aMeanNs: number | null;
  bMeanNs: number | null;
  /** B mean / A mean with a 95% percentile-bootstrap interval over the measured runs; null when either side has no runs. */
  timeRatio: Interval | null;
  aRssBytes: number | null;
  bRssBytes: number | null;
  /** B / A median peak RSS. */
  memoryRatio: number | null;
  word: ChangeWord;
  /** Why "within noise" or "not comparable", e.g. "95% CI spans 1", "|change| < 1%". */
  why: string | null;
}

export interface CompareOptions {
  /** Changes smaller than this fraction are noise however tight the interval (Criterion's default 1%). */
  noiseThreshold?: number;
  confidence?: number;
  resamples?: number;
}

/**
 * The word rule: a change is only called faster/slower when it is both statistically clear
 * (the 95% CI of the ratio excludes 1) and big enough to matter (|ratio − 1| ≥ noiseThreshold).
 * Either failing makes it "within noise", and `why` says which. With a single run on a side the
 * bootstrap has nothing to resample, so only the threshold rule can apply, and `why` says so.
 */
export function judge(ci: Interval, nA: number, nB: number, noise: number): { word: ChangeWord; why: string | null } {
  const change = ci.estimate - 1;
  if (Math.abs(change) < noise) return { word: "within noise", why: `|change| < ${(noise * 100).toFixed(0)}%` };
  if (nA > 1 && nB > 1 && ci.low <= 1 && ci.high >= 1) return { word: "within noise", why: "95% CI spans 1" };
  return { word: change < 0 ? "faster" : "slower", why: nA > 1 && nB > 1 ? null : "single run: no interval" };
}

export function compareResults(a: ResultsFile, b: ResultsFile, opts: CompareOptions = {}): ComparisonRow[] {
  const noise = opts.noiseThreshold ?? DEFAULTS.compareNoise;
  const rows: ComparisonRow[] = [];
  const names = [...new Set([...a.scenarios.map((s) => s.name), ...b.scenarios.map((s) => s.name)])];
  for (const name of names) {
    const sa = a.scenarios.find((s) => s.name === name);
    const sb = b.scenarios.find((s) => s.name === name);
    const tools = [...new Set([...(sa?.tools ?? []).map((t) => t.tool), ...(sb?.tools ?? []).map((t) => t.tool)])];
    for (const tool of tools) {
      const ta = sa ? completedWallTimesNs(sa.runs, tool) : [];
      const tb = sb ? completedWallTimesNs(sb.runs, tool) : [];
      const label = (sb ?? sa)!.tools.find((t) => t.tool === tool)?.label ?? tool;
      const row: ComparisonRow = {
        scenario: name, tool, label,
        aMeanNs: ta.length ? mean(ta) : null,
        bMeanNs: tb.length ? mean(tb) : null,
        timeRatio: null,
        aRssBytes: sa ? medianRssOf(sa, tool) : null,
        bRssBytes: sb ? medianRssOf(sb, tool) : null,
        memoryRatio: null,
        word: "not comparable",
        why: null,
      };
      if (row.aRssBytes && row.bRssBytes) row.memoryRatio = row.bRssBytes / row.aRssBytes;
      if (ta.length && tb.length) {
        row.timeRatio = bootstrapRatioCI(tb, ta, { confidence: opts.confidence ?? DEFAULTS.confidence, resamples: opts.resamples ?? DEFAULTS.bootstrapResamples });
        Object.assign(row, judge(row.timeRatio, ta.length, tb.length, noise));
      } else if (!ta.length && tb.length) {
        row.word = "only in B";
      } else if (ta.length && !tb.length) {
        row.word = "only in A";
      } else {
        row.why = "no completed measured runs on either side";
      }
      if (row.word === "not comparable" && !row.why) row.why = "no completed measured runs";
      // Same name, different workload or cache policy: the numbers are shown, but no verdict is drawn.
      if (sa && sb && !sameBenchmark(sa, sb) && row.timeRatio) {
        row.word = "not comparable";
        row.why = `workload or cache differs (A: ${sa.workload.files} files, ${formatBytes(sa.workload.bytes)}, cache ${sa.cache}; B: ${sb.workload.files} files, ${formatBytes(sb.workload.bytes)}, cache ${sb.cache})`;
      }
      rows.push(row);
    }
  }
  return rows;
}

const pct = (r: number) => `${r >= 1 ? "+" : ""}${((r - 1) * 100).toFixed(1)}%`;

export function compareTable(rows: readonly ComparisonRow[], opts: { color: boolean }): string {
  const paint = (color: "green" | "red", s: string) => (opts.color ? styleText(color, s, { validateStream: false }) : s);
  const head = ["scenario", "tool", "A mean", "B mean", "time change [95% CI]", "peak RSS A → B", "verdict"];
  const table = new Table({ head, style: { head: opts.color ? ["cyan"] : [], border: opts.color ? ["grey"] : [] } });
  for (const r of rows) {
    const ci = r.timeRatio;
    const change = ci ? (ci.low === ci.high ? pct(ci.estimate) : `${pct(ci.estimate)} [${pct(ci.low)} … ${pct(ci.high)}]`) : "";
    const mem =
      r.aRssBytes === null && r.bRssBytes === null
        ? "n/a"
        : `${r.aRssBytes === null ? "n/a" : formatBytes(r.aRssBytes)} → ${r.bRssBytes === null ? "n/a" : formatBytes(r.bRssBytes)}${r.memoryRatio !== null ? ` (${pct(r.memoryRatio)})` : ""}`;
    const word = r.word === "faster" ? paint("green", r.word) : r.word === "slower" ? paint("red", r.word) : r.word;
    table.push([
      r.scenario,
      r.label,
      r.aMeanNs === null ? "" : formatDuration(r.aMeanNs),
      r.bMeanNs === null ? "" : formatDuration(r.bMeanNs),
      change,
      mem,
      r.why ? `${word} (${r.why})` : word,
    ]);
  }
  return table.toString();
}

/** Header lines: which files, and a warning when they come from different machines. */
export function compareHeader(aFile: string, a: ResultsFile, bFile: string, b: ResultsFile, noise = DEFAULTS.compareNoise): string[] {
  const out = [
    `A: ${aFile} (${a.startedAt}, host ${a.host.id})`,
    `B: ${bFile} (${b.startedAt}, host ${b.host.id})`,
    `Change of B against A; faster/slower only when the 95% bootstrap CI of the mean-time ratio excludes 1 and the change is at least ${(noise * 100).toFixed(0)}%.`,
  ];
  if (a.host.id !== b.host.id) out.push(`warning: A and B come from different hosts (${a.host.id} vs ${b.host.id}); the difference includes the machines.`);
  return out;
}

export interface HostCell {
  meanNs: number | null;
  rssBytes: number | null;
  /** Mean time ÷ the first host's (null without runs on either). */
  ratio: number | null;
  /** This tool's gate verdict on that host when it was a gated candidate. */
  verdict: string | null;
}

export interface AcrossHostsRow {
  scenario: string;
  tool: string;
  label: string;
  cells: (HostCell | null)[];
  /** Set when the hosts did not run the same benchmark (workload or cache policy differ): the ratio is not drawn. */
  note: string | null;
}

/** The latest result of each host side by side, per scenario and tool: mean time, median peak RSS, ratio to the first host, verdict. */
export function compareAcrossHosts(hosts: readonly StoredResults[]): AcrossHostsRow[] {
  const rows: AcrossHostsRow[] = [];
  const names = [...new Set(hosts.flatMap((h) => h.results.scenarios.map((s) => s.name)))];
  for (const name of names) {
    const scen = hosts.map((h) => h.results.scenarios.find((s) => s.name === name) ?? null);
    const tools = [...new Set(scen.flatMap((s) => (s ? s.tools.map((t) => t.tool) : [])))];
    const present = scen.filter((s) => s !== null);
    const same = present.every((s) => sameBenchmark(present[0]!, s));
    for (const tool of tools) {
      const cells = scen.map((s): HostCell | null => {
        if (!s || !s.tools.some((t) => t.tool === tool)) return null;
        const times = completedWallTimesNs(s.runs, tool);
        const v = s.verdicts.find((x) => x.candidate === tool);
        return { meanNs: times.length ? mean(times) : null, rssBytes: medianRssOf(s, tool), ratio: null, verdict: v ? v.verdict : s.baseline === tool ? "baseline" : null };
      });
      const first = cells[0]?.meanNs ?? null;
      if (same && first) for (const c of cells) if (c?.meanNs) c.ratio = c.meanNs / first;
      const label = present.flatMap((s) => s.tools.filter((t) => t.tool === tool))[0]?.label ?? tool;
      rows.push({ scenario: name, tool, label, cells, note: same ? null : "workload or cache policy differs between hosts: no ratio" });
    }
  }
  return rows;
}

export function acrossHostsTable(hosts: readonly StoredResults[], rows: readonly AcrossHostsRow[], opts: { color: boolean }): string {
  const head = ["scenario", "tool", ...hosts.map((h) => hostKey(h.results))];
  const table = new Table({ head, style: { head: opts.color ? ["cyan"] : [], border: opts.color ? ["grey"] : [] } });
  for (const r of rows) {
    const cell = (c: HostCell | null, i: number) => {
      if (!c) return "—";
      const parts = [c.meanNs === null ? "no completed runs" : formatDuration(c.meanNs)];
      if (i > 0 && c.ratio !== null) parts[0] += ` (${c.ratio.toFixed(2)}×)`;
      parts.push(c.rssBytes === null ? "RSS n/a" : formatBytes(c.rssBytes));
      if (c.verdict) parts.push(c.verdict);
      return parts.join(" · ");
    };
    table.push([r.note ? `${r.scenario} (${r.note})` : r.scenario, r.label, ...r.cells.map(cell)]);
  }
  return table.toString();
}

/** Which file each column is, and how to read the cells. */
export function acrossHostsHeader(hosts: readonly StoredResults[]): string[] {
  const out = hosts.map((h) => {
    const r = h.results;
    const how = r.fleet ? `fleet run started on ${r.fleet.initiator}` : "run on the host itself";
    return `${hostKey(r)}: ${h.file} (${r.startedAt}, host ${r.host.id}, ${how}, decision ${r.decision?.decision ?? "none"})`;
  });
  out.push(
    `Per cell: mean time (× = ÷ ${hosts[0] ? hostKey(hosts[0].results) : "the first host"}'s mean), median peak RSS, gate verdict. Each host timed its own runs with its own meter (timedBy); no time of one host is subtracted from another's.`,
  );
  return out;
}
