// The one place exports are written: results → export rows → the formats the user asked for.

import { measuredRuns } from "../analyze/tool-stats";
import { writeAtomic, type ResultsFile } from "../results/file";
import { toCsv } from "./csv";
import { toHyperfineJson } from "./json";
import { toMarkdown } from "./markdown";
import type { ExportRow, ExportSelection } from "./table";

export type { ExportSelection } from "./table";

export interface ExportTargets {
  json?: string;
  csv?: string;
  markdown?: string;
}

/** Completed measured runs only: a failed run has no time a plotting script could trust. */
export function exportRows(results: Pick<ResultsFile, "scenarios">): ExportRow[] {
  const rows: ExportRow[] = [];
  for (const s of results.scenarios) {
    for (const t of s.tools) {
      if (t.state === "skipped") continue;
      const done = measuredRuns(s.runs, t.tool).flatMap((r) => (r.state === "completed" ? [r] : []));
      rows.push({
        scenario: s.name,
        baseName: s.baseName,
        tool: t.tool,
        label: t.label,
        parameters: s.parameters,
        timesNs: done.map((r) => r.measure.wallNs),
        exitCodes: done.map((r) => r.exitCode),
        userNs: done.flatMap((r) => (r.measure.userUs === null ? [] : [r.measure.userUs * 1e3])),
        systemNs: done.flatMap((r) => (r.measure.systemUs === null ? [] : [r.measure.systemUs * 1e3])),
        maxRssBytes: done.map((r) => r.measure.maxRssBytes),
      });
    }
  }
  return rows;
}

/** Each asked-for format's text, keyed by its target ("-" = stdout). A selection error throws before anything is written. */
export function renderExports(results: Pick<ResultsFile, "scenarios">, targets: ExportTargets, selection: ExportSelection = {}): [string, string][] {
  const rows = exportRows(results);
  const baseline = Object.fromEntries(results.scenarios.filter((s) => s.baseline).map((s) => [s.name, s.baseline!]));
  const texts: [string | undefined, () => string][] = [
    [targets.json, () => toHyperfineJson(rows, selection)],
    [targets.csv, () => toCsv(rows, selection)],
    [targets.markdown, () => toMarkdown(rows, { ...selection, baseline })],
  ];
  return texts.flatMap(([file, render]) => (file ? [[file, render()] as [string, string]] : []));
}

/**
 * Rewritten after every scenario, as the results file is, so a later crash loses nothing.
 * `selection` narrows every file to some scenarios, some tools, or one pair (see ExportSelection);
 * a selection that matches nothing throws a BenchError before any file is written.
 * A target of "-" (stdout) is not written here: renderExports gives its text, for the caller to print once.
 */
export function writeExports(results: Pick<ResultsFile, "scenarios">, targets: ExportTargets, selection: ExportSelection = {}): string[] {
  // Every text first: a selection error must leave no file half-updated.
  const ready = renderExports(results, targets, selection).filter(([file]) => file !== "-");
  for (const [file, text] of ready) writeAtomic(file, text);
  return ready.map(([file]) => file);
}
