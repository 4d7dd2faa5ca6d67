// The end of a run, after its scenarios: the decision recorded, the history checked, the decision report written, old results thinned.

import { decide, type Decision } from "../analyze/verdicts";
import { EXIT } from "../errors";
import { renderExports, type ExportTargets } from "../export/write";
import { checkRegressions, exitWithRegressions, regressionLines } from "../history/regressions";
import { applyRetention, retentionLines } from "../history/retention";
import type { Regression } from "../results/file";
import { printEnd, printGate, prose } from "./print";
import type { Session } from "./session";

// The diagnosis belongs to the end of a run too (after the decision, before the decision report); it lives apart in diagnose.ts.
export { diagnoseAfterGate } from "./diagnose";

/** The gate over every scenario measured (analyze's one rule), and whether the run ended early. */
export function decideRun(s: Session): { decision: Decision; exitCode: number; early: boolean } {
  return { ...decide(s.results.scenarios), early: s.signals.interrupted || s.outputs.stopped !== null || s.preflightStop !== null };
}

/** This host's earlier results against this one; nothing when the run ended early. */
export function checkHistory(s: Session, early: boolean): Regression[] {
  return early ? [] : checkRegressions(s.results, s.config.resultsDir);
}

/**
 * Writes the decision into the results file and says it: the exit code is the gate's (or 4 for a regression,
 * 130 when interrupted), or 6 when an output could not be written. Any later write may be the first to
 * fail, so the code is a function, read again at the end; the rescued file is rewritten to carry it.
 */
export function recordDecision(s: Session, d: { decision: Decision; exitCode: number }, regressions: Regression[]): () => number {
  const { results, outputs, signals } = s;
  const interrupted = signals.interrupted;
  const gateCode = interrupted ? EXIT.interrupted : s.preflightStop ? EXIT.preflight : exitWithRegressions(d.exitCode, regressions, s.opts.failOnRegression);
  const finalCode = () => (!interrupted && (outputs.stopped !== null || outputs.failed || s.log.writeError !== null) ? EXIT.output : gateCode);
  results.decision = { decision: d.decision, exitCode: finalCode() };
  results.regressions = regressions;
  results.interrupted = interrupted;
  results.finishedAt = new Date().toISOString();
  outputs.saveResults(results);
  if (results.decision.exitCode !== finalCode()) {
    results.decision.exitCode = finalCode();
    outputs.saveResults(results);
  }
  if (s.preflightStop) s.log.summary(`Decision: none (${s.preflightStop})`);
  else printGate(s.log, results.scenarios, d.decision, { style: s.style, interrupted, stopped: outputs.stopped !== null });
  for (const l of regressionLines(regressions)) prose(s.log, l, s.style);
  return finalCode;
}

/** The Phase 2.5 decision document beside the results file, for a run with a gate. */
export function writeDecisionReport(s: Session): void {
  const report = s.results.scenarios.some((x) => x.verdicts.length) ? s.outputs.saveDecision(s.results) : null;
  if (report) s.log.summary(`Decision report: ${report}`);
}

/** --keep N: this host's oldest results go, but never when this run's own file did not land in the history. */
export function keepNewest(s: Session): void {
  const keep = s.config.keepResults;
  if (keep === null || s.outputs.resultsFile !== s.outputs.file) return;
  for (const l of retentionLines(applyRetention(s.config.resultsDir, s.results.host.id, keep), keep)) prose(s.log, l, s.style);
}

/** An export asked for on stdout (`--export-json -`): written once, at the end; the console went to stderr. */
export function exportToStdout(s: Session): void {
  const kinds = (Object.entries(s.opts.exports) as [keyof ExportTargets, string | undefined][]).filter(([, f]) => f === "-");
  if (!kinds.length) return;
  const write = s.io.stdout ?? s.io.out;
  for (const [, text] of renderExports(s.results, Object.fromEntries(kinds))) write(text.endsWith("\n") ? text : `${text}\n`);
}

/** The last lines, and the run's exit code as it stands after every write. */
export function endRun(s: Session, exported: string[], exitCode: () => number): number {
  printEnd(s.log, { resultsFile: s.outputs.resultsFile, exported, logPath: s.ws.log, exitCode });
  // A full disk can still refuse the last log lines: the code is read after them.
  return exitCode();
}
