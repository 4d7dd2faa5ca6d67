// The console a command writes to: stdout / stderr that go quiet when their reader is gone, the environment, the working folder.

export interface CliIO {
  out: (s: string) => void;
  err: (s: string) => void;
  env: Record<string, string | undefined>;
  isTTY: boolean;
  cwd: string;
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

export const defaultIO = (): CliIO => ({
  out: quietOnClose(process.stdout),
  err: quietOnClose(process.stderr),
  env: process.env,
  isTTY: Boolean(process.stdout.isTTY),
  cwd: process.cwd(),
});

/** Colour only for a person at a terminal, and not when NO_COLOR says no. */
export function colorOn(io: CliIO): boolean {
  return io.isTTY && !io.env.NO_COLOR;
}
