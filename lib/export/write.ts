// The one place exports are written: results → export rows → the formats the user asked for.

import { measuredRuns } from "../analyze/tool-stats";
import { writeAtomic, type ResultsFile } from "../results/file";
import { toCsv } from "./csv";
import { toHyperfineJson } from "./json";
import { toMarkdown } from "./markdown";
import type { ExportRow } from "./table";

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

/** Rewritten after every scenario, as the results file is, so a later crash loses nothing. */
export function writeExports(results: Pick<ResultsFile, "scenarios">, targets: ExportTargets): string[] {
  const rows = exportRows(results);
  const written: string[] = [];
  if (targets.json) {
    writeAtomic(targets.json, toHyperfineJson(rows));
    written.push(targets.json);
  }
  if (targets.csv) {
    writeAtomic(targets.csv, toCsv(rows));
    written.push(targets.csv);
  }
  if (targets.markdown) {
    const baseline = Object.fromEntries(results.scenarios.filter((s) => s.baseline).map((s) => [s.name, s.baseline!]));
    writeAtomic(targets.markdown, toMarkdown(rows, { baseline }));
    written.push(targets.markdown);
  }
  return written;
}
