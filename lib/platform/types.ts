// What every platform offers the run, one interface for linux, darwin and win32 (index.ts picks one): cache, residency, meter, tree kill, fs type, durable flush, settle, shell.
import type { ShellKind } from "../shellquote";
import type { CacheTreatment } from "../types";
import type { SettleRecord } from "../types";

export type FlushMethod = "syncfs" | "fsync+F_FULLFSYNC" | "FlushFileBuffers(volume)" | "FlushFileBuffers(files)";

/** A durable flush, timed: never thrown, a failure says why (and the run then has no durable time). */
export type FlushResult =
  | { ok: true; method: FlushMethod; flushNs: number; /** Files and directories flushed one by one (0 for a whole-fs flush). */ entries: number }
  | { ok: false; method: FlushMethod | "none"; flushNs: number; reason: string };

/** What to settle before a run: every disk under these paths is watched. */
export interface SettleRequest {
  /** The workspace (and the source, when it lives elsewhere): every device under any of them is watched. */
  path: string | readonly string[];
  sync: boolean;
  /** null = do not wait for the disk (sync only). */
  wait: { drainMibPerSec: number; quietSamples: number; maxWaitMs: number; sampleMs: number } | null;
}

/** Per-file eviction's outcome (posix_fadvise on Linux, mmap + msync on macOS, FILE_FLAG_NO_BUFFERING on Windows). */
export interface EvictResult {
  ok: number;
  failed: number;
  /** The first failure, so a fallback that did not work can say why. */
  firstError?: string;
}

/** The name the Linux fallback had first. */
export type FadviseResult = EvictResult;

export interface CacheDropResult {
  treatment: CacheTreatment;
  /** How the drop was done or why the full drop was not possible; shown in logs and reports. */
  detail?: string;
  ms: number;
}

export interface DropOptions {
  /** Linux only: the file written with "3" (tests point it somewhere unwritable to force the fallback). */
  dropCachesPath?: string;
  /** Try `sudo -n` (never prompts) when not root. Default true. */
  trySudo?: boolean;
  /** Linux only: try cgroup v2 memory.reclaim when the full drop is not possible. Default true. */
  tryReclaim?: boolean;
}

/** What measures a tool's memory (and CPU and wall time as its parent sees them). */
export interface Meter {
  kind: "mb-run" | "bun";
  /** Why memory is not the tool's own figure (or not measured); null when it is. */
  memoryNote: string | null;
  /** The mb-run binary every run is started under; null when Bun spawns the tool itself. */
  wrapperPath: string | null;
  /** Which figure a run's peak memory is (recorded with the results). */
  memory: MeterMemory;
}

/** Where a run's peak memory comes from, and whether the tool's descendants are in it. */
export interface MeterMemory {
  /** "mb-run" (wait4 in the meter), "bun" (Bun's resourceUsage().maxRSS of the child), or null: not measured. */
  source: "mb-run" | "bun" | null;
  /** true: the largest of the tool and its waited-for descendants; false: the tool's process alone; null: not measured. */
  includesDescendants: boolean | null;
  /** One line for people: which OS figure it is. */
  how: string;
}

export interface Platform {
  readonly name: string;
  /**
   * Empties the page cache before a timed run as far as this platform and these privileges allow; never silent.
   * `files` is the source's files streamed (one pass, read only when per-file eviction is the fallback; an
   * empty stream means "walk srcDir"): a million paths are never one array.
   */
  dropCaches(srcDir: string, files: Iterable<string>, opts?: DropOptions): Promise<CacheDropResult>;
  /** Fraction (0..1) of the sampled files' pages in the page cache; null where it cannot be measured. Callers pass a sample (a few dozen paths), not the tree. */
  residentFraction(files: readonly string[], sampleMax?: number): number | null;
  /** Evicts these files' clean pages (the fallback when the whole cache cannot be dropped); one pass over a stream. */
  evict(files: Iterable<string>): FadviseResult;
  /** The meter tools run under; built on first use, then remembered by this platform object. */
  meter(): Meter;
  /** Signals a tool's process tree (its group where the platform has groups). */
  killTree(pid: number, signal: NodeJS.Signals): void;
  /** The type of the file system that holds `dir` (ext4, xfs, apfs, tmpfs …); null when unknown. */
  fsType(dir: string): string | null;
  /**
   * Makes everything under `dst` durable and times it (syncfs on Linux, fsync + F_FULLFSYNC on macOS,
   * FlushFileBuffers on Windows); never throws. The run stage calls it right after the tool returned when
   * the meter cannot flush on its own clock (spawn.ts: mb-run --syncfs on Linux).
   */
  flushDurable(dst: string): FlushResult;
  /** Before a run, outside the timed window: sync, then (when asked) wait until the workspace's disks are quiet; never throws. */
  settle(req: SettleRequest): Promise<SettleRecord>;
  /** How a `shell: true` tool's command line is run. */
  readonly shell: { kind: ShellKind; argv(command: string): string[] };
}

/** How many paths a file stream holds (one pass): what a platform without per-file eviction reports as failed. */
export function countOf(items: Iterable<unknown>): number {
  let n = 0;
  for (const _ of items) n++;
  return n;
}
