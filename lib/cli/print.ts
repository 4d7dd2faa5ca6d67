// The run's own console and log lines around the stages: the start, each scenario's summary, the gate, the end.

import path from "node:path";
import type { ScenarioResult } from "../analyze/scenario";
import type { Decision } from "../analyze/verdicts";
import { EXIT } from "../errors";
import { oldLines, type Log } from "../log";
import { takeoverNote, type Lock } from "../lock";
import { gateLines, scenarioLines } from "../report/console";
import { scenarioDistribution } from "../report/distribution";
import { describeReplaced, type Replaced } from "../safe-fs";
import { wrapWords } from "../text";
import { logStyle, type ConsoleStyle } from "./style";
import type { ResolvedConfig } from "../types";
import { formatBytes } from "../units";

/** The header of an invocation, on the console too (even --quiet): an appended cron log shows where each run starts. */
export function headerLine(version: string, startedAt: Date, configFile: string): string {
  return `---- mirrorbench ${version} ${startedAt.toISOString()} ${configFile}`;
}

/** The first lines: the header, the old script's workspace line, what the claim found, a rotated log. */
export function printStart(log: Log, o: { version: string; startedAt: Date; configFile: string; config: ResolvedConfig; lock: Lock; replaced: Replaced[]; freedBytes: number; rotated?: string | null }): void {
  log.summary(headerLine(o.version, o.startedAt, o.configFile));
  if (o.rotated) log.file(o.rotated);
  log.line(oldLines.workspace(o.config.workspace, o.config.keepWorkspace));
  const takeover = takeoverNote(o.lock);
  if (takeover) log.summary(takeover);
  for (const r of o.replaced) log.error(describeReplaced(r, ""));
  if (o.freedBytes) log.file(`Freed ${formatBytes(o.freedBytes)} of destinations left in ${path.join(o.config.workspace, "dst")} by an earlier run`);
}

/**
 * A line of prose (a warning, a note, the history check): on the console broken between words to its width,
 * later lines indented; in the log as one line, for grep.
 */
export function prose(log: Log, text: string, st: ConsoleStyle, stream: "out" | "err" = "out"): void {
  const indent = " ".repeat(Math.min(12, /^ */.exec(text)![0].length + 2));
  wrapWords(text, st.widthCols, indent).forEach((l, i) => {
    const file = i === 0 ? text : "";
    if (stream === "err") log.error(l, file);
    else log.summary(l, file);
  });
}

/** A scenario's Average lines, table and warnings (the console's fitted to its width, the log's with every column); the box plot only for a person at a terminal. */
export function printScenario(sr: ScenarioResult, log: Log, st: ConsoleStyle, tty: boolean): void {
  const console = scenarioLines(sr, st);
  const file = scenarioLines(sr, logStyle(st));
  for (const l of console) log.summary(l, "");
  for (const l of file) log.file(l);
  // The picture is for a person at a terminal; logs and mail get the numbers only.
  if (tty) for (const l of scenarioDistribution(sr, { color: st.color, widthCols: st.widthCols })) log.summary(l, "");
  log.summary("");
}

/** The gate, or why there is no decision. */
export function printGate(log: Log, scenarios: ScenarioResult[], decision: Decision, o: { style: ConsoleStyle; interrupted: boolean; stopped: boolean }): void {
  if (o.stopped) log.summary("Decision: none (the run stopped early: an output could not be written)");
  else if (!o.interrupted) {
    for (const l of gateLines(scenarios, decision, o.style)) log.summary(l, "");
    for (const l of gateLines(scenarios, decision, logStyle(o.style))) log.file(l);
  }
}

/** Where everything went, the old script's last line, and why the exit code is 6 when it is. */
export function printEnd(log: Log, o: { resultsFile: string | null; exported: string[]; logPath: string; exitCode: () => number }): void {
  log.summary(`Results: ${o.resultsFile ?? "not saved (see the error above)"}`);
  // Exports were rewritten after the last scenario; only the decision changed since, and they do not carry it.
  for (const f of o.exported) log.summary(`Export: ${f}`);
  log.summary(oldLines.complete(o.logPath));
  const why = EXIT_WORDS[o.exitCode()];
  if (why) log.summary(`Exit ${o.exitCode()}: ${why}`);
}

/**
 * The last line of a run that does not end with 0: what its exit code means. `bun run bench` adds its own
 * red `error: script "bench" exited with code N` after any non-zero exit; this line says it is not a crash.
 */
export const EXIT_WORDS: Record<number, string> = {
  [EXIT.noGo]: "NO-GO (the gate or a run failed; see above). The exit code is the verdict, not a crash.",
  [EXIT.undecided]: "UNDECIDED (see the Decision line for why). The exit code is the verdict, not a crash.",
  [EXIT.regression]: "a regression against this host's history (--fail-on-regression).",
  [EXIT.output]: "an output could not be written (see the error above).",
  [EXIT.preflight]: "preflight failed before a scenario (see the error above); --force runs anyway, --no-preflight skips the checks.",
  [EXIT.interrupted]: "interrupted; what was measured is in the results file.",
};
