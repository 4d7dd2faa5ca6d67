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
import type { ResolvedConfig } from "../types";
import { formatBytes } from "../units";

/** The log's first lines: the version line (log only), the old script's workspace line, what the claim found. */
export function printStart(log: Log, o: { version: string; startedAt: Date; configFile: string; config: ResolvedConfig; lock: Lock; replaced: Replaced[]; freedBytes: number }): void {
  log.file(`---- mirrorbench ${o.version} ${o.startedAt.toISOString()} ${o.configFile}`);
  log.line(oldLines.workspace(o.config.workspace, o.config.keepWorkspace));
  const takeover = takeoverNote(o.lock);
  if (takeover) log.summary(takeover);
  for (const r of o.replaced) log.error(describeReplaced(r, ""));
  if (o.freedBytes) log.file(`Freed ${formatBytes(o.freedBytes)} of destinations left in ${path.join(o.config.workspace, "dst")} by an earlier run`);
}

/** Plain lines to the log file, styled ones to the console: the same text either way. */
function both(log: Log, plain: string[], styled: string[]): void {
  plain.forEach((l, i) => log.summary(styled[i] ?? l, l));
}

/** A scenario's Average lines, table and warnings; the box plot only for a person at a terminal. */
export function printScenario(sr: ScenarioResult, log: Log, color: boolean, tty: boolean): void {
  const plain = scenarioLines(sr, { color: false });
  both(log, plain, color ? scenarioLines(sr, { color }) : plain);
  // The picture is for a person at a terminal; logs and mail get the numbers only.
  if (tty) for (const l of scenarioDistribution(sr, { color })) log.summary(l, "");
  log.summary("");
}

/** The gate, or why there is no decision. */
export function printGate(log: Log, scenarios: ScenarioResult[], decision: Decision, o: { color: boolean; interrupted: boolean; stopped: boolean }): void {
  if (o.stopped) log.summary("Decision: none (the run stopped early: an output could not be written)");
  else if (!o.interrupted) {
    const plain = gateLines(scenarios, decision, { color: false });
    both(log, plain, o.color ? gateLines(scenarios, decision, { color: o.color }) : plain);
  }
}

/** Where everything went, the old script's last line, and why the exit code is 6 when it is. */
export function printEnd(log: Log, o: { resultsFile: string | null; exported: string[]; logPath: string; exitCode: () => number }): void {
  log.summary(`Results: ${o.resultsFile ?? "not saved (see the error above)"}`);
  // Exports were rewritten after the last scenario; only the decision changed since, and they do not carry it.
  for (const f of o.exported) log.summary(`Export: ${f}`);
  log.summary(oldLines.complete(o.logPath));
  if (o.exitCode() === EXIT.output) log.summary(`Exit ${EXIT.output}: an output could not be written (see the error above)`);
}
