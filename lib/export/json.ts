// Export: hyperfine's JSON format ({"results":[...]}, seconds), so hyperfine's scripts and plots read our results.

import { commandOf, type ExportRow, type ExportSelection, parametersOf, rowSeconds, selectRows } from "./table.ts";

/**
 * Field names and order follow hyperfine's BenchmarkResult (src/benchmark/benchmark_result.rs):
 * command, mean, stddev, median, user, system, min, max, times, memory_usage_byte, exit_codes,
 * parameters (omitted when empty, as hyperfine's skip_serializing_if does). Deviations, each
 * forced by data hyperfine never has:
 * - a tool with no measured run is left out: hyperfine always has runs, and its scripts take
 *   min/percentiles of `times` and round `mean`, which fail on [] and null. The results file,
 *   the CSV and the Markdown export still show it;
 * - user/system are null when CPU time was never measured (0 would claim "no CPU used");
 * - memory_usage_byte is omitted (hyperfine's Option) unless every run has a figure, since the
 *   field is u64[] and a null inside would break typed readers.
 * Pretty-printed with 2 spaces and a final newline, like serde_json::to_vec_pretty + '\n'.
 */
export function toHyperfineJson(rows: readonly ExportRow[], sel: ExportSelection = {}): string {
  const results = selectRows(rows, sel).flatMap((row) => {
    const s = rowSeconds(row);
    if (s === null) return [];
    const rss = row.maxRssBytes;
    const haveRss = rss.length > 0 && rss.every((b) => b !== null);
    const parameters = parametersOf(row);
    return [{
      command: commandOf(row),
      mean: s.mean,
      stddev: s.stddev,
      median: s.median,
      user: s.user,
      system: s.system,
      min: s.min,
      max: s.max,
      times: s.times,
      ...(haveRss ? { memory_usage_byte: rss.map((b) => Math.round(b!)) } : {}),
      exit_codes: row.exitCodes,
      ...(Object.keys(parameters).length ? { parameters } : {}),
      // Beside hyperfine's keys (its readers ignore others): `times` is the gated series; both series in seconds.
      ...(row.extras?.durableNs.length ? { returned_times: row.extras.returnedNs.map((t) => t / 1e9), durable_times: row.extras.durableNs.map((t) => (t === null ? null : t / 1e9)) } : {}),
      ...(row.extras?.toolDurationMs != null ? { tool_duration_ms: row.extras.toolDurationMs } : {}),
    }];
  });
  return `${JSON.stringify({ results }, null, 2)}\n`;
}
