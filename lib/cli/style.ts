// How the console draws tables, plots and wrapped lines: colour, width (the terminal's, COLUMNS, else the default), --wide.

import { colorOn, type CliIO } from "../io";
import { consoleWidth } from "../text";
import { StatusLine } from "./status-line";

export interface ConsoleStyle {
  color: boolean;
  widthCols: number;
  wide: boolean;
  /** Named in the note under a narrowed table. */
  wideFlag: string;
}

/** The console's style from its io: an injected io (tests, --export-* -) decides the width, not this process's stdout. */
export function consoleStyle(io: CliIO, wide = false): ConsoleStyle {
  return { color: colorOn(io), widthCols: consoleWidth({ columns: io.columns, env: io.env }), wide, wideFlag: "--wide" };
}

/** The log's style: plain, and every column (it is read with grep and less -S, and it is the record). */
export function logStyle(st: ConsoleStyle): ConsoleStyle {
  return { ...st, color: false, wide: true };
}

/**
 * A run's console: its style, the progress line on stderr (only when stderr and the console are a terminal, never
 * with --quiet), and the
 * writers every console line goes through, which clear that line first and draw it again after.
 */
export function openConsole(io: CliIO, o: { wide: boolean; quiet: boolean }): { style: ConsoleStyle; status: StatusLine; out: (s: string) => void; err: (s: string) => void } {
  // Only when the console itself is that terminal: under `| tee` another process prints the console lines,
  // after our redraw, and they would land on the progress line's row.
  const status = new StatusLine({ write: io.err, enabled: Boolean(io.errTTY) && io.isTTY && !o.quiet, columns: () => io.errColumns?.() });
  return { style: consoleStyle(io, o.wide), status, out: status.around(io.out), err: status.around(io.err) };
}
