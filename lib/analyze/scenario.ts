// One scenario's result: its runs analysed into tool results and verdicts, its state, and the record the results file stores.

import type { PreparedSource } from "../datasets/sources";
import type { ToolTiming } from "../run/timing";
import { DEFAULTS } from "../defaults";
import type { CandidateVerdict, GateMethod, GateOn, RunRecord, ScenarioPlan, SettleSpec, ToolResult } from "../types";
import { toolResults } from "./tool-stats";
import { verdicts } from "./verdicts";

export interface ScenarioResult {
  name: string;
  baseName: string;
  parameters: Record<string, string>;
  state: "completed" | "failed" | "skipped";
  workload: {
    kind: string;
    files: number;
    bytes: number;
    datasetHash: string | null;
    reused: boolean | null;
    changes: unknown;
  };
  cache: string;
  verified: boolean;
  baseline: string | null;
  candidates: string[];
  tools: ToolResult[];
  verdicts: CandidateVerdict[];
  runs: RunRecord[];
  timings: ToolTiming[];
  thresholds: { maxTimeRatio: number; maxMemoryRatio: number; requireSignificance: boolean };
  /** How the runs were made and judged; absent in results written before it existed (then: sync-less, returned, bootstrap). */
  runOptions?: RunOptionsRecord;
  /** With --force after a failed preflight: "preflight failed: …" (every run carries it too). */
  preflight?: string;
}

export interface RunOptionsRecord {
  settle: SettleSpec;
  gate: GateMethod;
  gateOn: GateOn;
  /** Tools (arms) whose destination was flushed inside the timed window. */
  durable: string[];
  /** The A/A control arm's id, or null. */
  control: string | null;
}

export function runOptionsOf(sp: ScenarioPlan): RunOptionsRecord {
  const s = sp.scenario;
  const arms = new Map(sp.runs.map((r) => [r.tool, r]));
  return {
    settle: s.settle ?? { sync: true, wait: null },
    gate: s.gate ?? DEFAULTS.gate,
    gateOn: s.gateOn ?? "returned",
    durable: [...arms.values()].filter((r) => r.durable).map((r) => r.tool),
    control: [...arms.values()].find((r) => r.control)?.tool ?? null,
  };
}

/** Interrupted → failed; every tool skipped → skipped; any tool failed → failed; else completed. */
export function scenarioState(tools: readonly ToolResult[], interrupted: boolean): ScenarioResult["state"] {
  if (interrupted) return "failed";
  if (tools.every((t) => t.state === "skipped")) return "skipped";
  return tools.some((t) => t.state === "failed") ? "failed" : "completed";
}

/** What the source held (from its manifest) and how it was prepared; a fake in the fast test tier. */
export type PreparedWorkload = Pick<ScenarioResult["workload"], "files" | "bytes" | "datasetHash" | "reused" | "changes">;

export function preparedWorkload(p: PreparedSource): PreparedWorkload {
  return { datasetHash: p.datasetHash, reused: p.reused, changes: p.changes, files: p.source.manifest.fileCount, bytes: p.source.manifest.totalBytes };
}

/** The scenario's record: tool results and verdicts from its runs; an interrupted scenario gets no verdicts. */
export function assembleScenario(
  sp: ScenarioPlan,
  w: PreparedWorkload,
  exec: { runs: RunRecord[]; timings: ToolTiming[] },
  labels: Record<string, string>,
  interrupted: boolean,
): ScenarioResult {
  const s = sp.scenario;
  const tools = toolResults(sp, exec.runs, { files: w.files, bytes: w.bytes }, labels);
  return {
    name: s.name,
    baseName: s.baseName,
    parameters: s.parameters,
    state: scenarioState(tools, interrupted),
    workload: { kind: s.workload.kind, files: w.files, bytes: w.bytes, datasetHash: w.datasetHash, reused: w.reused, changes: w.changes },
    cache: s.cache,
    verified: s.verify.enabled,
    baseline: sp.baseline,
    candidates: sp.candidates,
    tools,
    verdicts: interrupted ? [] : verdicts(sp, tools, exec.runs),
    runs: exec.runs,
    timings: exec.timings,
    thresholds: s.thresholds,
    runOptions: runOptionsOf(sp),
  };
}

/** A tool's median peak RSS in a scenario, or null (skipped, or memory not measured). */
export function medianRssOf(s: ScenarioResult, tool: string): number | null {
  const t = s.tools.find((x) => x.tool === tool);
  return t && t.state !== "skipped" ? (t.stats?.maxRssMedianBytes ?? null) : null;
}
