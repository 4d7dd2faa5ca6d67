// A tool's own output where it is seen: the last lines under a failed run's error line, or (--show-output) all of it as it comes; read back from bench.log, which always has it whole.

import fs from "node:fs";
import type { RunEvent } from "../run/execute";
import { plural, wrapHard } from "../text";

export interface ToolOutputOptions {
  /** bench.log, where the tool's stdout and stderr go; null when there is no log (nothing can be shown). */
  logPath: string | null;
  /** A console-only error line (not written to the log again: the log has the output already). */
  say: (line: string) => void;
  /** Console columns, to cut long lines. */
  widthCols: () => number;
  /** Lines shown under a failed run's error line (DEFAULTS.failureTailLines). */
  tailLines: number;
  /** --show-output: every line as the tool writes it; then no tail (it was all shown). */
  showOutput: boolean;
  /** How often the log is read for new output with --show-output. */
  pollMs?: number;
}

const PREFIX = "  │ ";

/** A tool's bytes as console lines: what a `\r` progress redraw left last, ANSI and other control characters removed. */
export function cleanLines(text: string): string[] {
  return text
    .split("\n")
    .map((l) => l.split("\r").filter((x) => x !== "").at(-1) ?? "")
    .map((l) => l.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, "").replace(/[\x00-\x08\x0b-\x1f\x7f]/g, ""))
    .filter((l) => l.trim() !== "");
}

function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

function readBytes(file: string, from: number, to: number): Buffer {
  if (to <= from) return Buffer.alloc(0);
  const fd = fs.openSync(file, "r");
  try {
    const buf = Buffer.alloc(to - from);
    const n = fs.readSync(fd, buf, 0, buf.length, from);
    return buf.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Follows run events: marks where the tool's output starts in the log when it is spawned and where it
 * ends when it exits (nothing else writes to the log in between), then prints the tail of that region
 * when the run failed by its exit status or timeout. With showOutput it polls the region while the tool
 * runs and prints complete lines as they land.
 */
export class ToolOutput {
  private start = 0;
  private end = 0;
  private shown = 0;
  private timer: Timer | null = null;

  constructor(private readonly o: ToolOutputOptions) {}

  onEvent(e: RunEvent): void {
    const log = this.o.logPath;
    if (!log) return;
    if (e.kind === "step" && e.step === "tool") {
      this.start = this.shown = this.end = sizeOf(log);
      if (this.o.showOutput) this.follow();
    } else if (e.kind === "step" && e.step === "check") {
      this.end = sizeOf(log);
      this.unfollow();
    } else if (e.kind === "run-end") {
      this.unfollow();
      if (!this.o.showOutput && e.state === "failed" && (e.failure === "exit" || e.failure === "timeout")) this.tail(e.run.label);
    }
  }

  /** Stops following (the end of the run, or Ctrl-C). */
  close(): void {
    this.unfollow();
  }

  /** A line of the tool's, broken to the console's width (a long path is the message: it is not cut). */
  private line(text: string): void {
    for (const piece of wrapHard(text, this.o.widthCols() - PREFIX.length)) this.o.say(`${PREFIX}${piece}`);
  }

  private tail(label: string): void {
    let lines: string[];
    try {
      lines = cleanLines(readBytes(this.o.logPath!, this.start, this.end).toString("utf8"));
    } catch {
      return;
    }
    if (!lines.length) {
      this.o.say(`  (${label} printed nothing)`);
      return;
    }
    const shown = lines.slice(-this.o.tailLines);
    const what = shown.length < lines.length ? `last ${shown.length} of ${plural(lines.length, "line")}` : plural(lines.length, "line");
    this.o.say(`  ${label}'s output (${what}; all of it is in ${this.o.logPath}):`);
    for (const l of shown) this.line(l);
  }

  private follow(): void {
    this.timer = setInterval(() => this.pump(sizeOf(this.o.logPath!), false), this.o.pollMs ?? 100);
  }

  private unfollow(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = null;
    this.pump(Math.max(this.end, this.shown), true);
  }

  /** New bytes up to `to`, whole lines only (a character split between two reads waits for its line's end) unless `final`. */
  private pump(to: number, final: boolean): void {
    let bytes: Buffer;
    try {
      bytes = readBytes(this.o.logPath!, this.shown, to);
    } catch {
      return;
    }
    const cut = final ? bytes.length : bytes.lastIndexOf(0x0a) + 1;
    this.shown += cut;
    for (const l of cleanLines(bytes.subarray(0, cut).toString("utf8"))) this.line(l);
  }
}
