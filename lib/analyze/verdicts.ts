// The gate: each candidate against the baseline (time ratio with its bootstrap interval, memory ratio) and the run's overall decision.

import { DEFAULTS } from "../defaults";
import { EXIT } from "../errors";
import type { CandidateVerdict, RunRecord, ScenarioPlan, ToolResult } from "../types";
import { bootstrapRatioCI, gateTime } from "./bootstrap";
import { completedWallTimesNs } from "./tool-stats";

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
      v.reasons.push(`candidate missing: ${cand.reason}`);
      return v;
    }
    if (base.state !== "completed") {
      v.reasons.push(`baseline ${base.state === "skipped" ? "missing" : base.state}: ${base.reason}`);
      return v;
    }
    if (cand.state === "failed") {
      v.verdict = "FAIL";
      v.reasons.push(`candidate failed: ${cand.reason}`);
      return v;
    }
    const ci = bootstrapRatioCI(completedWallTimesNs(runs, candidate), completedWallTimesNs(runs, baseline), { resamples: DEFAULTS.bootstrapResamples, confidence: DEFAULTS.confidence });
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
