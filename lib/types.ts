// The shapes passed between pipeline stages: resolved config, plan, runs, results.

import type { GateMethod, GateOn, RunPhase } from "./types-results";
import type { StatsKind } from "./types-runs";
import type { RunEndpoints, ToolDaemonSpec } from "./types-remote";

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

/**
 * The same-work levels of `verify:` (checked after a verified run; a difference flags the tool's row, it does not
 * fail the run), and the clone label.
 */
export interface SameWorkSpec {
  /** Hard-link groups kept. */
  links: boolean;
  /** user.* extended attributes kept. */
  xattrs: boolean;
  /** Holes kept (and no holes made). */
  sparse: boolean;
  /** Owners and groups kept. */
  owner: boolean;
  /** Label a destination sharing extents with its source (reflink) as cloned. */
  clone: boolean;
}

/** `state:` — {state} is a fresh empty directory for every run (removed after it), or one directory per tool kept across runs. */
export type StateMode = "fresh" | "shared";



/** `settle:` resolved: sync(1) before every run, and the wait for quiet disks (null = no wait). */
export interface SettleSpec {
  sync: boolean;
  wait: { drainMibPerSec: number; quietSamples: number; maxWaitMs: number; sampleMs: number } | null;
}

/** `preflight:` resolved. */
export interface PreflightSpec {
  enabled: boolean;
  /** null: cores × DEFAULTS.preflight.maxLoadPerCore. */
  maxLoad: number | null;
  forbidProcesses: string[];
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
  /** How `perf record` walks this tool's stacks in a diagnosis (`call_graph:`); absent = frame pointers. */
  callGraph?: CallGraph;
  /** require_clean_build: a version line without +<git sha>, or with .dirty, makes the tool unavailable. */
  requireCleanBuild?: boolean;
  /** durable: this tool's runs are flushed (in every scenario), whatever the scenario says. */
  durable?: boolean;
  /** state: this tool's {state} mode, over the scenario's. */
  state?: StateMode;
  /** stats: its own figures, read from its stdout after each run. */
  stats?: StatsKind;
  daemon?: ToolDaemonSpec;
}

/** fp: frame pointers (cheap; a binary built without them shows one-frame stacks); dwarf: unwinding from debug info. */
export type CallGraph = "fp" | "dwarf";

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
  /** `memory_scaling:` — the file counts at which a diagnosis measures each tool's peak memory; absent or null = not asked. */
  memoryScaling?: MemoryScalingSpec | null;
  /** verify:'s same-work levels; absent in configs built by hand (= none checked). */
  sameWork?: SameWorkSpec;
  /** Before every run: sync, and maybe wait for quiet disks. Absent in configs built by hand (= sync only). */
  settle?: SettleSpec;
  /** Every tool's destination flushed inside the timed window (a tool's own durable: true adds it for that tool). */
  durable?: boolean;
  /** Which interval decides the time gate (default bootstrap). */
  gate?: GateMethod;
  /** Which time is gated (default: durable when every gated tool is durable, else returned). */
  gateOn?: GateOn;
  /** {state} mode for this scenario's tools (a tool's own state: wins). */
  state?: StateMode;
  /** The baseline runs a second time as its own arm (A/A control). */
  control?: boolean;
  /** `source: { host }` / `destination: { host }`: the end lives on that host of hosts: (absent = here). */
  sourceHost?: string;
  destinationHost?: string;
}

/** Distinct file counts, ascending (at least three). */
export interface MemoryScalingSpec {
  counts: number[];
}

/** `diagnose:` / `--diagnose`: off, every scenario whose gate did not pass (on-fail), or every gated scenario (all). */
export type DiagnoseMode = "off" | "on-fail" | "all";

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
  /** After the measured runs, which scenarios are diagnosed (strace, perf, memory growth); absent = off. */
  diagnose?: DiagnoseMode;
  /** hosts: by name; absent (or empty) without a hosts: section. */
  hosts?: Record<string, HostConfig>;
  /** run_on: the hosts a fleet run uses when --hosts does not say; absent or empty = run here. */
  runOn?: string[];
  /** preflight: resolved; absent in configs built by hand (= on, with the defaults). */
  preflight?: PreflightSpec;
  /** Where workspace, results_dir and keep_workspace were set; absent in configs built by hand. */
  origins?: { workspace: ValueOrigin; resultsDir: ValueOrigin; keepWorkspace: ValueOrigin };
}

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
  /** The tool's env with {state} and {run} filled (absent: the tool's env as configured). */
  env?: Record<string, string>;
  /** {run}: unique over invocations and runs ([A-Za-z0-9._-]). */
  runId?: string;
  /** {state}: the run's state directory, or null when the tool names no {state}. */
  stateDir?: string | null;
  stateMode?: StateMode;
  /** Flush the destination inside the timed window. */
  durable?: boolean;
  /** Read the tool's own figures from its stdout. */
  stats?: StatsKind;
  /** This run is the A/A control arm (the baseline again). */
  control?: boolean;
  /** Hosts of the source and destination, when either is remote; the daemon to run beside the tool, filled. */
  endpoints?: RunEndpoints;
  daemon?: ToolDaemonSpec;
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

// Execution results (run records, statistics, verdicts) live beside this file; every stage imports them from here.
export * from "./types-results";
export * from "./types-remote";
