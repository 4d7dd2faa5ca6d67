// The console a command writes to: stdout / stderr that go quiet when their reader is gone, their widths, stdin, the environment, the working folder, the name the user typed.

import fs from "node:fs";
import path from "node:path";

export interface CliIO {
  /** The human console (stdout; stderr when an export goes to stdout). */
  out: (s: string) => void;
  err: (s: string) => void;
  env: Record<string, string | undefined>;
  /** `out` is a terminal. */
  isTTY: boolean;
  cwd: string;
  /** Columns of `out` when it is a terminal (tables and plots fit it); absent otherwise (COLUMNS, else 100). */
  columns?: number;
  /** stderr is a terminal: the only stream a progress line is ever drawn on. */
  errTTY?: boolean;
  /** stderr's columns now (a terminal can be resized during a run); absent off a terminal. */
  errColumns?: () => number | undefined;
  /** The real stdout, for an export written to `-` while the console went to stderr. */
  stdout?: (s: string) => void;
  /** stdin's whole text (`--config -`). */
  readStdin?: () => string;
  /** How the user started this program, for the usage text: "bun run bench", "mirrorbench", "./dist/mirrorbench". */
  prog?: string;
}

/**
 * A writer that stops once its stream fails: `--dry-run | head -1` closes the pipe (EPIPE, thrown
 * by Bun's write or emitted later), and a console redirected to a full disk fails the same way.
 * The command goes on and exits with its own status; the results file is not the console.
 */
export function quietOnClose(stream: NodeJS.WriteStream): (s: string) => void {
  let closed = false;
  stream.on("error", () => {
    closed = true;
  });
  return (s) => {
    if (closed) return;
    try {
      stream.write(s);
    } catch {
      closed = true;
    }
  };
}

/** Where this process came from, as the usage should name it. */
export interface Invoked {
  argv: string[];
  argv0: string;
  env: Record<string, string | undefined>;
  /** Bun.main: inside a compiled executable it lives in Bun's embedded file system. */
  main: string;
  cwd: string;
}

/**
 * The command as the user typed it: `bun run bench` from the package script; the path typed for the
 * compiled executable (`mirrorbench` when found on PATH); the npm bin's name when the shell's `$_`
 * names a link to this script; else `bun <script>`.
 */
export function invokedAs(p: Invoked): string {
  if (p.env.npm_lifecycle_event === "bench") return "bun run bench";
  if (p.main.startsWith("/$bunfs/") || /^[A-Z]:[\\/]~BUN[\\/]/.test(p.main)) return p.argv0;
  const script = p.argv[1];
  // Bash and zsh export $_ as the full path of the command they ran: a link to this script is the npm bin.
  const typed = p.env._;
  if (script && typed && path.basename(typed) !== path.basename(script) && sameFile(typed, script)) {
    const name = path.basename(typed);
    const onPath = Bun.which(name, { PATH: p.env.PATH ?? "" });
    return onPath && sameFile(onPath, script) ? name : typed;
  }
  return script ? `bun ${path.relative(p.cwd, script) || script}` : "mirrorbench";
}

function sameFile(a: string, b: string): boolean {
  try {
    return fs.realpathSync(a) === fs.realpathSync(b);
  } catch {
    return false;
  }
}

export const defaultIO = (): CliIO => ({
  out: quietOnClose(process.stdout),
  err: quietOnClose(process.stderr),
  env: process.env,
  isTTY: Boolean(process.stdout.isTTY),
  cwd: process.cwd(),
  columns: process.stdout.isTTY ? process.stdout.columns : undefined,
  errTTY: Boolean(process.stderr.isTTY),
  errColumns: () => (process.stderr.isTTY ? process.stderr.columns : undefined),
  stdout: quietOnClose(process.stdout),
  readStdin: () => fs.readFileSync(0, "utf8"),
  prog: invokedAs({ argv: process.argv, argv0: process.argv0, env: process.env, main: Bun.main, cwd: process.cwd() }),
});

/**
 * The console moved to stderr: an export is written to stdout, and nothing else may go there.
 * Tables then fit stderr, and colour follows stderr.
 */
export function consoleOnStderr(io: CliIO): CliIO {
  const cols = io.errColumns?.();
  return { ...io, out: io.err, isTTY: Boolean(io.errTTY), columns: cols, stdout: io.stdout ?? io.out };
}

/** Colour only for a person at a terminal, and not when NO_COLOR says no. */
export function colorOn(io: CliIO): boolean {
  return io.isTTY && !io.env.NO_COLOR;
}
