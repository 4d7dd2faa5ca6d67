// The run, stage by stage: claim and lock, load, plan every scenario, preflight, then per scenario (scenario-run.ts) preflight → prepare → execute → analyze → save → print; then decide, history, diagnosis, decision report, retention.

import { sourcePaths } from "../paths";
import { buildPlan } from "../plan/plan";
import { invocationId } from "../plan/run-values";
import type { Invocation } from "./args";
import { openEndpoints } from "./endpoints";
import { checkHistory, diagnoseAfterGate, decideRun, endRun, exportToStdout, keepNewest, recordDecision, writeDecisionReport } from "./finish";
import { keepWarnings, undecidedWarnings } from "./preflight";
import { preflightRun } from "./preflight-run";
import { prose } from "./print";
import { runScenario } from "./scenario-run";
import { openSession } from "./session";
import { watchRuns } from "./watch";

export async function runBenchmark(inv: Invocation): Promise<number> {
  const { config, opts, io, platform } = inv;
  // Refused before anything is claimed: --keep too small for --fail-on-regression.
  const keepNotes = keepWarnings(config, opts);
  // Claim and lock the workspace, probe every output, open the log; load the tools and their versions.
  const s = await openSession(inv);
  const { log, executor, signals, outputs, results } = s;
  let ends: Awaited<ReturnType<typeof openEndpoints>> | null = null;
  try {
    // Hosts of remote ends and daemons: probed, their agent staged, their placeholder values known before the plan.
    ends = await openEndpoints(config, opts.only, io.env, log);
    // The plan of every scenario, before anything is generated: each source's exact path follows from its spec.
    const plan = buildPlan(config, results.tools, (sc) => sourcePaths(sc.workload, s.ws.datasets).srcDir, opts.only, platform.shell, invocationId(), ends.values);
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
        const done = await runScenario(s, sp, i, { watch, labels, preflight: (spec) => preflight.scenario(spec), endpoints: ends.hosts });
        if (done === null) break;
        exported = done;
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
    await ends?.close();
    s.close();
  }
}
