// The shapes of a diagnosis: instruments, syscall summaries and I/O tallies, perf counters, flame graphs, memory scaling.

// ---- instruments -------------------------------------------------------------

export type InstrumentId = "strace" | "perf-stat" | "perf-record";

/** Whether an instrument can be used here; a missing or refused one always carries the fix. */
export type Instrument =
  | { id: InstrumentId; state: "available"; path: string; version: string | null; note?: string }
  | { id: InstrumentId; state: "missing" | "refused"; reason: string; fix: string };

// ---- strace ---------------------------------------------------------------------

/** Which time strace's -c summary reports: syscall latency (-w) or system CPU time (default). */
export type StraceTimeKind = "wall" | "system";

/** One line of `strace -c`: a syscall's calls, failed calls and time. Columns strace did not print are null. */
export interface SyscallRow {
  name: string;
  calls: number;
  errors: number;
  seconds: number | null;
  usecsPerCall: number | null;
  minSeconds: number | null;
  maxSeconds: number | null;
  percentTime: number | null;
}

export interface StraceSummary {
  timeKind: StraceTimeKind;
  rows: SyscallRow[];
  /** strace's own "total" line; null when it printed none (an empty run). */
  total: SyscallRow | null;
  /** "64 bit", "32 bit"… when strace printed one table per personality; rows are merged across them. */
  personalities: string[];
}

/** What a file descriptor pointed at, from strace -y: a file (or directory), a pipe, a socket, anything else. */
export type FdKind = "file" | "pipe" | "socket" | "other";

/** Calls of one syscall on one kind of descriptor: how many, how many failed, returned 0, and the bytes returned. */
export interface IoTally {
  syscall: string;
  target: FdKind;
  calls: number;
  failed: number;
  /** Calls that returned 0 (end of file, nothing to copy). */
  zero: number;
  bytes: number;
}

/** The byte-counting pass: every read/write/zero-copy call tallied; ioctl split into FICLONE / FICLONERANGE / other. */
export interface IoTrace {
  tallies: IoTally[];
  /** Lines that were syscalls of interest. */
  lines: number;
  /** Lines that were neither a syscall, a resumption nor strace's own notes: a format this parser does not know. */
  unparsed: number;
}

/** What one tool did during its strace passes over a known workload. */
export interface ToolSyscalls {
  tool: string;
  label: string;
  summary: StraceSummary;
  io: IoTrace | null;
}

/** The workload the diagnosis runs copied: what per-file and per-MiB figures divide by. */
export interface Workload {
  files: number;
  bytes: number;
}

// ---- syscall diff ---------------------------------------------------------------

export interface SyscallSide {
  calls: number;
  errors: number;
  perFile: number | null;
  perMiB: number | null;
  seconds: number | null;
}

export interface SyscallDiffRow {
  name: string;
  candidate: SyscallSide;
  baseline: SyscallSide;
  /** candidate.calls - baseline.calls: the ranking key (by absolute value). */
  deltaCalls: number;
}

export type IoFamily = "read" | "write";

export interface IoSide {
  calls: number;
  /** Calls that moved at least one byte: the average divides by these. */
  dataCalls: number;
  bytes: number;
  avgBytes: number | null;
}

/** Average transfer size of a family of syscalls on files (or on pipes and sockets). */
export interface IoSizeRow {
  family: IoFamily;
  target: "file" | "pipe/socket";
  candidate: IoSide;
  baseline: IoSide;
}

export type ZeroCopyCall = "copy_file_range" | "sendfile" | "splice" | "FICLONE" | "FICLONERANGE";

export interface ZeroCopySide {
  calls: number;
  failed: number;
  bytes: number;
}

export interface ZeroCopyRow {
  call: ZeroCopyCall;
  candidate: ZeroCopySide;
  baseline: ZeroCopySide;
}

export interface SyscallDiff {
  candidate: string;
  baseline: string;
  workload: Workload;
  timeKind: StraceTimeKind;
  /** Syscalls whose counts differ, largest absolute difference first. */
  rows: SyscallDiffRow[];
  totals: { candidate: SyscallSide; baseline: SyscallSide };
  /** Empty when no byte-counting pass ran. */
  ioSizes: IoSizeRow[];
  zeroCopy: ZeroCopyRow[];
  /** One sentence each, most telling first: what to look at. */
  findings: string[];
}

// ---- perf -----------------------------------------------------------------------

/** One counter from `perf stat -x,`; value null means "not available" (<not supported>, <not counted>), never 0. */
export interface PerfCounter {
  /** Event name without perf's ":u"/":k" modifier. */
  event: string;
  value: number | null;
  unit: string;
  /** Why the value is null, in perf's words ("not supported", "not counted"). */
  unavailable: string | null;
  /** Share of the run the counter was scheduled (multiplexing), percent. */
  runningPercent: number | null;
}

export interface PerfStat {
  counters: PerfCounter[];
}

/** A flame graph written for one tool: where the files are and how many samples it holds. */
export interface FlameGraphFiles {
  svg: string;
  speedscope: string | null;
  samples: number;
}

// ---- memory scaling ---------------------------------------------------------------

export interface ScalingPoint {
  files: number;
  peakBytes: number;
}

export type GrowthVerdict = "flat" | "linear" | "faster-than-linear" | "undetermined";

export interface ScalingFit {
  tool: string;
  points: ScalingPoint[];
  /** Least squares peakBytes = fixedBytes + bytesPerFile × files; null with fewer than 2 distinct counts. */
  fixedBytes: number | null;
  bytesPerFile: number | null;
  /** Per-file cost between the two smallest informative counts and between the two largest. */
  firstRate: number | null;
  lastRate: number | null;
  /** 1 + log(lastRate / firstRate) / log(count ratio of the two intervals' midpoints): ≈1 linear, ≈2 quadratic. */
  exponent: number | null;
  verdict: GrowthVerdict;
  /** Why the verdict is what it is, one clause. */
  reason: string;
}

// ---- the diagnosis record -----------------------------------------------------------

/** A part of the diagnosis: done, failed while running, or skipped (an instrument is missing: the fix says what to do). */
export type Part<T> =
  | { state: "completed"; value: T }
  | { state: "failed"; reason: string }
  | { state: "skipped"; reason: string; fix?: string };

export interface ToolDiagnosis {
  tool: string;
  label: string;
  syscalls: Part<ToolSyscalls>;
  perfStat: Part<PerfStat>;
  flameGraph: Part<FlameGraphFiles>;
}

export interface ScenarioDiagnosis {
  scenario: string;
  /** Why this scenario was diagnosed: its gate failed or could not decide (on-fail), or `--diagnose all`. */
  trigger: "gate-failed" | "gate-undecided" | "all";
  /** The gate's own reasons, copied so the Why section can stand alone. */
  gateReasons: string[];
  candidate: ToolDiagnosis;
  baseline: ToolDiagnosis;
  workload: Workload;
  /** How the diagnosis runs treated the page cache (same policy as the measured runs). */
  cache: string;
  diff: Part<SyscallDiff>;
  memory: Part<ScalingFit[]>;
  instruments: Instrument[];
  /** The folder of this diagnosis's files (flame graphs, raw summaries, diagnose.log); relative to the results file once stored. */
  outDir?: string;
  /** Wall time of the whole diagnosis of this scenario, ns (so nobody mistakes its runs for timing runs). */
  elapsedNs: number;
}
