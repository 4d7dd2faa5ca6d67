// The local executor: one tool run spawned under the platform's meter (mb-run) — wall time, CPU, the tool's own peak memory, timeout with tree kill, no process left behind.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DEFAULTS } from "../defaults";
import type { Meter, Platform } from "../platform/index";
import { CMD_SHELL } from "../shellquote";
import type { RunMeasure } from "../types";
import type { Executor, RunOutcome, RunRequest } from "./executor";

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
    const argv = m.wrapperPath ? [m.wrapperPath, report!, ...req.argv] : req.argv;
    const env = req.env ? { ...process.env, ...req.env } : process.env;

    const t0 = Bun.nanoseconds();
    const proc = Bun.spawn(argv, {
      cwd: req.cwd,
      env,
      stdin: "ignore",
      stdout: req.logFd,
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
    clearTimeout(timer);
    if (killTimer) clearTimeout(killTimer);
    if (timedOut) kill(proc.pid, "SIGKILL"); // stragglers that ignored SIGTERM
    this.live.delete(proc.pid);

    if (report) {
      let text = "";
      try {
        text = fs.readFileSync(report, "utf8");
        fs.rmSync(report, { force: true });
      } catch {
        /* the meter itself was killed (timeout, Ctrl-C) */
      }
      const parsed = text ? parseReport(text) : null;
      if (parsed) return { exitCode: parsed.exitCode, timedOut, measure: parsed.measure, strayProcessesKilled: parsed.strayProcessesKilled };
      return { exitCode: proc.signalCode ? null : status, timedOut, measure: null };
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
    return {
      exitCode,
      timedOut,
      strayProcessesKilled,
      measure: {
        wallNs: bunWallNs,
        userUs: ru ? Number(ru.cpuTime.user) : null,
        systemUs: ru ? Number(ru.cpuTime.system) : null,
        maxRssBytes: ru && bunRssIsTheTools(m, this.platform.name, argv) ? Number(ru.maxRSS) : null,
      },
    };
  }
}
