// The plan: scenarios × tools (and the A/A control arm) → an ordered list of runs with their argv, env, run ids and state directories (pure: no spawning, no file system).

import { DEFAULTS } from "../defaults";
import { workspacePaths } from "../paths";
import { selectPlatform, type Platform } from "../platform/index";
import type { Plan, PlannedRun, ResolvedConfig, ScenarioSpec, ScenarioPlan, ToolAvailability } from "../types";
import { armWord, controlDst, controlLabel, controlToolId, isControlArm, toolOfArm } from "./arms";
import { invocationId, makeRunId, placeholdersUsed, renderRun, stateDirFor } from "./run-values";

/**
 * The old script's order: every tool's warmups first, then measured rounds where
 * round i starts at tool (i-1) mod n, so drift over time hits every tool alike.
 */
export function runOrder(tools: string[], warmup: number, runs: number): { tool: string; phase: "warmup" | "measured"; index: number; round: number }[] {
  const order: { tool: string; phase: "warmup" | "measured"; index: number; round: number }[] = [];
  for (const tool of tools) for (let i = 1; i <= warmup; i++) order.push({ tool, phase: "warmup", index: i, round: 0 });
  const n = tools.length;
  for (let round = 1; round <= runs; round++) {
    for (let k = 0; k < n; k++) {
      const tool = tools[(round - 1 + k) % n]!;
      order.push({ tool, phase: "measured", index: round, round });
    }
  }
  return order;
}

export function planScenario(
  s: ScenarioSpec,
  config: ResolvedConfig,
  avail: Record<string, ToolAvailability>,
  srcDir: string,
  shell: Platform["shell"],
  invocation: string = invocationId(),
): ScenarioPlan {
  const ws = workspacePaths(config.workspace);
  const skipped = s.tools.filter((t) => !avail[t]?.available).map((t) => ({ tool: t, reason: avail[t]?.reason ?? "unknown tool" }));
  const tools = s.tools.filter((t) => avail[t]?.available);
  // The user's proxy fallback: the first baseline that exists on this machine.
  const baseline = s.baseline.find((b) => avail[b]?.available) ?? null;
  const declared = s.candidates.length ? s.candidates : s.baseline.length ? s.tools.filter((t) => !s.baseline.includes(t)) : [];
  // The A/A control is one more arm, interleaved like any tool; it is never a candidate.
  const arms = s.control && baseline ? [...tools, controlToolId(baseline)] : tools;
  const runs: PlannedRun[] = runOrder(arms, s.warmup, s.runs).map((o) => {
    const id = toolOfArm(o.tool);
    const tool = config.tools[id]!;
    const control = isControlArm(o.tool);
    const dst = control ? controlDst(ws.dst(s.name, id), id) : ws.dst(s.name, id);
    const runId = makeRunId({ invocation, scenario: s.name, tool: armWord(o.tool), phase: o.phase, index: o.index });
    const stateMode = tool.state ?? s.state ?? DEFAULTS.state;
    const stateDir = placeholdersUsed(tool).state ? stateDirFor(config.workspace, stateMode, runId, armWord(o.tool)) : null;
    const { argv, env } = renderRun(tool, { src: srcDir, dst, state: stateDir ?? "", run: runId }, shell);
    return {
      scenario: s.name,
      tool: o.tool,
      label: control ? controlLabel(tool.label) : tool.label,
      phase: o.phase,
      index: o.index,
      total: o.phase === "warmup" ? s.warmup : s.runs,
      round: o.round,
      argv,
      dst,
      cache: s.cache,
      env,
      runId,
      stateDir,
      stateMode,
      durable: !!s.durable || !!tool.durable,
      ...(tool.stats ? { stats: tool.stats } : {}),
      ...(control ? { control: true } : {}),
    };
  });
  return { scenario: s, baseline, candidates: declared, tools: arms, skipped, runs };
}

/** srcOf gives each scenario's source tree (known from its spec alone: paths.ts sourcePaths); shell runs `shell: true` tools. */
export function buildPlan(
  config: ResolvedConfig,
  avail: Record<string, ToolAvailability>,
  srcOf: (s: ScenarioSpec) => string,
  only?: (name: string) => boolean,
  shell: Platform["shell"] = selectPlatform().shell,
  invocation: string = invocationId(),
): Plan {
  const scenarios = config.scenarios
    .filter((s) => !only || only(s.name) || only(s.baseName))
    .map((s) => planScenario(s, config, avail, srcOf(s), shell, invocation));
  return { workspace: config.workspace, scenarios };
}
