// Per-tool figures from run records: which runs count, the statistics over them, and each tool's state in a scenario.

import { controlLabel, isControlArm, toolOfArm } from "../plan/arms";
import { plural } from "../text";
import { COLD_TREATMENTS, type RunRecord, type ScenarioPlan, type ToolResult, type ToolStats } from "../types";
import { median, summarize, warnings as sampleWarnings } from "./summary";

export interface WorkloadTotals {
  files: number;
  bytes: number;
}

export type Completed = Extract<RunRecord, { state: "completed" }>;

export function measuredRuns(runs: readonly RunRecord[], tool: string): RunRecord[] {
  return runs.filter((r) => r.tool === tool && r.phase === "measured").sort((a, b) => a.round - b.round);
}

/** A tool's completed measured runs in round order: the only runs whose times count. */
export function completedRuns(runs: readonly RunRecord[], tool: string): Completed[] {
  return measuredRuns(runs, tool).filter((r): r is Completed => r.state === "completed");
}

/** The wall times (ns) of a tool's completed measured runs, in round order. */
export function completedWallTimesNs(runs: readonly RunRecord[], tool: string): number[] {
  return completedRuns(runs, tool).map((r) => r.measure.wallNs);
}

export function toolStats(runs: RunRecord[], tool: string, totals: WorkloadTotals): ToolStats | null {
  const done = completedRuns(runs, tool);
  if (!done.length) return null;
  const times = done.map((r) => r.measure.wallNs);
  const time = summarize(times);
  const users = done.map((r) => r.measure.userUs).filter((x): x is number => x !== null);
  const systems = done.map((r) => r.measure.systemUs).filter((x): x is number => x !== null);
  const rss = done.map((r) => r.measure.maxRssBytes).filter((x): x is number => x !== null);
  const utils = done
    .filter((r) => r.measure.userUs !== null && r.measure.systemUs !== null)
    .map((r) => ((r.measure.userUs! + r.measure.systemUs!) * 1e3) / r.measure.wallNs);
  const dropped = (c: RunRecord["cache"]) => COLD_TREATMENTS.includes(c);
  const cache = done.every((r) => dropped(r.cache)) ? "dropped" : done.every((r) => r.cache === "kept") ? "kept" : "mixed";
  const warmup = runs.filter((r) => r.tool === tool && r.phase === "warmup" && r.state === "completed").length;
  const warn = sampleWarnings(times, { cache, warmup });
  const warmStarts = done.filter((r) => dropped(r.cache)).filter((r) => (r.residentFraction ?? 0) > 0.2);
  if (warmStarts.length) {
    warn.push(`${plural(warmStarts.length, '"cold" run')} started with >20% of sampled source pages resident (e.g. round ${warmStarts[0]!.round}: ${(warmStarts[0]!.residentFraction! * 100).toFixed(0)}%)`);
  }
  const notDropped = done.filter((r) => r.cache.startsWith("not-dropped"));
  if (notDropped.length) warn.push(`cache not dropped on ${plural(notDropped.length, "run")}: ${notDropped[0]!.cache.replace(/^not-dropped: /, "")}`);
  const avg = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
  const durableNs = done.map((r) => r.durable?.durableNs).filter((x): x is number => typeof x === "number");
  const flushFailed = done.filter((r) => r.durable && r.durable.durableNs === null);
  if (flushFailed.length) warn.push(`no durable time on ${plural(flushFailed.length, "run")}: ${flushFailed[0]!.durable!.reason ?? "the flush failed"}`);
  const sec = time.meanNs / 1e9;
  return {
    time,
    userMsMean: users.length === done.length ? avg(users)! / 1e3 : null,
    systemMsMean: systems.length === done.length ? avg(systems)! / 1e3 : null,
    cpuUtilMean: utils.length === done.length ? avg(utils) : null,
    maxRssMedianBytes: rss.length === done.length ? median(rss) : null,
    maxRssMaxBytes: rss.length === done.length ? Math.max(...rss) : null,
    ...(done.some((r) => r.durable) ? { durable: durableNs.length ? summarize(durableNs) : null } : {}),
    mibPerSec: sec > 0 ? totals.bytes / 1048576 / sec : 0,
    filesPerSec: sec > 0 ? totals.files / sec : 0,
    warnings: warn,
  };
}

export function toolResults(sp: ScenarioPlan, runs: RunRecord[], totals: WorkloadTotals, labels: Record<string, string>): ToolResult[] {
  const out: ToolResult[] = [];
  // The configured tools in config order, then the A/A control arm when there is one.
  const arms = [...sp.scenario.tools, ...sp.tools.filter((t) => isControlArm(t))];
  for (const tool of arms) {
    const label = isControlArm(tool) ? controlLabel(labels[toolOfArm(tool)] ?? toolOfArm(tool)) : (labels[tool] ?? tool);
    const skip = sp.skipped.find((s) => s.tool === tool);
    if (skip) {
      out.push({ state: "skipped", tool, label, reason: skip.reason });
      continue;
    }
    const mine = runs.filter((r) => r.tool === tool);
    const failed = mine.filter((r) => r.state === "failed");
    const stats = toolStats(runs, tool, totals);
    const expected = sp.scenario.runs;
    const measured = completedRuns(runs, tool).length;
    if (failed.length || measured < expected) {
      const first = failed[0];
      const reason = first && first.state === "failed"
        ? `${plural(failed.length, "run")} failed; first: ${first.phase} ${first.index}: ${first.reason}`
        : `only ${measured} of ${expected} measured runs completed`;
      out.push({ state: "failed", tool, label, reason, stats });
    } else {
      out.push({ state: "completed", tool, label, stats: stats! });
    }
  }
  return out;
}
