// The shapes of execution results passed between stages: run records, cache treatments, statistics, verdicts.

import type { RunExtras } from "./types-runs";

export type { CloneLabel, DurableFlush, KindCheck, NativeStats, NativeStatsResult, RunExtras, SameWorkKind, SettleReason, SettleRecord, StatsKind } from "./types-runs";

export type RunPhase = "warmup" | "measured";

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

export type GateVerdict = "PASS" | "FAIL" | "UNDECIDED";

export interface CandidateVerdict {
  candidate: string;
  baseline: string;
  verdict: GateVerdict;
  timeRatio: Interval | null;
  memoryRatio: number | null;
  withinNoise: boolean;
  reasons: string[];
}
