// Tool-native figures: the shape both parsers fill (rsync --stats, a tool's JSON summary) and the `stats:` dispatch.

import { parseRsyncStats, humanBaseFromArgv } from "./native-stats-rsync";
import { parseJsonStats } from "./native-stats-json";

/** `stats:` on a tool: which of its own outputs to read after each run. */
export type StatsKind = "rsync" | "json";

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

/** Reads the tool's captured stdout (stderr is not used: rsync and blit print their summaries on stdout). */
export function readNativeStats(kind: StatsKind, stdout: string, argv: readonly string[] = []): NativeStatsResult {
  return kind === "rsync" ? parseRsyncStats(stdout, { humanBase: humanBaseFromArgv(argv) }) : parseJsonStats(stdout);
}

/** "tool: 1,500 files, 6.0 MiB, 812 ms" for a table cell; "—" when nothing was read. */
export function describeNativeStats(r: NativeStatsResult): string {
  if (!r.ok) return `tool stats unreadable: ${r.reason}`;
  const s = r.stats;
  const parts: string[] = [];
  if (s.toolFilesTransferred !== null) parts.push(`${s.toolFilesTransferred.toLocaleString("en-US")} files`);
  if (s.toolBytes !== null) parts.push(`${(s.toolBytes / 1048576).toFixed(1)} MiB`);
  if (s.toolDurationMs !== null) parts.push(`${s.toolDurationMs.toFixed(0)} ms`);
  return parts.length ? `tool: ${parts.join(", ")}` : "—";
}

/**
 * The tool's claimed duration against the measured wall time, when it gives one: claimed / measured.
 * A tool that times only its copy loop (not start-up, scan, or the final fsync) reports less than we measure.
 */
export function claimedOverMeasured(stats: NativeStats, measuredNs: number): number | null {
  return stats.toolDurationMs === null || !(measuredNs > 0) ? null : (stats.toolDurationMs * 1e6) / measuredNs;
}
