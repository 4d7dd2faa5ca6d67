// The diagnosis step of a run: which pairs, the instruments probed once, each pair diagnosed and its memory growth measured, paths stored relative to the results.

import path from "node:path";
import type { ScenarioResult } from "../analyze/scenario";
import { oneLine } from "../errors";
import type { DiagnoseMode, ScenarioPlan } from "../types";
import { openScenarioBench, scaledScenario, treatmentSummary, type BenchContext, type ScenarioBench } from "./bench";
import { hostProbeDeps, probeInstruments } from "./instruments";
import { measureScaling } from "./memory-run";
import { DIAGNOSE_DEFAULTS, scalingCounts, selectTargets, type DiagnosisTarget } from "./options";
import { diagnoseScenario, fileStem } from "./run";
import type { Instrument, ScenarioDiagnosis } from "./types";

export interface DiagnoseStep extends BenchContext {
  mode: DiagnoseMode;
  plans: ScenarioPlan[];
  scenarios: Pick<ScenarioResult, "name" | "verdicts">[];
  /** `<results_dir>/<results-file-stem>-diagnose`: one folder per diagnosed pair inside. */
  outRoot: string;
  /** Stored paths are relative to this folder (the results file's). */
  relativeTo: string;
  /** Given in tests; probed on this host otherwise. */
  instruments?: Instrument[];
  /** What the console says as the step goes: the instruments that cannot be used, a pair passed over, a pair done, a pair that failed. */
  on?: {
    instruments?(list: Instrument[]): void;
    start?(t: DiagnosisTarget): void;
    skip?(t: DiagnosisTarget, reason: string): void;
    done?(d: ScenarioDiagnosis, outDir: string): void;
    failed?(t: DiagnosisTarget, reason: string): void;
  };
}

/** Flame graph paths relative to `dir` (the record is stored beside the results, which may move as a folder). */
export function relativePaths(d: ScenarioDiagnosis, dir: string): ScenarioDiagnosis {
  const rel = (p: string) => path.relative(dir, p).split(path.sep).join("/");
  const tool = (t: ScenarioDiagnosis["candidate"]) =>
    t.flameGraph.state !== "completed"
      ? t
      : { ...t, flameGraph: { ...t.flameGraph, value: { ...t.flameGraph.value, svg: rel(t.flameGraph.value.svg), speedscope: t.flameGraph.value.speedscope && rel(t.flameGraph.value.speedscope) } } };
  return { ...d, candidate: tool(d.candidate), baseline: tool(d.baseline), ...(d.outDir ? { outDir: rel(d.outDir) } : {}) };
}

/** A folder per pair: the scenario's name, and the candidate's when a scenario has several. */
export function pairDir(root: string, t: DiagnosisTarget, several: boolean): string {
  return path.join(root, fileStem(t.scenario) + (several ? `--${fileStem(t.candidate)}` : ""));
}

async function diagnosePair(step: DiagnoseStep, sp: ScenarioPlan, t: DiagnosisTarget, outDir: string, instruments: Instrument[]): Promise<ScenarioDiagnosis> {
  const started = Bun.nanoseconds();
  const s = sp.scenario;
  const tool = (id: string) => {
    const spec = step.config.tools[id]!;
    return { tool: id, label: spec.label, successCodes: spec.successCodes, env: spec.env, ...(spec.callGraph ? { callGraph: spec.callGraph } : {}) };
  };
  let bench: ScenarioBench | null = await openScenarioBench(step, s);
  let d: ScenarioDiagnosis;
  try {
    d = await diagnoseScenario({
      scenario: s.name, trigger: t.trigger, gateReasons: t.gateReasons,
      candidate: tool(t.candidate), baseline: tool(t.baseline),
      workload: { files: bench.files, bytes: bench.bytes },
      cache: s.cache,
      prepare: bench.prepare, exec: bench.exec,
      outDir, timeoutMs: s.timeoutMs * DIAGNOSE_DEFAULTS.timeoutFactor, instruments,
      perfRecord: { frequencyHz: DIAGNOSE_DEFAULTS.perfRecordHz },
    });
    d.cache = treatmentSummary(bench.treatments, s.cache);
  } finally {
    bench.close();
    bench = null;
  }
  const groupFiles = s.workload.dataset.groups.reduce((a, g) => a + g.count, 0);
  const counts = scalingCounts(s.memoryScaling, t, groupFiles);
  if (counts) {
    const open = new Map<number, ScenarioBench>();
    try {
      d.memory = await measureScaling({
        counts, tools: [t.candidate, t.baseline], repeats: DIAGNOSE_DEFAULTS.memoryScalingRepeats,
        source: async (files) => {
          for (const [n, b] of open) (b.close(), open.delete(n));
          const b = await openScenarioBench(step, scaledScenario(s, files));
          open.set(files, b);
          return b.srcDir;
        },
        peak: (tool, _src, files) => open.get(files)!.peak(tool),
      });
      // Fitted by id, said by label, like every other line of the diagnosis.
      if (d.memory.state === "completed") d.memory = { ...d.memory, value: d.memory.value.map((f) => ({ ...f, tool: step.config.tools[f.tool]?.label ?? f.tool })) };
    } finally {
      for (const b of open.values()) b.close();
    }
  }
  return { ...d, outDir, elapsedNs: Bun.nanoseconds() - started };
}

/**
 * Diagnoses every pair the mode selects, one after another; a pair that cannot be diagnosed (a tool did not run here,
 * anything that throws) is said and passed over. Nothing here changes a verdict or a measured run.
 */
export async function runDiagnoses(step: DiagnoseStep): Promise<ScenarioDiagnosis[]> {
  const targets = selectTargets(step.scenarios, step.mode);
  if (!targets.length) return [];
  const instruments = step.instruments ?? (await probeInstruments(hostProbeDeps()));
  step.on?.instruments?.(instruments);
  const perScenario = new Map<string, number>();
  for (const t of targets) perScenario.set(t.scenario, (perScenario.get(t.scenario) ?? 0) + 1);
  const out: ScenarioDiagnosis[] = [];
  for (const t of targets) {
    if (step.stopped()) break;
    const sp = step.plans.find((p) => p.scenario.name === t.scenario);
    const missing = [t.candidate, t.baseline].filter((id) => !sp?.tools.includes(id));
    if (!sp || missing.length) {
      step.on?.skip?.(t, `${missing.join(" and ")} did not run here: nothing to compare`);
      continue;
    }
    step.on?.start?.(t);
    try {
      const d = await diagnosePair(step, sp, t, pairDir(step.outRoot, t, perScenario.get(t.scenario)! > 1), instruments);
      step.on?.done?.(d, d.outDir!);
      out.push(relativePaths(d, step.relativeTo));
    } catch (e) {
      step.on?.failed?.(t, oneLine(e));
    }
  }
  return out;
}
