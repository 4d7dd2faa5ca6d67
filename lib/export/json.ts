// Export: hyperfine's JSON format ({"results":[...]}, seconds), so hyperfine's scripts and plots read our results.

import { commandOf, type ExportRow, parametersOf, rowSeconds } from "./table.ts";

/**
 * Field names and order follow hyperfine's BenchmarkResult (src/benchmark/benchmark_result.rs):
 * command, mean, stddev, median, user, system, min, max, times, memory_usage_byte, exit_codes,
 * parameters. Deviations, each forced by data hyperfine never has:
 * - a row with no measured times gets null statistics and times [] (hyperfine always has runs);
 * - user/system are null when CPU time was never measured (0 would claim "no CPU used");
 * - memory_usage_byte is omitted (hyperfine's Option) unless every run has a figure, since the
 *   field is u64[] and a null inside would break typed readers.
 * Pretty-printed with 2 spaces and a final newline, like serde_json::to_vec_pretty + '\n'.
 */
export function toHyperfineJson(rows: readonly ExportRow[]): string {
  const results = rows.map((row) => {
    const s = rowSeconds(row);
    const rss = row.maxRssBytes;
    const haveRss = rss.length > 0 && rss.every((b) => b !== null);
    return {
      command: commandOf(row),
      mean: s?.mean ?? null,
      stddev: s?.stddev ?? null,
      median: s?.median ?? null,
      user: s?.user ?? null,
      system: s?.system ?? null,
      min: s?.min ?? null,
      max: s?.max ?? null,
      times: s?.times ?? [],
      ...(haveRss ? { memory_usage_byte: rss.map((b) => Math.round(b!)) } : {}),
      exit_codes: row.exitCodes,
      parameters: parametersOf(row),
    };
  });
  return `${JSON.stringify({ results }, null, 2)}\n`;
}
