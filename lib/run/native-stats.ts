// Tool-native figures: the shape both parsers fill (rsync --stats, a tool's JSON summary) and the `stats:` dispatch.

import { parseRsyncStats, humanBaseFromArgv } from "./native-stats-rsync";
import { parseJsonStats } from "./native-stats-json";
import type { NativeStats, NativeStatsResult, StatsKind } from "./native-stats-types";

export type { NativeStats, NativeStatsResult, StatsKind } from "./native-stats-types";


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
