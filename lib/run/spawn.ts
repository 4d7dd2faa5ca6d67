// The local executor: one tool run spawned under the platform's meter (mb-run) — wall time, CPU, the tool's own peak memory, the durable flush, stdout kept for a tool's own figures, timeout with tree kill, no process left behind.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DEFAULTS } from "../defaults";
import type { Meter, Platform } from "../platform/index";
import { CMD_SHELL } from "../shellquote";
import { errnoName } from "../platform/libc";
import type { FlushResult } from "../platform/durable";
import type { DurableFlush, RunMeasure } from "../types";
import type { Executor, RunOutcome, RunRequest } from "./executor";

/**
 * Parses mb-run's report line: 7 fields (the 6 of older meters, without the stray count, still read), or 9
 * with --syncfs (durable_ns and syncfs_errno on the same clock as wall_ns); exported for tests.
 */
export function parseReport(line: string): { measure: RunMeasure; exitCode: number; strayProcessesKilled?: number | null; durable?: DurableFlush } | null {
  const f = line.trim().split(/\s+/).map(Number);
  if ((f.length !== 6 && f.length !== 7 && f.length !== 9) || f.some((x) => !Number.isFinite(x))) return null;
  const [wallNs, rssBytes, userUs, systemUs, code, sig, strays, durableNs, flushErrno] = f as [number, number, number, number, number, number, number?, number?, number?];
  const durable: DurableFlush | undefined =
    durableNs === undefined
      ? undefined
      : durableNs >= 0
        ? { durableNs, flushNs: durableNs - wallNs, method: "syncfs", timedBy: "meter" }
        : { durableNs: null, flushNs: null, method: "syncfs", timedBy: "meter", reason: `syncfs failed: ${errnoName(flushErrno ?? 0)}` };
  return {
    measure: { wallNs, maxRssBytes: rssBytes, userUs, systemUs },
    exitCode: code >= 0 ? code : 128 + sig,
    ...(strays === undefined ? {} : { strayProcessesKilled: strays < 0 ? null : strays }),
    ...(durable ? { durable } : {}),
  };
}

/** A flush the platform made after the meter returned: durable = returned + flush (two intervals on Bun's clock and the meter's). */
export function harnessFlush(wallNs: number, f: FlushResult): DurableFlush {
  return f.ok
    ? { durableNs: wallNs + f.flushNs, flushNs: f.flushNs, method: f.method, timedBy: "harness" }
    : { durableNs: null, flushNs: null, method: f.method, timedBy: "harness", reason: f.reason };
}

/** The end of a captured stdout (what a tool's own figures are read from), then the whole of it appended to the log. */
function drainCapture(file: string, logFd: number | "ignore"): string {
  let tail = "";
  try {
    const fd = fs.openSync(file, "r");
    try {
      const size = fs.fstatSync(fd).size;
      const buf = Buffer.alloc(64 * 1024);
      for (let pos = 0; pos < size; ) {
        const n = fs.readSync(fd, buf, 0, buf.length, pos);
        if (n <= 0) break;
        if (logFd !== "ignore") fs.writeSync(logFd, buf.subarray(0, n));
        pos += n;
      }
      const from = Math.max(0, size - DEFAULTS.stdoutTailBytes);
      const last = Buffer.alloc(size - from);
      fs.readSync(fd, last, 0, last.length, from);
      tail = last.toString("utf8");
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    /* nothing captured (the tool never ran) */
  }
  fs.rmSync(file, { force: true });
  return tail;
}

/**
 * Whether Bun's maxRSS of this child is the tool's own figure (never the harness's): on macOS a spawned child's
 * ru_maxrss starts afresh at exec; on Windows it is the child process's peak working set, which for a shell
 * tool is cmd.exe's, not the tool's. On Linux the child keeps Bun's pre-exec peak: the meter says "none".
 */
export function bunRssIsTheTools(m: Meter, platform: string, argv: readonly string[]): boolean {
  if (m.memory.source !== "bun") return false;
  return !(platform === "win32" && argv[0] === CMD_SHELL[0]);
}

/** Spawns runs on this machine; owns the processes it started and the folder mb-run reports into. */
export class LocalExecutor implements Executor {
  readonly meter: Meter;
  private readonly live = new Set<number>();
  private reportDir: string | null = null;
  private reports = 0;

  constructor(private readonly platform: Platform) {
    this.meter = platform.meter();
  }

  /** A report file of its own for each run: runs started side by side (the version probes) must not read each other's. */
  private reportFile(): string {
    this.reportDir ??= fs.mkdtempSync(path.join(os.tmpdir(), "mirrorbench-meter-"));
    return path.join(this.reportDir, `report-${this.reports++}`);
  }

  /**
   * Kills every tool tree this executor started (Ctrl-C, fatal errors). mb-run is asked with SIGTERM first: it
   * then SIGKILLs its whole tree, setsid escapes included, which a SIGKILL of its group would leave behind.
   * Its group gets `signal` only if it is still there after the grace.
   */
  killAll(signal: NodeJS.Signals = "SIGKILL"): void {
    for (const pid of this.live) {
      if (this.meter.wrapperPath) {
        this.platform.killTree(pid, "SIGTERM");
        setTimeout(() => this.live.has(pid) && this.platform.killTree(pid, signal), DEFAULTS.killGraceMs).unref();
      } else this.platform.killTree(pid, signal);
    }
  }

  close(): void {
    if (this.reportDir) fs.rmSync(this.reportDir, { recursive: true, force: true });
    this.reportDir = null;
  }

  async run(req: RunRequest): Promise<RunOutcome> {
    const m = this.meter;
    const kill = (pid: number, signal: NodeJS.Signals) => this.platform.killTree(pid, signal);
    const report = m.wrapperPath ? this.reportFile() : null;
    if (report) fs.rmSync(report, { force: true });
    // Linux's meter flushes on its own clock the instant it reaps the tool; elsewhere the platform flushes after it.
    const meterFlush = req.durableDir !== undefined && m.wrapperPath !== null && this.platform.name === "linux";
    const argv = m.wrapperPath ? [m.wrapperPath, ...(meterFlush ? ["--syncfs", req.durableDir!] : []), report!, ...req.argv] : req.argv;
    const env = req.env ? { ...process.env, ...req.env } : process.env;
    const capture = req.captureStdout ? `${this.reportFile()}.stdout` : null;
    const captureFd = capture ? fs.openSync(capture, "w") : null;

    const t0 = Bun.nanoseconds();
    const proc = Bun.spawn(argv, {
      cwd: req.cwd,
      env,
      stdin: "ignore",
      stdout: captureFd ?? req.logFd,
      stderr: req.logFd,
      // mb-run makes its own group; without it, detach (setsid) so the tree can still be killed as one. Not on
      // Windows: there detached means DETACHED_PROCESS, outside libuv's kill-on-close job (the tool would outlive
      // a killed harness), and taskkill /T ends the tree by pid; windowsHide keeps consoles from popping up.
      detached: !m.wrapperPath && this.platform.name !== "win32",
      windowsHide: true,
      // A shell tool's command line is already quoted for cmd.exe (shellquote.ts); Bun must not re-quote it.
      windowsVerbatimArguments: this.platform.name === "win32" && argv[0] === CMD_SHELL[0],
    });
    this.live.add(proc.pid);
    let timedOut = false;
    let killTimer: Timer | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      kill(proc.pid, "SIGTERM");
      killTimer = setTimeout(() => kill(proc.pid, "SIGKILL"), DEFAULTS.killGraceMs);
    }, req.timeoutMs);
    const status = await proc.exited;
    const bunWallNs = Bun.nanoseconds() - t0;
    // Right after the tool: the flush the meter could not make (the run's time is added to it below).
    const flushed = req.durableDir !== undefined && !meterFlush && !timedOut ? this.platform.flushDurable(req.durableDir) : null;
    clearTimeout(timer);
    if (killTimer) clearTimeout(killTimer);
    if (timedOut) kill(proc.pid, "SIGKILL"); // stragglers that ignored SIGTERM
    this.live.delete(proc.pid);
    if (captureFd !== null) fs.closeSync(captureFd);
    const stdout = capture ? { stdout: drainCapture(capture, req.logFd) } : {};
    const outcome = (o: RunOutcome): RunOutcome => {
      const durable = o.durable ?? (flushed && o.measure ? harnessFlush(o.measure.wallNs, flushed) : undefined);
      return { ...o, ...stdout, ...(durable ? { durable } : {}) };
    };

    if (report) {
      let text = "";
      try {
        text = fs.readFileSync(report, "utf8");
        fs.rmSync(report, { force: true });
      } catch {
        /* the meter itself was killed (timeout, Ctrl-C) */
      }
      const parsed = text ? parseReport(text) : null;
      if (parsed) return outcome({ exitCode: parsed.exitCode, timedOut, measure: parsed.measure, strayProcessesKilled: parsed.strayProcessesKilled, ...(parsed.durable ? { durable: parsed.durable } : {}) });
      return outcome({ exitCode: proc.signalCode ? null : status, timedOut, measure: null });
    }
    // No meter: the tool led its own group; whatever is still in it was left behind (a setsid escape is not).
    let strayProcessesKilled: number | null | undefined;
    if (this.platform.name !== "win32") {
      try {
        process.kill(-proc.pid, "SIGKILL");
        strayProcessesKilled = null;
      } catch {
        strayProcessesKilled = 0;
      }
    }
    const ru = proc.resourceUsage();
    const exitCode = proc.signalCode ? 128 + (os.constants.signals[proc.signalCode as NodeJS.Signals] ?? 0) : status;
    return outcome({
      exitCode,
      timedOut,
      strayProcessesKilled,
      measure: {
        wallNs: bunWallNs,
        userUs: ru ? Number(ru.cpuTime.user) : null,
        systemUs: ru ? Number(ru.cpuTime.system) : null,
        maxRssBytes: ru && bunRssIsTheTools(m, this.platform.name, argv) ? Number(ru.maxRSS) : null,
      },
    });
  }
}
