// The shapes of execution results passed between stages: run records, cache treatments, statistics, verdicts.

import type { RunExtras } from "./types-runs";

export type { CloneLabel, DurableFlush, KindCheck, NativeStats, NativeStatsResult, RunExtras, SameWorkKind, SettleReason, SettleRecord, StatsKind } from "./types-runs";

export type RunPhase = "warmup" | "measured";

/** `gate:` — which interval decides the time gate. */
export type GateMethod = "bootstrap" | "paired";

/** `gate_on:` — which time a run is gated on: returned (the tool exited) or durable (its copy flushed too). */
export type GateOn = "returned" | "durable";

// ---- execution results -----------------------------------------------------

/**
 * How the page cache was treated before a run. Whole cache: "dropped" (Linux drop_caches), "purged" (macOS
 * purge, Windows standby-list purge). Without root: "reclaim" (Linux cgroup v2 memory.reclaim of our own
 * cgroup, plus fadvise of the source), "fadvise" (Linux posix_fadvise DONTNEED per source file), "msync"
 * (macOS mmap + msync(MS_INVALIDATE) per source file), "nobuffering" (Windows: each source file opened with
 * FILE_FLAG_NO_BUFFERING and closed). COLD_TREATMENTS lists the ones that mean "meant to start cold".
 */
export type CacheTreatment =
  | "dropped"
  | "purged"
  | "reclaim"
  | "fadvise"
  | "msync"
  | "nobuffering"
  | "kept"
  /** The run failed in the harness before it could say (execute.ts guardSlots). */
  | "unknown"
  | `not-dropped: ${string}`;

/** The treatments after which a run should start with the source out of the page cache. */
export const COLD_TREATMENTS: readonly CacheTreatment[] = ["dropped", "purged", "reclaim", "fadvise", "msync", "nobuffering"];

export interface RunMeasure {
  wallNs: number;
  userUs: number | null;
  systemUs: number | null;
  /** Peak RSS of the tool's own process tree (largest process), bytes; null when not measurable. */
  maxRssBytes: number | null;
}

interface RunBase extends RunExtras {
  scenario: string;
  tool: string;
  phase: RunPhase;
  index: number;
  round: number;
  cache: CacheTreatment;
  /** Fraction (0..1) of sampled source pages resident when the run started; null = not checked. */
  residentFraction: number | null;
  /** Whole slot (reset, cache, spawn, verify) in ns: slotNs - wallNs is the harness's cost outside the timed window. */
  slotNs?: number;
  /**
   * Processes the tool left running (or that were running when it was killed), killed by the meter after it:
   * a count; null = some were, but this platform cannot count them; absent = not checked (Windows).
   */
  strayProcessesKilled?: number | null;
}

export type RunRecord =
  | (RunBase & { state: "completed"; exitCode: number; measure: RunMeasure; verified: boolean | null })
  | (RunBase & { state: "failed"; exitCode: number | null; measure: RunMeasure | null; reason: string })
  | (RunBase & { state: "skipped"; reason: string });

export interface Summary {
  n: number;
  meanNs: number;
  stddevNs: number;
  medianNs: number;
  minNs: number;
  maxNs: number;
  p75Ns: number;
  p99Ns: number;
}

export interface ToolStats {
  time: Summary;
  userMsMean: number | null;
  systemMsMean: number | null;
  /** (user + system) / wall, mean over runs. */
  cpuUtilMean: number | null;
  maxRssMedianBytes: number | null;
  maxRssMaxBytes: number | null;
  /** Durable times (returned + flush) of the runs that have one; absent or null when no run was flushed. */
  durable?: Summary | null;
  mibPerSec: number;
  filesPerSec: number;
  warnings: string[];
}

export type ToolResult =
  | { state: "completed"; tool: string; label: string; stats: ToolStats }
  | { state: "failed"; tool: string; label: string; reason: string; stats: ToolStats | null }
  | { state: "skipped"; tool: string; label: string; reason: string };

export interface Interval {
  estimate: number;
  low: number;
  high: number;
}

/** NO-VERDICT: the A/A control was not clean, so neither PASS nor FAIL is given (decided as UNDECIDED, exit 3). */
export type GateVerdict = "PASS" | "FAIL" | "UNDECIDED" | "NO-VERDICT";

export type PairedState = "FASTER" | "SLOWER" | "EQUIVALENT" | "UNCLEAR";

/** The paired analysis as stored: per-round candidate/baseline ratios, their median, the exact sign-test interval and its state. */
export interface PairedSummary {
  ratios: { round: number; ratio: number }[];
  /** Rounds left out: either side failed, or had no time of the gated kind. */
  dropped: number[];
  medianRatio: number | null;
  candidateWins: number;
  /** [x(k), x(n+1−k)] of the sorted ratios, with its exact coverage; null with too few pairs. */
  interval: { low: number; high: number; lowRank: number; highRank: number; confidence: number } | null;
  noInterval: string | null;
  state: PairedState;
}

/** The A/A control's judgement: the baseline's second arm against the baseline, inside 1 ± (max_time_ratio − 1) / 2 or not. */
export interface ControlSummary {
  tool: string;
  state: "CLEAN" | "NOT-CLEAN";
  band: { low: number; high: number };
  interval: { low: number; high: number; estimate: number | null } | null;
  /** Which interval was judged (the gate's: "paired sign-test 97.9 %", "bootstrap 95 %"). */
  method: string;
  reason?: string;
}

export interface CandidateVerdict {
  candidate: string;
  baseline: string;
  verdict: GateVerdict;
  /** The bootstrap interval of the ratio of mean times (of the gated time). */
  timeRatio: Interval | null;
  memoryRatio: number | null;
  withinNoise: boolean;
  reasons: string[];
  /** Which interval decided (absent in older results: bootstrap). */
  gate?: GateMethod;
  /** Which time was gated (absent in older results: returned). */
  gateOn?: GateOn;
  /** The paired analysis beside the bootstrap, whichever decides. */
  paired?: PairedSummary | null;
  /** The scenario's A/A control, when it has one. */
  control?: ControlSummary | null;
  /** What the candidate's row is flagged with: different work, cloned, a paired/bootstrap disagreement. */
  flags?: string[];
}
