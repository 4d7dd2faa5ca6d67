// Spawning one instrumented run for a diagnosis: own process group, timeout, and the whole group killed after it.

import fs from "node:fs";

export interface DiagnoseExecRequest {
  argv: string[];
  /** The tool's own environment variables (over ours). */
  env?: Record<string, string>;
  /** Receives the run's stderr (and stdout unless stdoutFile is set); appended. */
  logFile: string;
  /** Where stdout goes when it is data (perf script), not log. */
  stdoutFile?: string;
  timeoutMs: number;
}

export interface DiagnoseExecOutcome {
  /** Exit status; death by signal is 128 + signal. */
  exitCode: number | null;
  timedOut: boolean;
  wallNs: number;
}

/** The seam the wiring replaces with the run stage's executor (the meter, ssh hosts); tests may use this one. */
export type DiagnoseExec = (req: DiagnoseExecRequest) => Promise<DiagnoseExecOutcome>;

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGABRT: 6, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGTERM: 15 };

function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // ESRCH: the group is already gone.
  }
}

/**
 * Runs argv in its own process group (strace and perf keep their tracees in it), kills the group at the timeout,
 * and kills whatever of the group is left once the leader has exited: nothing a diagnosis run started outlives it.
 */
export const localExec: DiagnoseExec = async (req) => {
  const log = fs.openSync(req.logFile, "a");
  const out = req.stdoutFile ? fs.openSync(req.stdoutFile, "w") : log;
  const started = Bun.nanoseconds();
  let timedOut = false;
  try {
    const proc = Bun.spawn(req.argv, { env: { ...process.env, ...req.env }, stdin: "ignore", stdout: out, stderr: log, detached: true });
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(proc.pid);
    }, req.timeoutMs);
    const code = await proc.exited;
    clearTimeout(timer);
    killGroup(proc.pid);
    const sig = proc.signalCode ? SIGNALS[proc.signalCode] : undefined;
    return { exitCode: sig !== undefined ? 128 + sig : code, timedOut, wallNs: Bun.nanoseconds() - started };
  } finally {
    if (out !== log) fs.closeSync(out);
    fs.closeSync(log);
  }
};
