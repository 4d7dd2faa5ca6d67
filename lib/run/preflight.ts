// Preflight that fails closed: load, forbidden processes, timer sanity and free memory, checked and recorded before runs.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DEFAULTS } from "../defaults";
import { BenchError, EXIT } from "../errors";
import { formatBytes } from "../units";

/** The defaults live in DEFAULTS.preflight; this name is kept for the checks' own tests. */
export const PREFLIGHT_DEFAULTS = DEFAULTS.preflight;

/** Exit code when preflight fails without --force. */
export const EXIT_PREFLIGHT = EXIT.preflight;

export type CheckName = "load" | "processes" | "timer" | "memory";

export interface PreflightCheck {
  name: CheckName;
  ok: boolean;
  /** What was measured, with its unit ("1.42", "cargo (pid 812)", "1003 ms / 1004 ms", "21.9 GiB"). */
  measured: string;
  /** The rule it was held to ("≤ 1.00", "none of cargo, rustc, cc1, ld", "880–1120 ms", "≥ 512.0 MiB"). */
  limit: string;
  /** How it was measured. */
  how: string;
}

export interface PreflightReport {
  ok: boolean;
  /** ISO time the checks ran. */
  at: string;
  checks: PreflightCheck[];
  /** The failed checks in one line, null when all passed. */
  reason: string | null;
  /** True when checks failed and --force let the run go on: every result must carry preflightNote(). */
  forced: boolean;
}

export interface PreflightOptions {
  /** 1-minute load average limit; default cores × 0.5. */
  maxLoad?: number;
  forbidProcesses?: readonly string[];
  /** What the scenario's dataset needs free (see memoryNeedBytes). */
  needBytes: number;
  /** null: not run here (it costs a second: once per invocation, before the first run). */
  timer?: { sleepMs: number; minMs: number; maxMs: number } | null;
  force?: boolean;
  /**
   * A load over the limit is polled (every loadPollMs) for up to this long before it fails: the load our own
   * earlier runs left decays (the 1-minute average) while another job's stays. 0 (the default): fail at once.
   */
  loadWaitMs?: number;
  loadPollMs?: number;
  /** Told once when a wait for the load starts, so a console can say why nothing moves. */
  onLoadWait?: (load: number, maxLoad: number, waitMs: number) => void;
}

export interface ProcEntry {
  pid: number;
  comm: string;
}

export interface PreflightIo {
  loadavg1(): number | null;
  cores(): number;
  processes(): ProcEntry[];
  /** The pids of this process and its ancestors (a `cargo xtask` that started us is waiting, not compiling). */
  selfAndAncestors(): Set<number>;
  memAvailableBytes(): number;
  /** Sleeps sleepMs twice at once: in this process, and as a spawned `sleep` timed from spawn to exit; ms each (null = not done). */
  timeSleeps(sleepMs: number): Promise<{ inProcessMs: number; spawnedMs: number | null; spawnNote: string | null }>;
  /** Waits between load samples (absent: Bun.sleep). */
  sleep?(ms: number): Promise<void>;
}

/** Memory a scenario needs free: with `cache: keep` its source must stay resident (else "warm" runs read the disk), plus a base for the tools. */
export function memoryNeedBytes(p: { datasetBytes: number; cache: "drop" | "keep" }, baseBytes: number = PREFLIGHT_DEFAULTS.baseFreeBytes): number {
  return baseBytes + (p.cache === "keep" ? p.datasetBytes : 0);
}

export async function runPreflight(opts: PreflightOptions, io: PreflightIo = realPreflightIo): Promise<PreflightReport> {
  const cores = io.cores();
  const maxLoad = opts.maxLoad ?? cores * PREFLIGHT_DEFAULTS.maxLoadPerCore;
  const forbid = opts.forbidProcesses ?? PREFLIGHT_DEFAULTS.forbidProcesses;
  const timer = opts.timer === undefined ? { sleepMs: PREFLIGHT_DEFAULTS.timerSleepMs, minMs: PREFLIGHT_DEFAULTS.timerMinMs, maxMs: PREFLIGHT_DEFAULTS.timerMaxMs } : opts.timer;
  const at = new Date().toISOString();
  // The sleep runs first and alone so the other checks (a /proc scan) do not delay its wake-up.
  const sleeps = timer ? await io.timeSleeps(timer.sleepMs) : null;
  const checks: PreflightCheck[] = [];

  let load = io.loadavg1();
  let waitedMs = 0;
  const pollMs = opts.loadPollMs ?? PREFLIGHT_DEFAULTS.loadPollMs;
  if (load !== null && load > maxLoad && pollMs <= (opts.loadWaitMs ?? 0)) opts.onLoadWait?.(load, maxLoad, opts.loadWaitMs ?? 0);
  while (load !== null && load > maxLoad && waitedMs + pollMs <= (opts.loadWaitMs ?? 0)) {
    await (io.sleep ?? Bun.sleep)(pollMs);
    waitedMs += pollMs;
    load = io.loadavg1();
  }
  checks.push({
    name: "load",
    ok: load === null || load <= maxLoad,
    measured: load === null ? "not available on this platform" : `${load.toFixed(2)}${waitedMs ? ` (after waiting ${(waitedMs / 1000).toFixed(0)} s for it to fall)` : ""}`,
    limit: `≤ ${maxLoad.toFixed(2)} (${opts.maxLoad === undefined ? `${cores} cores × ${PREFLIGHT_DEFAULTS.maxLoadPerCore}` : "preflight.max_load"})`,
    how: "1-minute load average (os.loadavg)",
  });

  const skip = io.selfAndAncestors();
  const wanted = new Set(forbid);
  const hits = io.processes().filter((p) => wanted.has(p.comm) && !skip.has(p.pid));
  checks.push({
    name: "processes",
    ok: hits.length === 0,
    measured: hits.length ? hits.slice(0, 5).map((p) => `${p.comm} (pid ${p.pid})`).join(", ") + (hits.length > 5 ? ` and ${hits.length - 5} more` : "") : "none running",
    limit: forbid.length ? `none of ${forbid.join(", ")}` : "no list",
    how: "process names (Linux /proc/*/comm, else ps/tasklist), this process and its ancestors excepted",
  });

  if (timer && sleeps) {
    const inRange = (ms: number) => ms >= timer.minMs && ms <= timer.maxMs;
    const timerOk = inRange(sleeps.inProcessMs) && (sleeps.spawnedMs === null || inRange(sleeps.spawnedMs));
    checks.push({
      name: "timer",
      ok: timerOk,
      measured: `${sleeps.inProcessMs.toFixed(0)} ms in-process / ${sleeps.spawnedMs === null ? `not run (${sleeps.spawnNote})` : `${sleeps.spawnedMs.toFixed(0)} ms spawned`}`,
      limit: `${timer.minMs}–${timer.maxMs} ms for a ${timer.sleepMs} ms sleep`,
      how: "monotonic clock around Bun.sleep and around a spawned `sleep` (spawn to exit, the path a tool's time takes)",
    });
  }

  const avail = io.memAvailableBytes();
  checks.push({
    name: "memory",
    ok: avail >= opts.needBytes,
    measured: formatBytes(avail),
    limit: `≥ ${formatBytes(opts.needBytes)}`,
    how: "MemAvailable in /proc/meminfo (else os.freemem)",
  });

  const failed = checks.filter((c) => !c.ok);
  const reason = failed.length ? failed.map((c) => `${c.name} ${c.measured} (needs ${c.limit})`).join("; ") : null;
  return { ok: failed.length === 0, at, checks, reason, forced: failed.length > 0 && !!opts.force };
}

/** Throws the fail-closed error for a failed preflight without --force; returns the report otherwise. */
export function enforcePreflight(report: PreflightReport, where: string): PreflightReport {
  if (report.ok || report.forced) return report;
  throw new BenchError(`preflight failed ${where}: ${report.reason}`, {
    hint: "wait for the machine to be quiet (or stop the listed processes), adjust preflight.max_load / preflight.forbid_processes, or pass --force to run anyway (every result then says \"preflight failed\"); --no-preflight skips the checks",
    exitCode: EXIT_PREFLIGHT,
  });
}

/** "preflight failed: load 1.42 (needs ≤ 1.00 …)" for a forced run, to attach to every result; null when preflight passed. */
export function preflightNote(report: PreflightReport): string | null {
  return report.ok ? null : `preflight failed: ${report.reason}`;
}

// ---- the real machine -------------------------------------------------------------------------

function listProcesses(): ProcEntry[] {
  if (process.platform === "linux") {
    const out: ProcEntry[] = [];
    for (const name of fs.readdirSync("/proc")) {
      if (!/^\d+$/.test(name)) continue;
      try {
        // "pid (comm) state …": comm may hold spaces and parentheses. A zombie (Z) or dead (X) process runs nothing.
        const stat = fs.readFileSync(`/proc/${name}/stat`, "utf8");
        const end = stat.lastIndexOf(")");
        if ("ZX".includes(stat[end + 2] ?? "")) continue;
        out.push({ pid: Number(name), comm: stat.slice(stat.indexOf("(") + 1, end) });
      } catch {
        // the process exited between readdir and read
      }
    }
    return out;
  }
  const argv = process.platform === "win32" ? ["tasklist", "/fo", "csv", "/nh"] : ["ps", "-axo", "pid=,stat=,comm="];
  try {
    const p = Bun.spawnSync(argv, { stdout: "pipe", stderr: "ignore", timeout: 10_000 });
    const lines = p.stdout.toString().split(/\r?\n/).filter(Boolean);
    if (process.platform === "win32") {
      return lines.map((l) => l.split('","')).map((f) => ({ comm: (f[0] ?? "").replace(/^"/, "").replace(/\.exe$/i, ""), pid: Number(f[1] ?? 0) }));
    }
    const rows = lines.map((l) => /^\s*(\d+)\s+(\S+)\s+(.*)$/.exec(l)).filter((m): m is RegExpExecArray => !!m);
    return rows.filter((m) => !m[2]!.startsWith("Z")).map((m) => ({ pid: Number(m[1]), comm: path.basename(m[3]!.trim()) }));
  } catch {
    return [];
  }
}

function ancestors(): Set<number> {
  const out = new Set<number>([process.pid]);
  if (process.platform !== "linux") {
    out.add(process.ppid);
    return out;
  }
  let pid = process.pid;
  for (let i = 0; i < 64 && pid > 1; i++) {
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces and parentheses, so read after the last ')'.
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      pid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      out.add(pid);
    } catch {
      break;
    }
  }
  return out;
}

function memAvailable(): number {
  try {
    const m = /^MemAvailable:\s+(\d+) kB/m.exec(fs.readFileSync("/proc/meminfo", "utf8"));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return os.freemem();
}

async function timeSleeps(sleepMs: number) {
  const inProc = (async () => {
    const t0 = performance.now();
    await Bun.sleep(sleepMs);
    return performance.now() - t0;
  })();
  const sleepBin = process.platform === "win32" ? null : Bun.which("sleep");
  const spawned = (async (): Promise<number | null> => {
    if (!sleepBin) return null;
    const t0 = Bun.nanoseconds();
    const p = Bun.spawn([sleepBin, String(sleepMs / 1000)], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
    await p.exited;
    return (Bun.nanoseconds() - t0) / 1e6;
  })();
  const [inProcessMs, spawnedMs] = await Promise.all([inProc, spawned]);
  return { inProcessMs, spawnedMs, spawnNote: sleepBin ? null : "no sleep command" };
}

export const realPreflightIo: PreflightIo = {
  loadavg1: () => (process.platform === "win32" ? null : os.loadavg()[0]!),
  cores: () => (typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length),
  processes: listProcesses,
  selfAndAncestors: ancestors,
  memAvailableBytes: memAvailable,
  timeSleeps,
};
