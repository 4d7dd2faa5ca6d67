// The run log: the old script's lines, on the console and in <workspace>/bench.log.

import fs from "node:fs";
import { DEFAULTS } from "./defaults";
import { ioLine } from "./errors";
import { plural } from "./text";
import { formatBytes } from "./units";

export interface Log {
  /** A line for both the console and the log file. */
  line(text: string): void;
  /** A summary line (tables, gate, results path): shown even with --quiet; fileText is its plain form ("" = console only). */
  summary(consoleText: string, fileText?: string): void;
  /** A line for the console's error stream and the log file; fileText is its log form ("" = console only). */
  error(consoleText: string, fileText?: string): void;
  /** A line for the log file only (details a console reader does not need). */
  file(text: string): void;
  /** The log's fd, handed to tools so their output lands in the log, not the console. */
  fd: number | "ignore";
  path: string | null;
  /** Set once a write to the log file failed (a full disk): the line that was reported; the run goes on. */
  readonly writeError: string | null;
  close(): void;
}

export function openLog(logPath: string | null, opts: { quiet?: boolean; out?: (s: string) => void; err?: (s: string) => void } = {}): Log {
  const out = opts.out ?? ((s: string) => process.stdout.write(s));
  const err = opts.err ?? ((s: string) => process.stderr.write(s));
  let writeError: string | null = null;
  let lost = 0;
  // The log must never end a run: the first failure is reported once, later lines are still tried
  // (space may come back when a destination is emptied) and the gap is marked where writing resumes.
  const failed = (e: unknown, what: string) => {
    lost++;
    if (writeError) return;
    writeError = `error: ${ioLine(e, what, logPath ?? undefined)}; the run goes on, the console keeps every line but the log will miss some`;
    err(writeError + "\n");
  };
  let fd: number | null = null;
  if (logPath) {
    try {
      fd = fs.openSync(logPath, "a");
    } catch (e) {
      failed(e, "open the log");
    }
  }
  const toFile = (s: string) => {
    if (fd === null) return;
    try {
      if (lost) fs.writeSync(fd, `(${plural(lost, "log line")} lost: ${writeError?.replace(/^error: /, "")})\n`);
      lost = 0;
      fs.writeSync(fd, s + "\n");
    } catch (e) {
      failed(e, "write the log");
    }
  };
  return {
    line(s) {
      if (!opts.quiet) out(s + "\n");
      toFile(s);
    },
    summary(c, f) {
      out(c + "\n");
      if (f !== "") toFile(f ?? c);
    },
    error(c, f) {
      err(c + "\n");
      if (f !== "") toFile(f ?? c);
    },
    file: toFile,
    fd: fd ?? "ignore",
    path: logPath,
    get writeError() {
      return writeError;
    },
    close() {
      try {
        if (fd !== null) fs.closeSync(fd);
      } catch (e) {
        failed(e, "close the log");
      }
      fd = null;
    },
  };
}

/**
 * At the start of an invocation: a log of `capBytes` or more becomes `<log>.1` (replacing an older one),
 * so a nightly job's bench.log never grows without bound. Only a regular file is moved (a link was already
 * dropped when the workspace was claimed). Returns what was done, for the new log's first lines, or null.
 */
export function rotateLog(logPath: string, capBytes: number = DEFAULTS.logRotateBytes): string | null {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(logPath);
  } catch {
    return null;
  }
  if (!st.isFile() || st.size < capBytes) return null;
  try {
    fs.renameSync(logPath, `${logPath}.1`);
  } catch (e) {
    return `warning: ${ioLine(e, "rotate", logPath)}; it keeps growing`;
  }
  return `The previous log (${formatBytes(st.size)}, at or over the ${formatBytes(capBytes)} cap) is now ${logPath}.1`;
}

/** The old script's shapes, kept exact so grep/awk habits and old logs stay comparable. */
export const oldLines = {
  workspace: (root: string, keep: boolean) => `Workspace: ${root} (will be ${keep ? "preserved" : "removed"} on exit)`,
  generatingPayload: (sizeMiB: number) => `Generating ${sizeMiB} MiB synthetic payload...`,
  // Its caller (datasets/sources.ts) says "in N file(s)": the count's own plural is put here.
  payloadSize: (human: string) => `Payload size: ${human.replace(/\b([\d,]+) file\(s\)/, (_, n: string) => plural(Number(n.replace(/,/g, "")), "file"))}`,
  generatingSmall: (count: number, bytes: string) => `Generating ${count} small files (${bytes} bytes each)...`,
  running: (warmup: number, runs: number) => `Running warmups (runs=${warmup}) and measured passes (runs=${runs})...`,
  warmupRun: (label: string, i: number, total: number, dst: string) => `[${label}] Warmup run ${i}/${total} -> ${dst}`,
  measuredRun: (label: string, i: number, total: number, dst: string) => `[${label}] Measured run ${i}/${total} -> ${dst}`,
  measuredDone: (label: string, i: number, seconds: string) => `[${label}] Measured run ${i} completed in ${seconds}s`,
  exited: (label: string, status: number | string) => `error: ${label} exited with status ${status}`,
  average: (label: string, count: number, seconds: string) => `Average [${label}] over ${count} measured run(s): ${seconds}s`,
  complete: (logPath: string) => `Benchmark complete. Full log: ${logPath}`,
};
