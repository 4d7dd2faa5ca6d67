// The executor seam: run one argv with its env and timeout, get back the measurement. Local (spawn.ts), mock (mock-executor.ts), later ssh.
import type { DurableFlush, RunMeasure } from "../types";
import type { MeterMemory } from "../platform/types";

export interface RunRequest {
  argv: string[];
  env?: Record<string, string>;
  /** Working folder of the tool; the harness's own when absent. */
  cwd?: string;
  /** Where the tool's stdout and stderr go (the bench log's descriptor), or nowhere. */
  logFd: number | "ignore";
  timeoutMs: number;
  /** durable: make everything under this folder durable right after the tool exits, timed on the run's clock where the meter can. */
  durableDir?: string;
  /** stats: keep the tool's stdout for its own figures (it still lands in the log, after the run). */
  captureStdout?: boolean;
}

export interface RunOutcome {
  /** Exit status; a death by signal is 128 + signal, as shells and hyperfine report it. */
  exitCode: number | null;
  timedOut: boolean;
  measure: RunMeasure | null;
  /**
   * Processes of the tool's tree still running after it exited (or was killed), which were then killed:
   * a count (0 = none); null = some were, the platform cannot count them (macOS, no-meter fallback);
   * undefined = not checked (Windows, or the meter itself died).
   */
  strayProcessesKilled?: number | null;
  /** With durableDir: how long until the copy was on stable storage, and how that was measured. */
  durable?: DurableFlush;
  /** With captureStdout: the end of the tool's stdout (the last DEFAULTS.stdoutTailBytes), for its own figures. */
  stdout?: string;
}

export interface Executor {
  /** What measures memory, as the results file records it. */
  readonly meter: { kind: string; memoryNote: string | null; memory?: MeterMemory };
  run(req: RunRequest): Promise<RunOutcome>;
  /** Kills every run in flight (Ctrl-C, an abandoned slot). */
  killAll(signal?: NodeJS.Signals): void;
  /** Releases what the executor holds (the meter's report folder); safe to call twice. */
  close(): void;
}

/** Where slot and harness times come from: Bun.nanoseconds for real runs, a counter the mock advances. */
export interface Clock {
  nowNs(): number;
}

export const realClock: Clock = { nowNs: () => Bun.nanoseconds() };
