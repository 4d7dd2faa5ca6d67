// Words and widths on a terminal: display width (East Asian wide characters, emoji), the console's width, shortening to a width, word wrap, plurals.

import { DEFAULTS } from "./defaults";

/** Columns a terminal gives the text (ANSI colour codes count 0; wide characters and emoji 2). */
export function displayWidth(s: string): number {
  // Bun's built-in: the same figures as the string-width package (checked on CJK, emoji, ZWJ and flag sequences).
  return Bun.stringWidth(s);
}

/** The width a console table must fit: the terminal's, else COLUMNS, else 100 (mail, less, a log file). */
export function consoleWidth(src: { columns?: number; env?: Record<string, string | undefined> } = {}): number {
  if (src.columns && src.columns > 0) return Math.floor(src.columns);
  const env = Number(src.env?.COLUMNS);
  if (Number.isInteger(env) && env > 0) return env;
  return DEFAULTS.offTerminalColumns;
}

/** consoleWidth of this process: stdout's columns when it is a terminal. */
export function processConsoleWidth(): number {
  return consoleWidth({ columns: process.stdout.isTTY ? process.stdout.columns : undefined, env: process.env });
}

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** s cut to at most `cols` columns, ending in "…" when cut; never splits a grapheme (an emoji, a combining accent). */
export function truncateToWidth(s: string, cols: number): string {
  if (displayWidth(s) <= cols) return s;
  if (cols <= 0) return "";
  let out = "";
  let w = 0;
  for (const { segment } of segmenter.segment(s)) {
    const sw = displayWidth(segment);
    if (w + sw > cols - 1) break;
    out += segment;
    w += sw;
  }
  return `${out}…`;
}

/** s padded with spaces on the right to `cols` display columns. */
export function padToWidth(s: string, cols: number): string {
  return s + " ".repeat(Math.max(0, cols - displayWidth(s)));
}

/** "1 file", "2 files", "10,000 files"; the plural is word + "s" unless given. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? word : many}`;
}

/** Prose broken at spaces into lines of at most `cols` columns, later lines indented; a word longer than a line is cut. */
export function wrapWords(text: string, cols: number, indent = ""): string[] {
  const lead = /^ */.exec(text)![0];
  const lines: string[] = [];
  let line = lead;
  for (const word of text.slice(lead.length).split(" ")) {
    const bare = line.trim() === "";
    const next = bare ? `${line}${word}` : `${line} ${word}`;
    if (displayWidth(next) <= cols || bare) line = next;
    else {
      lines.push(line);
      line = `${indent}${word}`;
    }
  }
  if (line.trim()) lines.push(line);
  return lines.map((l) => truncateToWidth(l, cols));
}

/** Text cut into pieces of at most `cols` columns, anywhere but inside a grapheme (a tool's message: nothing of it is lost). */
export function wrapHard(s: string, cols: number): string[] {
  const out: string[] = [];
  let line = "";
  let w = 0;
  for (const { segment } of segmenter.segment(s)) {
    const sw = displayWidth(segment);
    if (w + sw > Math.max(1, cols) && line) {
      out.push(line);
      line = "";
      w = 0;
    }
    line += segment;
    w += sw;
  }
  if (line || !out.length) out.push(line);
  return out;
}
