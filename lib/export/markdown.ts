// Export: hyperfine-style Markdown tables (| Command | Mean | Min | Max | Relative |), one per scenario.

import { type ExportRow, groupByScenario, type RowSeconds, rowSeconds } from "./table.ts";

export interface MarkdownOptions {
  /**
   * Reference for the Relative column: a tool id or label for every scenario, or a map
   * scenario → tool id/label. Without one (or when it is absent from a scenario) the fastest
   * row of the scenario is the reference, as in hyperfine.
   */
  baseline?: string | Record<string, string>;
}

type Unit = { name: "s" | "ms"; scale: number; digits: number };
const SECOND: Unit = { name: "s", scale: 1, digits: 3 };
const MILLISECOND: Unit = { name: "ms", scale: 1e3, digits: 1 };

// hyperfine picks the unit from the first result's mean: under one second → ms.
function unitFor(first: RowSeconds | null): Unit {
  return first !== null && first.mean < 1 ? MILLISECOND : SECOND;
}

function fmt(x: number, u: Unit): string {
  return (x * u.scale).toFixed(u.digits);
}

function baselineFor(scenario: string, opts: MarkdownOptions): string | undefined {
  if (typeof opts.baseline === "string") return opts.baseline;
  return opts.baseline?.[scenario];
}

interface Entry {
  row: ExportRow;
  s: RowSeconds | null;
}

/**
 * Relative speed as hyperfine computes it: the slower over the faster mean (so always ≥ 1), with
 * σ propagated as ratio · sqrt((σa/μa)² + (σb/μb)²) assuming independence. With an explicit
 * baseline each cell says which side it is on ("(faster)", "(slower)"), as hyperfine ≥ 1.19 does
 * with --reference; against the fastest row no label is needed.
 */
function relative(e: Entry, ref: Entry, explicit: boolean): string {
  if (e.s === null || ref.s === null || ref.s.mean === 0 || e.s.mean === 0) return e === ref ? "1.00" : "n/a";
  if (e === ref) return explicit ? "1.00 (reference)" : "1.00";
  const a = e.s;
  const b = ref.s;
  const ratio = a.mean > b.mean ? a.mean / b.mean : a.mean < b.mean ? b.mean / a.mean : 1;
  const sd =
    a.stddev !== null && b.stddev !== null ? ` ± ${(ratio * Math.hypot(a.stddev / a.mean, b.stddev / b.mean)).toFixed(2)}` : "";
  const label = !explicit ? "" : a.mean < b.mean ? " (faster)" : a.mean > b.mean ? " (slower)" : " (same speed)";
  return `${ratio.toFixed(2)}${sd}${label}`;
}

function table(rows: ExportRow[], baseline: string | undefined): string {
  const entries: Entry[] = rows.map((row) => ({ row, s: rowSeconds(row) }));
  const unit = unitFor(entries[0]?.s ?? null);
  const measured = entries.filter((e) => e.s !== null);
  const explicitRef = baseline === undefined ? undefined : measured.find((e) => e.row.tool === baseline || e.row.label === baseline);
  const ref = explicitRef ?? measured.reduce<Entry | undefined>((best, e) => (best === undefined || e.s!.mean < best.s!.mean ? e : best), undefined);
  const lines = [
    `| Command | Mean [${unit.name}] | Min [${unit.name}] | Max [${unit.name}] | Relative |`,
    "|:---|---:|---:|---:|---:|",
  ];
  for (const e of entries) {
    const cmd = `\`${e.row.label.replaceAll("|", "\\|")}\``;
    if (e.s === null || ref === undefined) {
      lines.push(`| ${cmd} | n/a | n/a | n/a | n/a |`);
      continue;
    }
    const mean = e.s.stddev === null ? fmt(e.s.mean, unit) : `${fmt(e.s.mean, unit)} ± ${fmt(e.s.stddev, unit)}`;
    lines.push(`| ${cmd} | ${mean} | ${fmt(e.s.min, unit)} | ${fmt(e.s.max, unit)} | ${relative(e, ref, explicitRef !== undefined)} |`);
  }
  return lines.join("\n");
}

/**
 * One "### <scenario>" heading and one hyperfine-shaped table per scenario (relative speed only
 * means something between tools that copied the same data); rows keep their given order.
 */
export function toMarkdown(rows: readonly ExportRow[], opts: MarkdownOptions = {}): string {
  return groupByScenario(rows)
    .map(([scenario, group]) => `### ${scenario}\n\n${table(group, baselineFor(scenario, opts))}\n`)
    .join("\n");
}
