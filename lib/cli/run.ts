// The run, stage by stage: claim and lock, load, plan every scenario, then per scenario prepare → execute → analyze → save → print; then decide, history, diagnosis, decision report, retention.

import { assembleScenario, preparedWorkload } from "../analyze/scenario";
import { BenchError, EXIT } from "../errors";
import { prepareSources } from "../datasets/sources";
import { sourcePaths } from "../paths";
import { buildPlan } from "../plan/plan";
import { executeScenario } from "../run/execute";
import { localHarness } from "../run/harness";
import { localSteps } from "../run/steps";
import type { Invocation } from "./args";
import { checkHistory, diagnoseAfterGate, decideRun, endRun, exportToStdout, keepNewest, recordDecision, writeDecisionReport } from "./finish";
import { keepWarnings, undecidedWarnings } from "./preflight";
import { preflightRun } from "./preflight-run";
import { printScenario, prose } from "./print";
import { openSession } from "./session";
import { watchRuns } from "./watch";

/** A scenario's preflight: its note, or null; a failure without --force stops the run here (what was measured is kept; exit 7). */
async function preflightBeforeScenario(s: Awaited<ReturnType<typeof openSession>>, check: () => Promise<string | null>): Promise<string | null> {
  try {
    return await check();
  } catch (e) {
    if (!(e instanceof BenchError) || e.exitCode !== EXIT.preflight) throw e;
    s.preflightStop = e.message;
    prose(s.log, `stopping here: the scenarios measured so far are saved (hint: ${e.hint ?? ""})`, s.style, "err");
    return null;
  }
}

export async function runBenchmark(inv: Invocation): Promise<number> {
  const { config, opts, io, platform } = inv;
  // Refused before anything is claimed: --keep too small for --fail-on-regression.
  const keepNotes = keepWarnings(config, opts);
  // Claim and lock the workspace, probe every output, open the log; load the tools and their versions.
  const s = await openSession(inv);
  const { log, executor, signals, outputs, results } = s;
  try {
    // The plan of every scenario, before anything is generated: each source's exact path follows from its spec.
    const plan = buildPlan(config, results.tools, (sc) => sourcePaths(sc.workload, s.ws.datasets).srcDir, opts.only, platform.shell);
    // Said before the first dataset is generated: a verdict that cannot be decided, a history that cannot judge.
    for (const l of [...undecidedWarnings(plan.scenarios, config), ...keepNotes]) prose(log, l, s.style, "err");
    const labels = Object.fromEntries(Object.values(config.tools).map((t) => [t.id, t.label]));
    // Fail closed before anything is generated: a busy machine, a compiler, a timer off, too little memory (exit 7 unless --force).
    const preflight = preflightRun({ spec: config.preflight, force: opts.force, skip: opts.noPreflight, log });
    results.preflight = preflight.record;
    await preflight.first(plan.scenarios.map((sp) => sp.scenario));
    const watch = watchRuns({ log, status: s.status, plans: plan.scenarios, widthCols: s.style.widthCols, showOutput: opts.showOutput, history: { resultsDir: config.resultsDir, hostId: results.host.id } });
    let exported: string[] = [];
    for (const [i, sp] of plan.scenarios.entries()) {
      if (signals.interrupted || outputs.stopped || s.preflightStop) break;
      try {
        const note = await preflightBeforeScenario(s, () => preflight.scenario(sp.scenario));
        if (s.preflightStop) break;
        watch.scenario(i);
        // The dataset bar is drawn on stderr where the progress line is, and only then.
        const prepared = await prepareSources(sp.scenario, s.ws.datasets, log, { verifyDataset: opts.verifyDataset, isTTY: s.status.enabled });
        for (const sk of sp.skipped) prose(log, `note: [${config.tools[sk.tool]!.label}] skipped: ${sk.reason}`, s.style);
        const harness = {
          ...localHarness({ workspace: config.workspace, source: prepared.source, platform, verify: sp.scenario.verify, log }),
          ...localSteps({ workspace: config.workspace, srcDir: prepared.source.srcDir, platform, settle: sp.scenario.settle ?? { sync: true, wait: null }, sameWork: sp.scenario.sameWork, log }),
        };
        const exec = await executeScenario(sp, {
          tools: config.tools, log, executor, harness,
          onStart: (il) => signals.running(il),
          onEvent: (e) => watch.onEvent(e),
        });
        signals.running(null);
        watch.stop();
        if (note) for (const r of exec.runs) r.preflight = note;
        const sr = assembleScenario(sp, preparedWorkload(prepared), exec, labels, signals.interrupted);
        if (note) sr.preflight = note;
        results.scenarios.push(sr);
        outputs.saveResults(results);
        exported = outputs.saveExports(results, opts.exports);
        printScenario(sr, log, s.style, io.isTTY);
      } catch (e) {
        // A disk that refuses a write stops the run with one line; what was measured is still saved.
        outputs.stopOn(e);
      } finally {
        watch.stop();
      }
    }
    const decision = decideRun(s);
    const regressions = checkHistory(s, decision.early);
    const exitCode = recordDecision(s, decision, regressions);
    await diagnoseAfterGate(s, plan);
    writeDecisionReport(s);
    keepNewest(s);
    exportToStdout(s);
    return endRun(s, exported, exitCode);
  } finally {
    s.close();
  }
}
