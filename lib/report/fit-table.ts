// Console tables that fit a width: low-value columns dropped or compacted in a stated order, never wrapped mid-cell.

import Table from "cli-table3";
import { styleText } from "node:util";
import { displayWidth, truncateToWidth } from "../text";

export interface FitColumn {
  id: string;
  head: string;
  /** One cell per row; a row with a note may leave the cells it covers empty. */
  cells: string[];
  align?: "left" | "right";
}

/** A message across every visible column of its row except `keep` ("skipped: not installed"). */
export interface RowNote {
  text: string;
  keep: readonly string[];
}

export interface FitTable {
  columns: FitColumn[];
  /** Per row: null, or the row's note. */
  notes: (RowNote | null)[];
}

/** One way to make a table narrower, tried in order until the table fits: drop a column, or swap columns for compact forms (matched by id). */
export type Reduction = { say: string } & ({ drop: string } | { replace: FitColumn[] });

export interface FitOptions {
  /** Columns available (the terminal's width, COLUMNS, or 100 off a terminal). */
  widthCols: number;
  /** Keep every column at full form whatever the width (`--wide`). */
  wide?: boolean;
  color?: boolean;
}

export interface Fitted {
  lines: string[];
  /** The `say` of every reduction applied, in order. */
  applied: string[];
  /** Ids of the columns drawn, and of those drawn in a compact form. */
  shown: string[];
  compacted: string[];
  /** Even the narrowest table did not fit: one block of `head: value` lines per row instead. */
  stacked: boolean;
  /** Rows whose note was shortened to fit (the caller prints the full text elsewhere). */
  shortenedNotes: number[];
}

// cli-table3 draws one space of padding each side and one border column between and around cells.
const PAD = 2;

function colWidth(c: FitColumn, notes: (RowNote | null)[]): number {
  const cells = c.cells.filter((_, i) => !notes[i] || notes[i]!.keep.includes(c.id));
  return Math.max(displayWidth(c.head), ...cells.map(displayWidth));
}

/** Display width of the drawn table: cells + padding + borders. */
export function tableWidth(cols: FitColumn[], notes: (RowNote | null)[]): number {
  return cols.reduce((sum, c) => sum + colWidth(c, notes) + PAD, 0) + cols.length + 1;
}

function apply(cols: FitColumn[], step: Reduction): FitColumn[] | null {
  if ("drop" in step) return cols.some((c) => c.id === step.drop) ? cols.filter((c) => c.id !== step.drop) : null;
  const byId = new Map(step.replace.map((c) => [c.id, c]));
  return cols.some((c) => byId.has(c.id)) ? cols.map((c) => byId.get(c.id) ?? c) : null;
}

/** The columns to draw and the reductions it took; null when even the last reduction leaves the table too wide. */
export function chooseColumns(t: FitTable, steps: readonly Reduction[], opts: FitOptions): { cols: FitColumn[]; applied: string[]; compacted: string[] } | null {
  let cols = t.columns;
  const applied: string[] = [];
  const compacted = new Set<string>();
  if (opts.wide) return { cols, applied, compacted: [] };
  for (const step of [null, ...steps]) {
    if (step) {
      const next = apply(cols, step);
      if (!next) continue;
      cols = next;
      applied.push(step.say);
      if ("replace" in step) for (const c of step.replace) compacted.add(c.id);
    }
    if (tableWidth(cols, t.notes) <= opts.widthCols) return { cols, applied, compacted: [...compacted].filter((id) => cols.some((c) => c.id === id)) };
  }
  return null;
}

export function fitTable(t: FitTable, steps: readonly Reduction[], opts: FitOptions): Fitted {
  const chosen = chooseColumns(t, steps, opts);
  if (!chosen) return stacked(t, opts);
  const { cols, applied, compacted } = chosen;
  const widths = cols.map((c) => colWidth(c, t.notes));
  const head = cols.map((c) => (opts.color ? styleText("cyan", c.head, { validateStream: false }) : c.head));
  const table = new Table({
    head,
    colWidths: widths.map((w) => w + PAD),
    colAligns: cols.map((c) => c.align ?? "left"),
    wordWrap: false,
    truncate: "…",
    // No rule between rows: half the height, and a row is still one line.
    style: { head: [], border: [], compact: true },
  });
  const shortenedNotes: number[] = [];
  t.notes.forEach((note, row) => {
    if (!note) {
      table.push(cols.map((c) => c.cells[row] ?? ""));
      return;
    }
    const out: (string | { colSpan: number; content: string; hAlign: "left" })[] = [];
    let said = false;
    for (let i = 0; i < cols.length; ) {
      if (note.keep.includes(cols[i]!.id)) {
        out.push(cols[i]!.cells[row] ?? "");
        i++;
        continue;
      }
      let j = i;
      while (j < cols.length && !note.keep.includes(cols[j]!.id)) j++;
      const room = widths.slice(i, j).reduce((a, b) => a + b, 0) + (PAD + 1) * (j - i - 1);
      const text = said ? "" : truncateToWidth(note.text, room);
      if (!said && text !== note.text) shortenedNotes.push(row);
      said = true;
      out.push({ colSpan: j - i, content: text, hAlign: "left" });
      i = j;
    }
    table.push(out as never);
  });
  return { lines: table.toString().split("\n"), applied, shown: cols.map((c) => c.id), compacted, stacked: false, shortenedNotes };
}

/** The last resort on a very narrow console: a block per row, first column as its title, then `head: value` lines. */
function stacked(t: FitTable, opts: FitOptions): Fitted {
  const [first, ...rest] = t.columns;
  const lines: string[] = [];
  const fit = (s: string) => truncateToWidth(s, opts.widthCols);
  const shortenedNotes: number[] = [];
  t.notes.forEach((note, row) => {
    lines.push(fit(first?.cells[row] ?? ""));
    if (note) {
      const line = `  ${note.text}`;
      if (fit(line) !== line) shortenedNotes.push(row);
      lines.push(fit(line));
    }
    for (const c of rest) {
      if (note && !note.keep.includes(c.id)) continue;
      const v = c.cells[row] ?? "";
      if (v) lines.push(fit(`  ${c.head}: ${v}`));
    }
  });
  return { lines, applied: [], shown: t.columns.map((c) => c.id), compacted: [], stacked: true, shortenedNotes };
}
