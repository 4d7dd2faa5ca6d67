// What a run records beyond its times: the settle before it, the durable flush, the same-work checks, the clone label, the tool's own figures.

import type { DaemonRunRecord } from "./types-remote";

/** `stats:` on a tool: which of its own outputs to read after each run. */
export type StatsKind = "rsync" | "json";

/** Why the wait before a run ended. */
export type SettleReason = "quiet" | "max-wait" | "disabled" | `no device to watch: ${string}` | `cannot sample: ${string}`;

/** What was done and waited before one run (settle:), outside the timed window. */
export interface SettleRecord {
  /** Wall time of `sync`, ms; null when sync was off. */
  syncMs: number | null;
  /** Why sync failed, when it did (the run still goes on). */
  syncError?: string;
  waitedMs: number;
  samples: number;
  /** Write rate over the last interval (the largest over the watched devices), MiB/s; null when nothing was sampled. */
  lastMibPerSec: number | null;
  peakMibPerSec: number | null;
  reason: SettleReason;
  /** diskstats names of the watched devices. */
  devices: string[];
}

/**
 * A run's destination made durable inside the timed window (durable: true): "meter" = mb-run flushed (syncfs) the
 * instant it reaped the tool and read its clock again, so durable and returned share one clock with no gap;
 * "harness" = the platform flushed after the meter returned (macOS, Windows, no mb-run), durable = returned +
 * flush, two intervals whose gap (meter exit, report read) is in neither.
 */
export interface DurableFlush {
  /** Spawn → on stable storage, ns; null when the flush failed (then the run has no durable time). */
  durableNs: number | null;
  /** The flush alone, ns; null when it failed. */
  flushNs: number | null;
  /** syncfs, fsync+F_FULLFSYNC, FlushFileBuffers(volume), FlushFileBuffers(files). */
  method: string;
  timedBy: "meter" | "harness";
  reason?: string;
}

export type SameWorkKind = "links" | "xattrs" | "sparse" | "owner";

/** One same-work level checked on one run's destination. */
export interface KindCheck {
  kind: SameWorkKind;
  /** Source items that had something to keep (link groups, entries with xattrs, sparse files, entries). */
  checked: number;
  /** Of those (plus destination-only differences), how many the destination does not match. */
  differing: number;
  examples: string[];
  /** Set when the check could not run here (e.g. no xattr calls on this platform). */
  unavailable?: string;
}

/** Was the destination cloned (extents shared with the source) rather than copied? */
export type CloneLabel =
  | { state: "copied"; sampledFiles: number; sampledBytes: number }
  | {
      state: "cloned";
      sampledFiles: number;
      sampledBytes: number;
      /** Sampled files with at least one extent on the source's own blocks. */
      clonedFiles: number;
      /** Bytes of the sampled destination files that sit on the source's own blocks. */
      overlapBytes: number;
      example: string;
    }
  | { state: "unknown"; reason: string };

/**
 * What a tool says it did, per run. The three headline figures have fixed names so tables and exports can
 * put them beside the measured ones; `fields` holds every figure parsed, each name carrying its unit.
 */
export interface NativeStats {
  kind: StatsKind;
  /** Regular files the tool says it transferred. */
  toolFilesTransferred: number | null;
  /** File data the tool says it handled, bytes (rsync: total transferred file size; json: total_bytes or bytes_transferred). */
  toolBytes: number | null;
  /** Which figure toolBytes came from ("Total transferred file size", "total_bytes", "bytes_transferred"). */
  toolBytesFrom: string | null;
  /** The tool's own claimed duration, ms (json duration_ms); rsync reports none (its rate divides by whole seconds + 0.5). */
  toolDurationMs: number | null;
  fields: Record<string, number>;
  /** Figures rounded by a human-readable format, fields that could not be read, … */
  notes: string[];
}

/** Parse failure: the run keeps its measurement, the row says why no tool figures were read. */
export type NativeStatsResult = { ok: true; stats: NativeStats } | { ok: false; kind: StatsKind; reason: string };

/** Everything a run records beyond its times; every field optional, so results written before them still load. */
export interface RunExtras {
  /** {run}. */
  runId?: string;
  /** {state}: the run's state directory (null: the tool names no {state}). */
  stateDir?: string | null;
  /** The A/A control arm's run. */
  control?: boolean;
  settle?: SettleRecord;
  /** Same value as measure.wallNs, named for the table beside durableNs. */
  returnedNs?: number;
  durable?: DurableFlush;
  sameWork?: KindCheck[];
  clone?: CloneLabel;
  toolStats?: NativeStatsResult;
  /** With --force after a failed preflight: "preflight failed: …". */
  preflight?: string;
  /** Host id whose meter timed the run (the initiating host; set when an end or a daemon is remote). */
  timedBy?: string;
  /** Each end's cache treatment before the run, by host ("local" = this machine), when an end is remote. */
  cacheByHost?: Record<string, string>;
  /** The tool's daemon; with it measure.maxRssBytes is client + daemon, and memoryParts says which is which. */
  daemon?: DaemonRunRecord;
  memoryParts?: { clientBytes: number | null; daemonBytes: number | null };
}
