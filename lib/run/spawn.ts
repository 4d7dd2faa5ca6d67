// Spawning one tool run: wall time, CPU and the tool's own peak memory, timeout with tree kill, no process left behind.

import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import wrapperSource from "../platform/native/mb-run.c" with { type: "text" };
import { CMD_SHELL } from "../shellquote";
import type { RunMeasure } from "../types";

export interface SpawnRequest {
  argv: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** File descriptor that receives the tool's stdout and stderr (the bench log). */
  logFd: number | "ignore";
  timeoutMs: number;
}

export interface SpawnOutcome {
  /** Exit status; a death by signal is 128 + signal, as shells and hyperfine report it. */
  exitCode: number | null;
  timedOut: boolean;
  measure: RunMeasure | null;
  /**
   * Processes of the tool's tree still running after it exited (or was killed), which were then killed:
   * a count (0 = none); null = some were, the platform cannot count them (macOS, no-meter fallback);
   * undefined = not checked (Windows, or the meter itself died).
   */
  strayProcessesKilled?: number | null;
}

export interface Meter {
  kind: "mb-run" | "bun";
  /** Why memory is not the tool's own figure (or not measured); null when it is. */
  memoryNote: string | null;
  wrapperPath: string | null;
}

const KILL_GRACE_MS = 1000;

let meter: Meter | null = null;
let reportDir: string | null = null;
const live = new Set<number>();

function cacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(base, "mirrorbench");
}

/** Builds mb-run once per source version; on failure we time from Bun and say memory is not measured. */
export function getMeter(): Meter {
  if (meter) return meter;
  if (process.platform === "win32") {
    // No fork on Windows: the process's own peak working set is what Bun reports; descendants are not included.
    meter = { kind: "bun", memoryNote: "Windows: peak working set of the tool process only (no descendants)", wrapperPath: null };
    return meter;
  }
  const digest = createHash("sha256").update(wrapperSource).digest("hex").slice(0, 12);
  const bin = path.join(cacheDir(), `mb-run-${digest}-${process.platform}-${process.arch}`);
  if (fs.existsSync(bin)) {
    meter = { kind: "mb-run", memoryNote: null, wrapperPath: bin };
    return meter;
  }
  const compiler = ["cc", "gcc", "clang"].map((c) => Bun.which(c)).find(Boolean);
  if (!compiler) {
    meter = {
      kind: "bun",
      memoryNote: "memory not measured: no C compiler (cc) to build the mb-run meter; install gcc or clang",
      wrapperPath: null,
    };
    return meter;
  }
  fs.mkdirSync(cacheDir(), { recursive: true });
  const src = path.join(cacheDir(), `mb-run-${digest}.c`);
  const tmp = `${bin}.tmp-${process.pid}`;
  fs.writeFileSync(src, wrapperSource);
  const r = Bun.spawnSync([compiler, "-O2", "-o", tmp, src], { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) {
    meter = {
      kind: "bun",
      memoryNote: `memory not measured: building mb-run failed: ${r.stderr.toString().trim().split("\n")[0]}`,
      wrapperPath: null,
    };
    return meter;
  }
  fs.renameSync(tmp, bin);
  meter = { kind: "mb-run", memoryNote: null, wrapperPath: bin };
  return meter;
}

function reportFile(): string {
  if (!reportDir) reportDir = fs.mkdtempSync(path.join(os.tmpdir(), "mirrorbench-meter-"));
  return path.join(reportDir, "report");
}

/**
 * Kills every tool tree we started (Ctrl-C, fatal errors). mb-run is asked with SIGTERM first: it then
 * SIGKILLs its whole tree, setsid escapes included, which a SIGKILL of its group would leave behind.
 * Its group gets `signal` only if it is still there after the grace.
 */
export function killAll(signal: NodeJS.Signals = "SIGKILL"): void {
  for (const pid of live) {
    if (getMeter().wrapperPath) {
      killTree(pid, "SIGTERM");
      setTimeout(() => live.has(pid) && killTree(pid, signal), KILL_GRACE_MS).unref();
    } else killTree(pid, signal);
  }
}

export function cleanupMeter(): void {
  if (reportDir) fs.rmSync(reportDir, { recursive: true, force: true });
  reportDir = null;
}

function killTree(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

/** Parses mb-run's report line (7 fields; the 6 of older meters, without the stray count, still read); exported for tests. */
export function parseReport(line: string): { measure: RunMeasure; exitCode: number; strayProcessesKilled?: number | null } | null {
  const f = line.trim().split(/\s+/).map(Number);
  if ((f.length !== 6 && f.length !== 7) || f.some((x) => !Number.isFinite(x))) return null;
  const [wallNs, rssBytes, userUs, systemUs, code, sig, strays] = f as [number, number, number, number, number, number, number?];
  return {
    measure: { wallNs, maxRssBytes: rssBytes, userUs, systemUs },
    exitCode: code >= 0 ? code : 128 + sig,
    ...(strays === undefined ? {} : { strayProcessesKilled: strays < 0 ? null : strays }),
  };
}

export async function runTool(req: SpawnRequest): Promise<SpawnOutcome> {
  const m = getMeter();
  const report = m.wrapperPath ? reportFile() : null;
  if (report) fs.rmSync(report, { force: true });
  const argv = m.wrapperPath ? [m.wrapperPath, report!, ...req.argv] : req.argv;
  const env = req.env ? { ...process.env, ...req.env } : process.env;

  const t0 = Bun.nanoseconds();
  const proc = Bun.spawn(argv, {
    cwd: req.cwd,
    env,
    stdin: "ignore",
    stdout: req.logFd,
    stderr: req.logFd,
    // mb-run makes its own group; without it, detach so the tree can still be killed as one.
    detached: !m.wrapperPath,
    // A shell tool's command line is already quoted for cmd.exe (shellquote.ts); Bun must not re-quote it.
    windowsVerbatimArguments: process.platform === "win32" && argv[0] === CMD_SHELL[0],
  });
  live.add(proc.pid);
  let timedOut = false;
  let killTimer: Timer | undefined;
  const timer = setTimeout(() => {
    timedOut = true;
    killTree(proc.pid, "SIGTERM");
    killTimer = setTimeout(() => killTree(proc.pid, "SIGKILL"), KILL_GRACE_MS);
  }, req.timeoutMs);
  const status = await proc.exited;
  const bunWallNs = Bun.nanoseconds() - t0;
  clearTimeout(timer);
  if (killTimer) clearTimeout(killTimer);
  if (timedOut) killTree(proc.pid, "SIGKILL"); // stragglers that ignored SIGTERM
  live.delete(proc.pid);

  if (report) {
    let text = "";
    try {
      text = fs.readFileSync(report, "utf8");
    } catch {
      /* the meter itself was killed (timeout, Ctrl-C) */
    }
    const parsed = text ? parseReport(text) : null;
    if (parsed) return { exitCode: parsed.exitCode, timedOut, measure: parsed.measure, strayProcessesKilled: parsed.strayProcessesKilled };
    return { exitCode: proc.signalCode ? null : status, timedOut, measure: null };
  }
  // No meter: the tool led its own group; whatever is still in it was left behind (a setsid escape is not).
  let strayProcessesKilled: number | null | undefined;
  if (process.platform !== "win32") {
    try {
      process.kill(-proc.pid, "SIGKILL");
      strayProcessesKilled = null;
    } catch {
      strayProcessesKilled = 0;
    }
  }
  const ru = proc.resourceUsage();
  const exitCode = proc.signalCode ? 128 + (os.constants.signals[proc.signalCode as NodeJS.Signals] ?? 0) : status;
  return {
    exitCode,
    timedOut,
    strayProcessesKilled,
    measure: {
      wallNs: bunWallNs,
      userUs: ru ? Number(ru.cpuTime.user) : null,
      systemUs: ru ? Number(ru.cpuTime.system) : null,
      maxRssBytes: process.platform === "win32" && ru ? Number(ru.maxRSS) : null,
    },
  };
}
