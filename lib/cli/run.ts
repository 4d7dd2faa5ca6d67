// The run, stage by stage: claim and lock, load, plan every scenario, then per scenario prepare → execute → analyze → save → print; then decide, history, decision report, retention.

import { assembleScenario, preparedWorkload } from "../analyze/scenario";
import { prepareSources } from "../datasets/sources";
import { sourcePaths } from "../paths";
import { buildPlan } from "../plan/plan";
import { executeScenario } from "../run/execute";
import { localHarness } from "../run/harness";
import { checkHistory, decideRun, endRun, keepNewest, recordDecision, writeDecisionReport } from "./finish";
import { printScenario } from "./print";
import type { Invocation } from "./args";
import { openSession } from "./session";

export async function runBenchmark(inv: Invocation): Promise<number> {
  const { config, opts, io, platform } = inv;
  // Claim and lock the workspace, probe every output, open the log; load the tools and their versions.
  const s = await openSession(inv);
  const { log, executor, signals, outputs, results } = s;
  try {
    // The plan of every scenario, before anything is generated: each source's exact path follows from its spec.
    const plan = buildPlan(config, results.tools, (sc) => sourcePaths(sc.workload, s.ws.datasets).srcDir, opts.only, platform.shell);
    const labels = Object.fromEntries(Object.values(config.tools).map((t) => [t.id, t.label]));
    let exported: string[] = [];
    for (const sp of plan.scenarios) {
      if (signals.interrupted || outputs.stopped) break;
      try {
        const prepared = await prepareSources(sp.scenario, s.ws.datasets, log, { verifyDataset: opts.verifyDataset, isTTY: io.isTTY && !opts.quiet });
        for (const sk of sp.skipped) log.summary(`note: [${config.tools[sk.tool]!.label}] skipped: ${sk.reason}`);
        const harness = localHarness({ workspace: config.workspace, source: prepared.source, platform, verify: sp.scenario.verify, log });
        const exec = await executeScenario(sp, { tools: config.tools, log, executor, harness, onStart: (il) => signals.running(il) });
        signals.running(null);
        const sr = assembleScenario(sp, preparedWorkload(prepared), exec, labels, signals.interrupted);
        results.scenarios.push(sr);
        outputs.saveResults(results);
        exported = outputs.saveExports(results, opts.exports);
        printScenario(sr, log, s.color, io.isTTY);
      } catch (e) {
        // A disk that refuses a write stops the run with one line; what was measured is still saved.
        outputs.stopOn(e);
      }
    }
    const decision = decideRun(s);
    const regressions = checkHistory(s, decision.early);
    const exitCode = recordDecision(s, decision, regressions);
    writeDecisionReport(s);
    keepNewest(s);
    return endRun(s, exported, exitCode);
  } finally {
    s.close();
  }
}
