// Export: hyperfine's CSV format (command,mean,stddev,median,user,system,min,max,parameter_*), seconds.

import { commandOf, extraColumns, type ExportRow, type ExportSelection, parametersOf, rowSeconds, selectRows } from "./table.ts";

// Quote only when needed, as the Rust csv crate hyperfine uses does (QuoteStyle::Necessary).
function field(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

// Full precision like Rust's f64 Display, which never uses exponent notation.
function num(x: number | null): string {
  if (x === null) return "";
  const s = String(x);
  if (!/e/i.test(s)) return s;
  return x.toFixed(20).replace(/\.?0+$/, "");
}

/**
 * One line per row, "\n" line ends (csv crate default). hyperfine takes the parameter columns
 * from the first result; ours are the sorted union over all rows (blank where a row lacks one),
 * because rows from different sweeps can carry different parameters. A row without measured
 * runs keeps its line with empty number cells (the JSON leaves it out: see json.ts).
 */
export function toCsv(all: readonly ExportRow[], sel: ExportSelection = {}): string {
  const rows = selectRows(all, sel);
  const params = rows.map(parametersOf);
  const names = [...new Set(params.flatMap((p) => Object.keys(p)))].sort();
  // Issue 12's columns after hyperfine's and the parameters, only those some row has (returned/durable medians, settle, clone, the tool's own figures, flags).
  const extra = extraColumns(rows);
  const header = ["command", "mean", "stddev", "median", "user", "system", "min", "max", ...names.map((n) => `parameter_${n}`), ...extra.map((c) => c.name)];
  const lines = [header.map(field).join(",")];
  rows.forEach((row, i) => {
    const s = rowSeconds(row);
    const cells = [
      commandOf(row),
      num(s?.mean ?? null),
      num(s?.stddev ?? null),
      num(s?.median ?? null),
      num(s?.user ?? null),
      num(s?.system ?? null),
      num(s?.min ?? null),
      num(s?.max ?? null),
      ...names.map((n) => params[i]![n] ?? ""),
      ...extra.map((c) => c.cell(row)),
    ];
    lines.push(cells.map(field).join(","));
  });
  return `${lines.join("\n")}\n`;
}
