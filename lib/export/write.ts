// The one place exports are written: results → export rows → the formats the user asked for.

import { measuredRuns } from "../analyze/tool-stats";
import { writeAtomic, type ResultsFile } from "../results/file";
import { toCsv } from "./csv";
import { toHyperfineJson } from "./json";
import { toMarkdown } from "./markdown";
import type { ExportExtras, ExportRow, ExportSelection } from "./table";
import { median } from "../analyze/summary";
import type { ScenarioResult } from "../analyze/scenario";
import type { RunRecord } from "../types";

export type { ExportSelection } from "./table";

export interface ExportTargets {
  json?: string;
  csv?: string;
  markdown?: string;
}

type Done = Extract<RunRecord, { state: "completed" }>;

function medianOrNull(xs: (number | null | undefined)[]): number | null {
  const v = xs.filter((x): x is number => typeof x === "number");
  return v.length ? median(v) : null;
}

/** A row's figures beyond hyperfine's: both series, settle waits, the clone label, the tool's own figures, its verdict's flags. */
function extrasOf(s: ScenarioResult, tool: string, done: Done[], gateOn: "returned" | "durable"): ExportExtras {
  // One cloned run is enough to say so: a clone is never a fast copy.
  const labels = new Set(done.map((r) => r.clone?.state).filter((x) => x !== undefined));
  const clone = labels.has("cloned") ? "cloned" : labels.has("copied") ? "copied" : labels.size ? "unknown" : null;
  const stats = done.map((r) => (r.toolStats?.ok ? r.toolStats.stats : null));
  return {
    gateOn,
    returnedNs: done.map((r) => r.measure.wallNs),
    durableNs: done.filter((r) => r.durable).map((r) => r.durable!.durableNs),
    settleWaitMs: done.filter((r) => r.settle && r.settle.reason !== "disabled").map((r) => r.settle!.waitedMs),
    clone,
    toolFiles: medianOrNull(stats.map((x) => x?.toolFilesTransferred)),
    toolBytes: medianOrNull(stats.map((x) => x?.toolBytes)),
    toolDurationMs: medianOrNull(stats.map((x) => x?.toolDurationMs)),
    flags: s.verdicts.find((v) => v.candidate === tool)?.flags ?? [],
  };
}

/** Completed measured runs only: a failed run has no time a plotting script could trust. */
export function exportRows(results: Pick<ResultsFile, "scenarios">): ExportRow[] {
  const rows: ExportRow[] = [];
  for (const s of results.scenarios) {
    for (const t of s.tools) {
      if (t.state === "skipped") continue;
      const done = measuredRuns(s.runs, t.tool).flatMap((r) => (r.state === "completed" ? [r] : []));
      // The gated series is what a plotting script should see; a tool never flushed keeps its returned times.
      const gatedOn = s.runOptions?.gateOn === "durable" && done.some((r) => r.durable) ? "durable" : "returned";
      rows.push({
        scenario: s.name,
        baseName: s.baseName,
        tool: t.tool,
        label: t.label,
        parameters: s.parameters,
        timesNs: gatedOn === "durable" ? done.map((r) => r.durable?.durableNs).filter((x): x is number => typeof x === "number") : done.map((r) => r.measure.wallNs),
        exitCodes: done.map((r) => r.exitCode),
        userNs: done.flatMap((r) => (r.measure.userUs === null ? [] : [r.measure.userUs * 1e3])),
        systemNs: done.flatMap((r) => (r.measure.systemUs === null ? [] : [r.measure.systemUs * 1e3])),
        maxRssBytes: done.map((r) => r.measure.maxRssBytes),
        extras: extrasOf(s, t.tool, done, gatedOn),
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
