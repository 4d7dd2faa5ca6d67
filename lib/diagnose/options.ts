// What the user asks of a diagnosis (`diagnose:`, `--diagnose`, `memory_scaling:`), checked, and which scenarios it covers.

import { DIAGNOSE_MODES, MIN_SCALING_COUNTS, parseDiagnoseMode, parseMemoryScaling, type Where } from "../config/diagnose";
import { DEFAULTS } from "../defaults";
import type { CandidateVerdict, DiagnoseMode, MemoryScalingSpec } from "../types";
import type { ScenarioDiagnosis } from "./types";

// Parsing lives in the config stage (the loader needs it); re-exported so the diagnosis has one front door.
export { DIAGNOSE_MODES, MIN_SCALING_COUNTS, parseDiagnoseMode, parseMemoryScaling };
export type { DiagnoseMode, MemoryScalingSpec, Where };

export const DIAGNOSE_DEFAULTS = DEFAULTS.diagnose;

/**
 * `--diagnose` alone means on-fail; `--diagnose all` (two words) becomes `--diagnose=all`, so a parser that
 * takes a string option sees one value either way. Other arguments pass through unchanged.
 */
export function normalizeDiagnoseFlag(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--diagnose") {
      const next = argv[i + 1];
      if (next !== undefined && (DIAGNOSE_MODES as string[]).includes(next)) {
        out.push(`--diagnose=${next}`);
        i++;
      } else out.push("--diagnose=on-fail");
    } else out.push(a);
  }
  return out;
}

export interface GatedScenario {
  name: string;
  verdicts: CandidateVerdict[];
}

export interface DiagnosisTarget {
  scenario: string;
  candidate: string;
  baseline: string;
  trigger: ScenarioDiagnosis["trigger"];
  gateReasons: string[];
}

/**
 * The (scenario, candidate, baseline) pairs to diagnose. on-fail: every pair whose verdict is not PASS (FAIL, and
 * UNDECIDED, which did not pass either); all: every gated pair. A scenario without a baseline has no verdicts and
 * nothing to compare against, so it is never diagnosed.
 */
export function selectTargets(scenarios: GatedScenario[], mode: DiagnoseMode): DiagnosisTarget[] {
  if (mode === "off") return [];
  const out: DiagnosisTarget[] = [];
  for (const s of scenarios) {
    for (const v of s.verdicts) {
      if (mode === "on-fail" && v.verdict === "PASS") continue;
      const trigger = v.verdict === "FAIL" ? "gate-failed" : v.verdict === "UNDECIDED" ? "gate-undecided" : "all";
      out.push({ scenario: s.name, candidate: v.candidate, baseline: v.baseline, trigger, gateReasons: v.reasons });
    }
  }
  return out;
}

/** Did the gate fail this pair on memory (the reason analyze/verdicts.ts writes)? */
export function failedOnMemory(t: Pick<DiagnosisTarget, "gateReasons">): boolean {
  return t.gateReasons.some((r) => r.startsWith("memory ratio"));
}

/**
 * The file counts a diagnosis measures memory growth at: the scenario's memory_scaling, else — for a pair the gate
 * failed on memory — fractions of the scenario's own file count (when the smallest still has enough files), else none.
 */
export function scalingCounts(spec: MemoryScalingSpec | null | undefined, t: Pick<DiagnosisTarget, "gateReasons">, files: number): number[] | null {
  if (spec) return spec.counts;
  if (!failedOnMemory(t)) return null;
  const counts = [...new Set(DIAGNOSE_DEFAULTS.memoryFractions.map((f) => Math.round(files * f)))].sort((a, b) => a - b);
  return counts.length >= MIN_SCALING_COUNTS && counts[0]! >= DIAGNOSE_DEFAULTS.memoryMinFiles ? counts : null;
}
