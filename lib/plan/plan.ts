// The plan: scenarios × tools (and the A/A control arm) → an ordered list of runs with their argv, env, run ids and state directories (pure: no spawning, no file system).

import { DEFAULTS } from "../defaults";
import { specHash, workspacePaths } from "../paths";
import { endpointLayout, LOCAL_ENDPOINT } from "../remote/endpoints";
import { selectPlatform, type Platform } from "../platform/index";
import type { HostValues, Plan, PlannedRun, ResolvedConfig, ScenarioSpec, ScenarioPlan, ToolAvailability } from "../types";
import { armWord, controlDst, controlLabel, controlToolId, isControlArm, toolOfArm } from "./arms";
import { daemonFor, invocationId, makeRunId, placeholdersUsed, renderRun, stateDirFor } from "./run-values";

export type { HostValues } from "../types";

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
  hostValues: HostValues = {},
): ScenarioPlan {
  const ws = workspacePaths(config.workspace);
  const at = (host: string | undefined) => (host ? endpointLayout(config.hosts?.[host]?.workspace ?? "/") : null);
  const srcAt = at(s.sourceHost);
  const dstAt = at(s.destinationHost);
  // A remote source is the same dataset generated on its host, under the same spec hash.
  const src = srcAt ? srcAt.tree(specHash(s.workload.dataset)) : srcDir;
  const ends = (host: string | undefined) => (host ? hostValues[host] ?? { ...LOCAL_ENDPOINT, host: "", ssh: config.hosts?.[host]?.ssh ?? "" } : LOCAL_ENDPOINT);
  const e = { src: ends(s.sourceHost), dst: ends(s.destinationHost) };
  const endpointVals = { src_host: e.src.host, src_port: e.src.port, src_ssh: e.src.ssh, src_rsh: e.src.rsh, dst_host: e.dst.host, dst_port: e.dst.port, dst_ssh: e.dst.ssh, dst_rsh: e.dst.rsh };
  const endpoints = s.sourceHost || s.destinationHost ? { endpoints: { src: s.sourceHost ?? null, dst: s.destinationHost ?? null } } : {};
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
    const dstBase = dstAt ? dstAt.dst(s.name, id) : ws.dst(s.name, id);
    const dst = control ? controlDst(dstBase, id) : dstBase;
    const port = tool.daemon && "tcp" in tool.daemon.ready ? String(tool.daemon.ready.tcp) : "";
    const runId = makeRunId({ invocation, scenario: s.name, tool: armWord(o.tool), phase: o.phase, index: o.index });
    const values = { ...endpointVals, src, dst, port, run: runId };
    const stateMode = tool.state ?? s.state ?? DEFAULTS.state;
    const stateDir = placeholdersUsed(tool).state ? stateDirFor(config.workspace, stateMode, runId, armWord(o.tool)) : null;
    const { argv, env } = renderRun(tool, { ...values, state: stateDir ?? "" }, shell);
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
      // A remote destination is flushed by no meter here: durable is for local destinations.
      durable: !dstAt && (!!s.durable || !!tool.durable),
      ...endpoints,
      ...(tool.daemon ? { daemon: daemonFor(tool.daemon, values) } : {}),
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
  hostValues: HostValues = {},
): Plan {
  const scenarios = config.scenarios
    .filter((s) => !only || only(s.name) || only(s.baseName))
    .map((s) => planScenario(s, config, avail, srcOf(s), shell, invocation, hostValues));
  return { workspace: config.workspace, scenarios };
}
