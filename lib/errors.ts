// The one user-facing error type: what went wrong, where (file:line:col, key), and the fix.

import { DEFAULTS } from "./defaults";

export const EXIT = {
  go: 0,
  noGo: 1,
  usage: 2,
  undecided: 3,
  regression: 4,
  locked: 5,
  /** An output (results, export, decision report, log) could not be written; what was measured went wherever still possible. */
  output: 6,
  /** Preflight failed (a busy machine, a compiler running, a timer off, too little free memory) and --force was not given. */
  preflight: 7,
  interrupted: 130,
} as const;

export interface BenchErrorInit {
  hint?: string;
  file?: string;
  line?: number;
  col?: number;
  key?: string;
  exitCode?: number;
  cause?: unknown;
}

export class BenchError extends Error {
  readonly hint?: string;
  readonly file?: string;
  readonly line?: number;
  readonly col?: number;
  readonly key?: string;
  readonly exitCode: number;

  constructor(message: string, init: BenchErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = "BenchError";
    this.hint = init.hint;
    this.file = init.file;
    this.line = init.line;
    this.col = init.col;
    this.key = init.key;
    this.exitCode = init.exitCode ?? EXIT.usage;
  }

  /** "file:line:col: key: message\n  hint: …" — the shape editors and grep understand. */
  format(): string {
    let where = "";
    if (this.file) {
      where = this.file;
      if (this.line !== undefined) where += `:${this.line}`;
      if (this.line !== undefined && this.col !== undefined) where += `:${this.col}`;
      where += ": ";
    }
    const key = this.key ? `${this.key}: ` : "";
    let out = `error: ${where}${key}${this.message}`;
    if (this.hint) out += `\n  hint: ${this.hint}`;
    return out;
  }
}

/** Errno codes that mean "the disk would not take it": the fault is the place, not the program. */
const IO_CAUSES: Record<string, string> = {
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EROFS: "read-only file system",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EFBIG: "file too large",
  EIO: "input/output error",
  ENOTDIR: "a parent in the path is a file, not a directory",
  EISDIR: "it is a directory",
  ENAMETOOLONG: "path too long",
};

/** "ENOSPC (no space left on device)" for an I/O failure, null for anything else. */
export function ioCause(e: unknown): string | null {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return typeof code === "string" && code in IO_CAUSES ? `${code} (${IO_CAUSES[code]})` : null;
}

/** One line for an I/O failure on a path: what was being done, where (Bun leaves `path` off some write errors), why. */
export function ioLine(e: unknown, what = "write", file?: string): string {
  const x = e as NodeJS.ErrnoException;
  const where = file ?? x.path;
  return `cannot ${what}${where ? ` ${where}` : ""}: ${ioCause(e) ?? x.code ?? x.message}`;
}

/** Runs a command, printing a BenchError as the user should see it; a disk that refuses a write gets one line and EXIT.output; anything unexpected keeps its stack. */
export async function reportingErrors(err: (s: string) => void, fn: () => number | Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof BenchError) {
      err(e.format() + "\n");
      return e.exitCode;
    }
    if (ioCause(e)) {
      err(`error: ${ioLine(e, (e as NodeJS.ErrnoException).syscall ?? "write")}\n`);
      return EXIT.output;
    }
    throw e;
  }
}

/** node:util parseArgs errors become usage errors (exit 2), without Node's "To specify a positional…" tail. */
export function parseFlags<R>(run: () => R, hint: string): R {
  try {
    return run();
  } catch (e: any) {
    throw new BenchError(String(e?.message ?? e).replace(/\. To specify.*$/s, ""), { hint });
  }
}


/** An error as one console line: the first line of its message, a long middle (deep paths) elided. */
export function oneLine(e: unknown, maxChars = DEFAULTS.errorLineMaxChars): string {
  const text = (e instanceof Error ? e.message : String(e)).split("\n")[0]!;
  if (text.length <= maxChars) return text;
  const keep = Math.floor((maxChars - 1) / 2);
  return `${text.slice(0, keep)}…${text.slice(text.length - keep)}`;
}
