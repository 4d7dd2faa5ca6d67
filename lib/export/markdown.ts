// Export: hyperfine-style Markdown tables (| Command | Mean | Min | Max | Relative |), one per scenario.

import { DEFAULTS } from "../defaults.ts";
import { bootstrapRatioCI } from "../analyze/bootstrap.ts";
import { type ExportRow, type ExportSelection, extraColumns, groupByScenario, type RowSeconds, rowSeconds, selectRows } from "./table.ts";

export interface MarkdownOptions extends ExportSelection {
  /**
   * Reference for the Relative column: a tool id or label for every scenario, or a map
   * scenario → tool id/label. Without one (or when it is absent from a scenario) the fastest
   * row of the scenario is the reference.
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

const esc = (s: string) => s.replaceAll("|", "\\|");

/**
 * The same ratio the console and the HTML report show: this row's mean time ÷ the reference's
 * (candidate/baseline; below 1 is faster), with the same 95 % percentile-bootstrap interval
 * (same resamples, confidence and seed over the same measured runs, so the numbers are equal).
 * hyperfine's own column is slower/faster (always ≥ 1); the header says which way ours runs.
 */
function relative(e: Entry, ref: Entry): string {
  if (e === ref) return "1.000 (reference)";
  if (e.s === null || ref.s === null || ref.s.mean === 0) return "n/a";
  const ci = bootstrapRatioCI(e.row.timesNs, ref.row.timesNs, { resamples: DEFAULTS.bootstrapResamples, confidence: DEFAULTS.confidence });
  return ci.low === ci.high ? ci.estimate.toFixed(3) : `${ci.estimate.toFixed(3)} [${ci.low.toFixed(3)}–${ci.high.toFixed(3)}]`;
}

function table(rows: ExportRow[], baseline: string | undefined): string {
  const entries: Entry[] = rows.map((row) => ({ row, s: rowSeconds(row) }));
  const unit = unitFor(entries[0]?.s ?? null);
  const measured = entries.filter((e) => e.s !== null);
  const explicitRef = baseline === undefined ? undefined : measured.find((e) => e.row.tool === baseline || e.row.label === baseline);
  const ref = explicitRef ?? measured.reduce<Entry | undefined>((best, e) => (best === undefined || e.s!.mean < best.s!.mean ? e : best), undefined);
  const relHead = ref === undefined ? "Relative" : `Relative: time ÷ \`${esc(ref.row.label)}\`${explicitRef ? " (baseline)" : " (fastest)"} [95% CI]`;
  // After hyperfine's columns: the ones some row of this scenario has (durable and returned medians, settle, clone, the tool's own figures, flags).
  const extra = extraColumns(rows);
  const more = (r: ExportRow) => extra.map((c) => ` ${esc(c.cell(r))} |`).join("");
  const lines = [
    `| Command | Mean [${unit.name}] | Min [${unit.name}] | Max [${unit.name}] | ${relHead} |${extra.map((c) => ` ${c.name} |`).join("")}`,
    `|:---|---:|---:|---:|---:|${extra.map(() => "---|").join("")}`,
  ];
  for (const e of entries) {
    const cmd = `\`${esc(e.row.label)}\``;
    if (e.s === null || ref === undefined) {
      lines.push(`| ${cmd} | n/a | n/a | n/a | n/a |${more(e.row)}`);
      continue;
    }
    const mean = e.s.stddev === null ? fmt(e.s.mean, unit) : `${fmt(e.s.mean, unit)} ± ${fmt(e.s.stddev, unit)}`;
    lines.push(`| ${cmd} | ${mean} | ${fmt(e.s.min, unit)} | ${fmt(e.s.max, unit)} | ${relative(e, ref)} |${more(e.row)}`);
  }
  return lines.join("\n");
}

/**
 * One "### <scenario>" heading and one hyperfine-shaped table per scenario (relative speed only
 * means something between tools that copied the same data); rows keep their given order.
 * `opts` may also select scenarios and tools (ExportSelection).
 */
export function toMarkdown(rows: readonly ExportRow[], opts: MarkdownOptions = {}): string {
  return groupByScenario(selectRows(rows, opts))
    .map(([scenario, group]) => `### ${scenario}\n\n${table(group, baselineFor(scenario, opts))}\n`)
    .join("\n");
}
