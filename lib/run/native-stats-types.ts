// Tool-native figures: the shapes the parsers fill (kept apart so the parsers and their dispatch do not import each other).

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
