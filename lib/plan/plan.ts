// The plan: scenarios × tools → an ordered list of runs (pure: no spawning, no file system).

import { workspacePaths } from "../paths";
import { selectPlatform, type Platform } from "../platform/index";
import { fillShell, PLACEHOLDER } from "../shellquote";
import type { Plan, PlannedRun, ResolvedConfig, ScenarioSpec, ScenarioPlan, ToolAvailability, ToolSpec } from "../types";

/** argv tools get the paths verbatim (no shell sees them); a shell tool's string gets them quoted for its shell. */
export function renderArgv(tool: ToolSpec, src: string, dst: string, shell: Platform["shell"]): string[] {
  const valueOf = (m: RegExpExecArray) => (m[1] === "src" ? src : dst);
  if (!tool.shell) return tool.argv.map((a) => a.replace(PLACEHOLDER, (_, k: string) => (k === "src" ? src : dst)));
  return shell.argv(fillShell(tool.argv[0]!, PLACEHOLDER, valueOf, shell.kind));
}

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
): ScenarioPlan {
  const ws = workspacePaths(config.workspace);
  const skipped = s.tools.filter((t) => !avail[t]?.available).map((t) => ({ tool: t, reason: avail[t]?.reason ?? "unknown tool" }));
  const tools = s.tools.filter((t) => avail[t]?.available);
  // The user's proxy fallback: the first baseline that exists on this machine.
  const baseline = s.baseline.find((b) => avail[b]?.available) ?? null;
  const declared = s.candidates.length ? s.candidates : s.baseline.length ? s.tools.filter((t) => !s.baseline.includes(t)) : [];
  const runs: PlannedRun[] = runOrder(tools, s.warmup, s.runs).map((o) => {
    const tool = config.tools[o.tool]!;
    const dst = ws.dst(s.name, o.tool);
    return {
      scenario: s.name,
      tool: o.tool,
      label: tool.label,
      phase: o.phase,
      index: o.index,
      total: o.phase === "warmup" ? s.warmup : s.runs,
      round: o.round,
      argv: renderArgv(tool, srcDir, dst, shell),
      dst,
      cache: s.cache,
    };
  });
  return { scenario: s, baseline, candidates: declared, tools, skipped, runs };
}

/** srcOf gives each scenario's source tree (known from its spec alone: paths.ts sourcePaths); shell runs `shell: true` tools. */
export function buildPlan(
  config: ResolvedConfig,
  avail: Record<string, ToolAvailability>,
  srcOf: (s: ScenarioSpec) => string,
  only?: (name: string) => boolean,
  shell: Platform["shell"] = selectPlatform().shell,
): Plan {
  const scenarios = config.scenarios
    .filter((s) => !only || only(s.name) || only(s.baseName))
    .map((s) => planScenario(s, config, avail, srcOf(s), shell));
  return { workspace: config.workspace, scenarios };
}
