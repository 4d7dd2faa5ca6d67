// One scenario of a run: its preflight, its source prepared, its runs executed with the harness and the steps around each run, then analysed, saved and printed.

import { assembleScenario, preparedWorkload } from "../analyze/scenario";
import { prepareSources } from "../datasets/sources";
import { BenchError, EXIT } from "../errors";
import { executeScenario } from "../run/execute";
import { localHarness } from "../run/harness";
import { localInspect, localSteps } from "../run/steps";
import type { ScenarioPlan } from "../types";
import { endpointHarness } from "./endpoint-harness";
import type { EndpointHost } from "./endpoints";
import { printScenario, prose } from "./print";
import type { Session } from "./session";
import type { RunWatch } from "./watch";

/** A scenario's preflight: its note, or null; a failure without --force stops the run here (what was measured is kept; exit 7). */
async function preflightBeforeScenario(s: Session, check: () => Promise<string | null>): Promise<string | null> {
  try {
    return await check();
  } catch (e) {
    if (!(e instanceof BenchError) || e.exitCode !== EXIT.preflight) throw e;
    s.preflightStop = e.message;
    s.log.error(`error: ${e.message}`);
    prose(s.log, `stopping here: the scenarios measured so far are saved (hint: ${e.hint ?? ""})`, s.style, "err");
    return null;
  }
}

/** Runs scenario `index` of the plan; returns the exports written, or null when preflight stopped the run before it. */
export async function runScenario(
  s: Session,
  sp: ScenarioPlan,
  index: number,
  o: { watch: RunWatch; labels: Record<string, string>; preflight: (spec: ScenarioPlan["scenario"]) => Promise<string | null>; endpoints?: Map<string, EndpointHost> },
): Promise<string[] | null> {
  const { config, opts, io, platform, log, executor, signals, outputs, results } = s;
  const note = await preflightBeforeScenario(s, () => o.preflight(sp.scenario));
  if (s.preflightStop) return null;
  o.watch.scenario(index);
  // The dataset bar is drawn on stderr where the progress line is, and only then.
  const prepared = await prepareSources(sp.scenario, s.ws.datasets, log, { verifyDataset: opts.verifyDataset, isTTY: s.status.enabled });
  for (const sk of sp.skipped) prose(log, `note: [${config.tools[sk.tool]!.label}] skipped: ${sk.reason}`, s.style);
  // The harness's steps (reset, cache, checks, verify) and issue 12's ({state}, settle, same work) behind one object.
  const { srcDir, manifest } = prepared.source;
  const inspection = sp.scenario.verify.enabled && sp.scenario.sameWork ? localInspect({ srcDir, manifest, spec: sp.scenario.sameWork, log }) : undefined;
  // A remote end or a daemon: reset, verify, source checks and cache drops on the tree's host too (endpoint-harness.ts).
  const harness = (await endpointHarness(s, sp, prepared.source, o.endpoints ?? new Map(), inspection)) ?? {
    ...localHarness({ workspace: config.workspace, source: prepared.source, platform, verify: sp.scenario.verify, log, ...(inspection ? { inspection } : {}) }),
    ...localSteps({ workspace: config.workspace, srcDir, platform, settle: sp.scenario.settle ?? { sync: true, wait: null }, log }),
  };
  const exec = await executeScenario(sp, {
    tools: config.tools, log, executor, harness, timedBy: results.host.id,
    onStart: (il) => signals.running(il),
    onEvent: (e) => o.watch.onEvent(e),
  });
  signals.running(null);
  o.watch.stop();
  // --force after a failed preflight: every result of the scenario says so.
  if (note) for (const r of exec.runs) r.preflight = note;
  const sr = assembleScenario(sp, preparedWorkload(prepared), exec, o.labels, signals.interrupted);
  if (note) sr.preflight = note;
  results.scenarios.push(sr);
  outputs.saveResults(results);
  const exported = outputs.saveExports(results, opts.exports);
  printScenario(sr, log, s.style, io.isTTY);
  return exported;
}
