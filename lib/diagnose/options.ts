// What the user asks of a diagnosis (`diagnose:`, `--diagnose`, `memory_scaling:`), checked, and which scenarios it covers.

import { BenchError } from "../errors";
import type { CandidateVerdict } from "../types";
import type { ScenarioDiagnosis } from "./types";

export type DiagnoseMode = "off" | "on-fail" | "all";
export const DIAGNOSE_MODES: DiagnoseMode[] = ["off", "on-fail", "all"];

/** Defaults to move into lib/defaults.ts when the diagnosis is wired in (README-wiring.md). */
export const DIAGNOSE_DEFAULTS = {
  mode: "off" as DiagnoseMode,
  /** Each instrumented run may take this many times the scenario's timeout: strace -f -c costs 10–20× here. */
  timeoutFactor: 30,
  perfRecordHz: 999,
  /** Peak-RSS runs per (tool, count); the median is fitted. */
  memoryScalingRepeats: 1,
};

export interface Where {
  file?: string;
  line?: number;
  col?: number;
}

/** `diagnose: on-fail` (config) or the value of `--diagnose`; true (a bare YAML `diagnose: true`) means on-fail. */
export function parseDiagnoseMode(v: unknown, where: Where & { key: string }): DiagnoseMode {
  if (v === true) return "on-fail";
  if (v === false) return "off";
  if (typeof v === "string" && (DIAGNOSE_MODES as string[]).includes(v)) return v as DiagnoseMode;
  throw new BenchError(`must be one of ${DIAGNOSE_MODES.join(", ")} (got ${JSON.stringify(v)})`, {
    ...where,
    hint: "on-fail diagnoses every scenario whose gate did not pass; all diagnoses every gated scenario",
  });
}

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

export interface MemoryScalingSpec {
  counts: number[];
}

/** The growth rule needs three counts; a tenfold spread between the smallest and largest keeps the exponent readable. */
export const MIN_SCALING_COUNTS = 3;

/** `memory_scaling: { counts: [1000, 10000, 100000] }` on a scenario. */
export function parseMemoryScaling(v: unknown, where: Where & { key: string }): MemoryScalingSpec {
  const fail = (msg: string, hint: string) => new BenchError(msg, { ...where, hint });
  const example = "memory_scaling: { counts: [1000, 10000, 100000] }";
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw fail("must be a mapping with a counts list", example);
  const unknown = Object.keys(v).filter((k) => k !== "counts");
  if (unknown.length) throw fail(`unknown key ${unknown[0]} (known keys: counts)`, example);
  const counts = (v as { counts?: unknown }).counts;
  if (!Array.isArray(counts)) throw fail("counts must be a list of file counts", example);
  for (const c of counts) {
    if (typeof c !== "number" || !Number.isInteger(c) || c < 1) throw fail(`counts: ${JSON.stringify(c)} is not a positive whole number of files`, example);
  }
  const distinct = [...new Set(counts as number[])].sort((a, b) => a - b);
  if (distinct.length < MIN_SCALING_COUNTS) {
    throw fail(`counts needs at least ${MIN_SCALING_COUNTS} different file counts to tell linear from faster growth (got ${distinct.length})`, example);
  }
  return { counts: distinct };
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
