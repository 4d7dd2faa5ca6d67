// The gate: each candidate against the baseline (time on the gated series by the chosen interval, memory, same work, clones), the A/A control, and the run's overall decision.

import { DEFAULTS } from "../defaults";
import { EXIT } from "../errors";
import { controlToolId } from "../plan/arms";
import { sameWorkFlags } from "../run/same-work";
import type { CandidateVerdict, KindCheck, RunRecord, ScenarioPlan, ToolResult } from "../types";
import { NO_VERDICT_CONTROLS } from "./control";
import { controlOf, timeGate } from "./time-gate";
import { completedRuns } from "./tool-stats";

/** A tool's measured runs labelled cloned: "CLONED 64/64 sampled files share the source's blocks — not a copy", or null. */
export function cloneFlag(runs: readonly RunRecord[], tool: string): string | null {
  const done = completedRuns(runs, tool);
  const cloned = done.filter((r) => r.clone?.state === "cloned");
  if (!cloned.length) return null;
  const c = cloned[0]!.clone as Extract<NonNullable<RunRecord["clone"]>, { state: "cloned" }>;
  return `CLONED in ${cloned.length} of ${done.length} runs (${c.clonedFiles}/${c.sampledFiles} sampled files share the source's blocks) — not a copy`;
}

/** Per tool, its worst same-work result over its measured runs (the most differing per kind). */
export function sameWorkByTool(runs: readonly RunRecord[], tools: readonly string[]): Record<string, KindCheck[]> {
  const out: Record<string, KindCheck[]> = {};
  for (const tool of tools) {
    const worst = new Map<string, KindCheck>();
    for (const r of completedRuns(runs, tool)) for (const c of r.sameWork ?? []) if ((worst.get(c.kind)?.differing ?? -1) < c.differing) worst.set(c.kind, c);
    if (worst.size) out[tool] = [...worst.values()];
  }
  return out;
}

export function verdicts(sp: ScenarioPlan, results: ToolResult[], runs: RunRecord[]): CandidateVerdict[] {
  if (!sp.scenario.baseline.length) return [];
  const s = sp.scenario;
  const th = s.thresholds;
  const gate = s.gate ?? DEFAULTS.gate;
  const gateOn = s.gateOn ?? "returned";
  const byTool = new Map(results.map((r) => [r.tool, r]));
  const control = sp.baseline && sp.tools.includes(controlToolId(sp.baseline)) ? controlOf(runs, controlToolId(sp.baseline), sp.baseline, th, gate, gateOn) : null;
  const flagsByTool = sameWorkFlags(sameWorkByTool(runs, sp.tools));
  return sp.candidates.map((candidate): CandidateVerdict => {
    const baseline = sp.baseline;
    const v: CandidateVerdict = { candidate, baseline: baseline ?? s.baseline.join("|"), verdict: "UNDECIDED", timeRatio: null, memoryRatio: null, withinNoise: false, reasons: [], gate, gateOn, paired: null, control, flags: [] };
    if (!baseline) {
      v.reasons.push(`no baseline available (${s.baseline.map((b) => `${b}: ${sp.skipped.find((x) => x.tool === b)?.reason ?? "?"}`).join("; ")})`);
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
    const t = timeGate(runs, candidate, baseline, th, gate, gateOn);
    v.timeRatio = t.bootstrap;
    v.paired = t.paired;
    v.withinNoise = t.withinNoise;
    v.reasons.push(...t.reasons);
    v.flags!.push(...t.flags);
    let verdict: CandidateVerdict["verdict"] = t.verdict;
    const cm = cand.stats.maxRssMedianBytes;
    const bm = base.stats.maxRssMedianBytes;
    if (cm !== null && bm !== null && bm > 0) {
      v.memoryRatio = cm / bm;
      if (v.memoryRatio > th.maxMemoryRatio) {
        verdict = "FAIL";
        v.reasons.push(`memory ratio ${v.memoryRatio.toFixed(3)} > ${th.maxMemoryRatio}`);
      }
    } else {
      v.reasons.push("memory not gated: peak memory was not measured");
    }
    // Different work is said, not judged: the row is flagged and the reason listed; the verdict stands.
    for (const f of flagsByTool[candidate] ?? []) v.flags!.push(f);
    for (const f of flagsByTool[baseline] ?? []) v.flags!.push(`baseline ${f}`);
    // A clone is never a fast copy: a cloned candidate against a copying baseline gets no verdict, whichever
    // way its figures went (it did other work, so neither a PASS nor a FAIL on them would be the truth).
    const clone = cloneFlag(runs, candidate);
    if (clone) {
      v.flags!.push(clone);
      if (!cloneFlag(runs, baseline)) {
        v.reasons.push(`cloned, not copied: the candidate's destination shares the source's blocks and the baseline's does not (on its figures it would have been ${verdict})`);
        verdict = "UNDECIDED";
      }
    }
    v.reasons.push(...v.flags!.filter((f) => !t.flags.includes(f)));
    if (control?.state === "NOT-CLEAN") {
      v.reasons.push(`${NO_VERDICT_CONTROLS}: ${control.reason} (the verdict would have been ${verdict})`);
      verdict = "NO-VERDICT";
    }
    v.verdict = verdict;
    return v;
  });
}

export type Decision = "GO" | "NO-GO" | "UNDECIDED" | "NO-GATE";

/** FAIL anywhere → NO-GO (1); else UNDECIDED or NO-VERDICT anywhere → UNDECIDED (3); else GO (0). Without a gate, a failed run → 1. */
export function decide(all: { verdicts: CandidateVerdict[]; tools: ToolResult[] }[]): { decision: Decision; exitCode: number } {
  const vs = all.flatMap((s) => s.verdicts);
  if (vs.some((v) => v.verdict === "FAIL")) return { decision: "NO-GO", exitCode: EXIT.noGo };
  if (vs.some((v) => v.verdict === "UNDECIDED" || v.verdict === "NO-VERDICT")) return { decision: "UNDECIDED", exitCode: EXIT.undecided };
  if (vs.length) return { decision: "GO", exitCode: EXIT.go };
  const anyFailed = all.some((s) => s.tools.some((t) => t.state === "failed"));
  return { decision: "NO-GATE", exitCode: anyFailed ? EXIT.noGo : EXIT.go };
}
