// Analysis: per-tool statistics from run records, candidate-vs-baseline verdicts, the overall decision.

import { DEFAULTS } from "../defaults";
import { EXIT } from "../errors";
import { bootstrapRatioCI, gateTime, median, summarize, warnings as sampleWarnings } from "./summary";
import type { CandidateVerdict, RunRecord, ScenarioPlan, ToolResult, ToolStats } from "../types";

export interface WorkloadTotals {
  files: number;
  bytes: number;
}

type Completed = Extract<RunRecord, { state: "completed" }>;

export function measuredRuns(runs: RunRecord[], tool: string): RunRecord[] {
  return runs.filter((r) => r.tool === tool && r.phase === "measured").sort((a, b) => a.round - b.round);
}

export function toolStats(runs: RunRecord[], tool: string, totals: WorkloadTotals): ToolStats | null {
  const done = measuredRuns(runs, tool).filter((r): r is Completed => r.state === "completed");
  if (!done.length) return null;
  const times = done.map((r) => r.measure.wallNs);
  const time = summarize(times);
  const users = done.map((r) => r.measure.userUs).filter((x): x is number => x !== null);
  const systems = done.map((r) => r.measure.systemUs).filter((x): x is number => x !== null);
  const rss = done.map((r) => r.measure.maxRssBytes).filter((x): x is number => x !== null);
  const utils = done
    .filter((r) => r.measure.userUs !== null && r.measure.systemUs !== null)
    .map((r) => ((r.measure.userUs! + r.measure.systemUs!) * 1e3) / r.measure.wallNs);
  const warn = sampleWarnings(times);
  const warmStarts = done.filter((r) => r.cache === "dropped" || r.cache === "fadvise" || r.cache === "purged").filter((r) => (r.residentFraction ?? 0) > 0.2);
  if (warmStarts.length) {
    warn.push(`${warmStarts.length} "cold" run(s) started with >20% of sampled source pages resident (e.g. round ${warmStarts[0]!.round}: ${(warmStarts[0]!.residentFraction! * 100).toFixed(0)}%)`);
  }
  const notDropped = done.filter((r) => r.cache.startsWith("not-dropped"));
  if (notDropped.length) warn.push(`cache not dropped on ${notDropped.length} run(s): ${notDropped[0]!.cache.replace(/^not-dropped: /, "")}`);
  const avg = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
  const sec = time.meanNs / 1e9;
  return {
    time,
    userMsMean: users.length === done.length ? avg(users)! / 1e3 : null,
    systemMsMean: systems.length === done.length ? avg(systems)! / 1e3 : null,
    cpuUtilMean: utils.length === done.length ? avg(utils) : null,
    maxRssMedianBytes: rss.length === done.length ? median(rss) : null,
    maxRssMaxBytes: rss.length === done.length ? Math.max(...rss) : null,
    mibPerSec: sec > 0 ? totals.bytes / 1048576 / sec : 0,
    filesPerSec: sec > 0 ? totals.files / sec : 0,
    warnings: warn,
  };
}

export function toolResults(sp: ScenarioPlan, runs: RunRecord[], totals: WorkloadTotals, labels: Record<string, string>): ToolResult[] {
  const out: ToolResult[] = [];
  for (const tool of sp.scenario.tools) {
    const label = labels[tool] ?? tool;
    const skip = sp.skipped.find((s) => s.tool === tool);
    if (skip) {
      out.push({ state: "skipped", tool, label, reason: skip.reason });
      continue;
    }
    const mine = runs.filter((r) => r.tool === tool);
    const failed = mine.filter((r) => r.state === "failed");
    const stats = toolStats(runs, tool, totals);
    const expected = sp.scenario.runs;
    const measured = measuredRuns(runs, tool).filter((r) => r.state === "completed").length;
    if (failed.length || measured < expected) {
      const first = failed[0];
      const reason = first && first.state === "failed"
        ? `${failed.length} run(s) failed; first: ${first.phase} ${first.index}: ${first.reason}`
        : `only ${measured} of ${expected} measured runs completed`;
      out.push({ state: "failed", tool, label, reason, stats });
    } else {
      out.push({ state: "completed", tool, label, stats: stats! });
    }
  }
  return out;
}

export function verdicts(sp: ScenarioPlan, results: ToolResult[], runs: RunRecord[]): CandidateVerdict[] {
  if (!sp.scenario.baseline.length) return [];
  const th = sp.scenario.thresholds;
  const byTool = new Map(results.map((r) => [r.tool, r]));
  return sp.candidates.map((candidate): CandidateVerdict => {
    const baseline = sp.baseline;
    const v: CandidateVerdict = { candidate, baseline: baseline ?? sp.scenario.baseline.join("|"), verdict: "UNDECIDED", timeRatio: null, memoryRatio: null, withinNoise: false, reasons: [] };
    if (!baseline) {
      v.reasons.push(`no baseline available (${sp.scenario.baseline.map((b) => `${b}: ${sp.skipped.find((s) => s.tool === b)?.reason ?? "?"}`).join("; ")})`);
      return v;
    }
    const base = byTool.get(baseline)!;
    const cand = byTool.get(candidate)!;
    if (cand.state === "skipped") {
      v.reasons.push(`candidate ${candidate} skipped: ${cand.reason}`);
      return v;
    }
    if (base.state !== "completed") {
      v.reasons.push(`baseline ${baseline} ${base.state}: ${base.reason}`);
      return v;
    }
    if (cand.state === "failed") {
      v.verdict = "FAIL";
      v.reasons.push(`candidate failed: ${cand.reason}`);
      return v;
    }
    const times = (tool: string) =>
      measuredRuns(runs, tool).flatMap((r) => (r.state === "completed" ? [r.measure.wallNs] : []));
    const ci = bootstrapRatioCI(times(candidate), times(baseline), { resamples: DEFAULTS.bootstrapResamples, confidence: DEFAULTS.confidence });
    v.timeRatio = ci;
    const g = gateTime(ci, th.maxTimeRatio, th.requireSignificance);
    v.withinNoise = g.withinNoise;
    let pass = g.pass;
    if (!g.pass) v.reasons.push(`time ratio ${ci.estimate.toFixed(3)} > ${th.maxTimeRatio}`);
    const cm = cand.stats.maxRssMedianBytes;
    const bm = base.stats.maxRssMedianBytes;
    if (cm !== null && bm !== null && bm > 0) {
      v.memoryRatio = cm / bm;
      if (v.memoryRatio > th.maxMemoryRatio) {
        pass = false;
        v.reasons.push(`memory ratio ${v.memoryRatio.toFixed(3)} > ${th.maxMemoryRatio}`);
      }
    } else {
      v.reasons.push("memory not gated: peak memory was not measured");
    }
    v.verdict = pass ? "PASS" : "FAIL";
    return v;
  });
}

export type Decision = "GO" | "NO-GO" | "UNDECIDED" | "NO-GATE";

export function decide(all: { verdicts: CandidateVerdict[]; tools: ToolResult[] }[]): { decision: Decision; exitCode: number } {
  const vs = all.flatMap((s) => s.verdicts);
  if (vs.some((v) => v.verdict === "FAIL")) return { decision: "NO-GO", exitCode: EXIT.noGo };
  if (vs.some((v) => v.verdict === "UNDECIDED")) return { decision: "UNDECIDED", exitCode: EXIT.undecided };
  if (vs.length) return { decision: "GO", exitCode: EXIT.go };
  const anyFailed = all.some((s) => s.tools.some((t) => t.state === "failed"));
  return { decision: "NO-GATE", exitCode: anyFailed ? EXIT.noGo : EXIT.go };
}
