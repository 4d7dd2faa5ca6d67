// The shapes passed between pipeline stages: resolved config, plan, runs, results.

// ---- workloads -------------------------------------------------------------

export type ContentKind = "random" | "zero" | "compressible" | "sparse";
export type NameStyle = "short" | "long" | "unicode" | "deep";
export type SizeDistribution = "uniform" | "log-uniform";

/** One group of generated files. A fixed size has minBytes === maxBytes. */
export interface FileGroup {
  /** Directory under the dataset root that holds this group (e.g. "g0"). */
  name: string;
  count: number;
  minBytes: number;
  maxBytes: number;
  distribution: SizeDistribution;
  /** Files per leaf directory (>= 1). */
  perDir: number;
  /** Directory levels below the group directory (0 = files sit in the group dir's leaf dirs). */
  depth: number;
  content: ContentKind;
  /** For content "compressible": target compression ratio (e.g. 3 means ~3:1). */
  compressRatio: number;
  names: NameStyle;
}

/** Copy-semantics entries people test; all counts, 0 = none. */
export interface DatasetExtras {
  emptyDirs: number;
  symlinks: number;
  hardlinks: number;
  executables: number;
  oldMtimes: number;
}

export interface DatasetSpec {
  seed: number;
  groups: FileGroup[];
  extras: DatasetExtras;
}

export interface ChangeSetSpec {
  touch: number;
  delete: number;
  add: number;
  addBytes: number;
  rename: number;
}

export type WorkloadKind = "copy" | "incremental" | "resync";

export interface WorkloadSpec {
  kind: WorkloadKind;
  dataset: DatasetSpec;
  /** Only for kind "incremental". */
  changes: ChangeSetSpec | null;
}

export interface VerifySpec {
  enabled: boolean;
  mode: boolean;
  mtime: boolean;
  symlinks: boolean;
  /** A copy made of hard links to the source's inodes (cp -al) counts; by default it fails the run. */
  allowSourceLinks: boolean;
}

// ---- tools -----------------------------------------------------------------

export interface ToolSpec {
  id: string;
  label: string;
  /** argv template with {src} / {dst}; for shell tools a single string in argv[0]. */
  argv: string[];
  shell: boolean;
  env: Record<string, string>;
  successCodes: number[];
  /** Commands that must be on PATH for the tool to be available (default: argv[0]). */
  requires: string[];
  /** argv that prints the version, or null for "argv[0] --version". */
  versionArgv: string[] | null;
  /** require_clean_build: a version line without +<git sha>, or with .dirty, makes the tool unavailable. */
  requireCleanBuild?: boolean;
}

export interface ToolAvailability {
  id: string;
  available: boolean;
  /** Absolute path of argv[0] when found. */
  path: string | null;
  reason: string | null;
  version: string | null;
}

// ---- scenarios and plan ----------------------------------------------------

export type CachePolicy = "drop" | "keep";

export interface Thresholds {
  maxTimeRatio: number;
  maxMemoryRatio: number;
  /** Fail only when the whole confidence interval lies beyond the threshold. */
  requireSignificance: boolean;
}

export interface ScenarioSpec {
  name: string;
  workload: WorkloadSpec;
  tools: string[];
  /** Candidates in order of preference; the first available is used. Empty = no gate. */
  baseline: string[];
  /** Tools gated against the baseline (empty with a baseline = every other tool). */
  candidates: string[];
  runs: number;
  warmup: number;
  timeoutMs: number;
  cache: CachePolicy;
  verify: VerifySpec;
  thresholds: Thresholds;
  /** Parameter values of a sweep point, e.g. { size: "1GiB" }; {} when not swept. */
  parameters: Record<string, string>;
  /** Name before sweep expansion. */
  baseName: string;
}

/** Where a resolved value came from, so a check made later (before the first run) still points at it: a config line, or a flag / variable. */
export interface ValueOrigin {
  /** The config key ("results_dir"), or the flag / environment variable ("--results-dir", "BENCH_ROOT"). */
  key: string;
  file?: string;
  line?: number;
  col?: number;
}

/** One entry of the config's hosts: map, resolved (paths absolute); lib/remote's HostSpec plus where mirrorbench works there. */
export interface HostConfig {
  /** The key in hosts: (names the host in messages, results and file names). */
  name: string;
  ssh: string;
  port?: number;
  identity?: string;
  sudo: boolean;
  /** Absolute POSIX path on the host; mirrorbench keeps its own things in <workspace>/.mirrorbench-host. */
  workspace: string;
  configFile?: string;
}

export interface ResolvedConfig {
  file: string;
  version: 1;
  workspace: string;
  keepWorkspace: boolean;
  resultsDir: string;
  keepResults: number | null;
  tools: Record<string, ToolSpec>;
  scenarios: ScenarioSpec[];
  /** hosts: by name; absent (or empty) without a hosts: section. */
  hosts?: Record<string, HostConfig>;
  /** run_on: the hosts a fleet run uses when --hosts does not say; absent or empty = run here. */
  runOn?: string[];
  /** Where workspace, results_dir and keep_workspace were set; absent in configs built by hand. */
  origins?: { workspace: ValueOrigin; resultsDir: ValueOrigin; keepWorkspace: ValueOrigin };
}

export type RunPhase = "warmup" | "measured";

export interface PlannedRun {
  scenario: string;
  tool: string;
  label: string;
  phase: RunPhase;
  /** 1-based index within the phase for this tool. */
  index: number;
  total: number;
  /** Measured round (1-based); warmups have round 0. */
  round: number;
  argv: string[];
  dst: string;
  cache: CachePolicy;
}

export interface ScenarioPlan {
  scenario: ScenarioSpec;
  baseline: string | null;
  candidates: string[];
  /** Tools that run, in config order. */
  tools: string[];
  skipped: { tool: string; reason: string }[];
  runs: PlannedRun[];
}

export interface Plan {
  workspace: string;
  scenarios: ScenarioPlan[];
}

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

interface RunBase {
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
