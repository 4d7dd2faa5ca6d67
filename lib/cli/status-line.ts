// The one redrawn line at the bottom of a terminal (stderr): drawn only on a TTY, never wider than the terminal, cleared before any other console line and drawn again after it.

import { truncateToWidth } from "../text";

export interface StatusLineOptions {
  /** Writes to stderr. */
  write: (s: string) => void;
  /** stderr is a terminal and the user did not ask for quiet: otherwise nothing is ever drawn. */
  enabled: boolean;
  /** The terminal's columns now (it can be resized mid-run); undefined when unknown. */
  columns: () => number | undefined;
}

/**
 * A `\r` redraw wider than the terminal wraps, and the next `\r` returns only to the start of the
 * last row, leaving copies behind: every text is cut to columns − 1 (the last column would make some
 * terminals wrap early) and the rest of the row is erased.
 */
export class StatusLine {
  private text = "";
  private drawn = false;
  private paused = false;

  constructor(private readonly o: StatusLineOptions) {}

  get enabled(): boolean {
    return this.o.enabled;
  }

  /** The width a status text may take. */
  width(): number {
    return Math.max(10, (this.o.columns() ?? 80) - 1);
  }

  /** Shows `text` now (unless paused). */
  show(text: string): void {
    if (!this.o.enabled) return;
    this.text = text;
    if (!this.paused) this.draw();
  }

  /** Erases the line, if one is drawn. */
  clear(): void {
    if (!this.o.enabled || !this.drawn) return;
    this.o.write("\r\x1b[K");
    this.drawn = false;
  }

  /** Erases it and draws nothing until resume(): someone else (the dataset bar) owns the row. */
  pause(): void {
    this.clear();
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  /** Erases it for good. */
  done(): void {
    this.clear();
    this.text = "";
  }

  /** A console writer that clears the line, writes, and draws the line again below what it wrote. */
  around(write: (s: string) => void): (s: string) => void {
    return (s) => {
      if (!this.drawn) return write(s);
      this.clear();
      write(s);
      if (this.text && !this.paused) this.draw();
    };
  }

  private draw(): void {
    if (!this.text) return;
    this.o.write(`\r${truncateToWidth(this.text, this.width())}\x1b[K`);
    this.drawn = true;
  }
}
