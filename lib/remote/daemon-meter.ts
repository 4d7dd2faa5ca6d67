// What measures a daemon's memory on its host: the host's mb-run meter (its agent builds it) or GNU time as the daemon's waiting parent, their report read when the daemon has ended; or why nothing can.

import type { AgentClient } from "./agent-client";
import type { SshHost } from "./ssh";

/**
 * A waiting parent of the daemon. Linux keeps, for a waited-for process, the largest RSS of it and of every
 * descendant it reaped (signal->cmaxrss), and wait4 reports the larger of the two: the per-connection
 * processes an rsync daemon forks and reaps count even though they are gone before anyone could look.
 */
export type DaemonMeter = { kind: "mb-run"; path: string } | { kind: "gnu-time"; path: string } | { kind: null; why: string };

/** The wrapper's report, read when the daemon has ended. */
export interface DaemonReport {
  /** ru_maxrss of the daemon from wait4: the largest single process of its tree (the daemon or a child it reaped). */
  peakRssBytes: number;
  /** utime / stime of the daemon plus every descendant it reaped, over its whole life. */
  cpuUserMs: number;
  cpuSystemMs: number;
}

/** Where the wrapper writes its report, and the marker the waiting shell writes once the wrapper has exited. */
export const REPORT_FILE = "daemon.rusage";
export const EXIT_FILE = "daemon.exit";

export function meterLabel(m: DaemonMeter): string {
  return m.kind === "mb-run" ? "mb-run" : m.kind === "gnu-time" ? "GNU time" : "not measured";
}

/** How the memory figure was taken (or why it was not), for the results file. */
export function meterHow(m: DaemonMeter): string {
  if (m.kind === null) return `not measured (${m.why})`;
  return `${m.kind === "mb-run" ? `mb-run (${m.path})` : `GNU time -f %M (${m.path})`} as the daemon's parent on its host: wait4 ru_maxrss of the daemon, maxed over every descendant it reaped (the largest process of its tree, per-connection children that already exited included), read when the daemon was stopped`;
}

/** The words put before the daemon's argv (the report goes into its state dir). */
export function wrapperArgv(m: DaemonMeter, stateDir: string): string[] {
  if (m.kind === "mb-run") return [m.path, `${stateDir}/${REPORT_FILE}`];
  if (m.kind === "gnu-time") return [m.path, "-f", "%M %U %S", "-o", `${stateDir}/${REPORT_FILE}`];
  return [];
}

/** Parses the wrapper's report; null when it wrote none (or an unreadable one). */
export function parseDaemonReport(kind: DaemonMeter["kind"], text: string): DaemonReport | null {
  // GNU time puts "Command terminated by signal 15" on a line of its own before the figures.
  const line = text.trim().split("\n").at(-1) ?? "";
  const f = line.trim().split(/\s+/).map(Number);
  if (f.some((x) => !Number.isFinite(x))) return null;
  if (kind === "mb-run" && (f.length === 7 || f.length === 6)) return { peakRssBytes: f[1]!, cpuUserMs: f[2]! / 1000, cpuSystemMs: f[3]! / 1000 };
  if (kind === "gnu-time" && f.length === 3) return { peakRssBytes: f[0]! * 1024, cpuUserMs: f[1]! * 1000, cpuSystemMs: f[2]! * 1000 };
  return null;
}

// $1 = state dir, $2 = the wrapper's kind, $3 = how long to wait for it (in 0.1 s): waits until the wrapper has
// exited (the shell under it wrote the marker), then prints its report.
const READ_REPORT = `i=0; while [ ! -s "$1/${EXIT_FILE}" ]; do [ "$i" -ge "$3" ] && exit 5; sleep 0.1; i=$((i+1)); done
cat -- "$1/${REPORT_FILE}"`;

/** After the daemon has ended (stopped or died): the wrapper's report, or why there is none. */
export async function readDaemonReport(host: SshHost, m: DaemonMeter, stateDir: string, waitMs = 5_000): Promise<DaemonReport | { why: string }> {
  if (m.kind === null) return { why: m.why };
  const r = await host.sh(READ_REPORT, [stateDir, m.kind, String(Math.ceil(waitMs / 100))], { timeoutMs: waitMs + 15_000 });
  if (r.code === 5) return { why: `${meterLabel(m)} on ${host.spec.name} had not reported ${waitMs} ms after the daemon ended` };
  const rep = r.code === 0 ? parseDaemonReport(m.kind, r.stdout) : null;
  return rep ?? { why: `${meterLabel(m)} on ${host.spec.name} wrote no report (${r.stdout.trim().slice(0, 120) || r.stderr.trim().slice(0, 120) || `exit ${r.code}`})` };
}

// The first GNU time found on the host (BSD time, macOS's, has no -f and no -o).
const FIND_GNU_TIME = `for t in /usr/bin/time /usr/local/bin/time /usr/local/bin/gtime /opt/homebrew/bin/gtime; do
  [ -x "$t" ] && "$t" --version 2>&1 </dev/null | grep -q GNU && { printf '%s\\n' "$t"; exit 0; }
done; exit 1`;

const found = new WeakMap<AgentClient, Promise<DaemonMeter>>();

/** The host's meter as its agent reports it (built there with its C compiler), else GNU time, else why there is none; asked once per agent. */
export function findDaemonMeter(ssh: SshHost, agent: AgentClient): Promise<DaemonMeter> {
  let m = found.get(agent);
  if (!m) found.set(agent, (m = askDaemonMeter(ssh, agent)));
  return m;
}

async function askDaemonMeter(ssh: SshHost, agent: AgentClient): Promise<DaemonMeter> {
  let note = "its agent did not answer";
  try {
    const p = await agent.call("probe");
    const meter = p.meter as { kind?: string; path?: string | null; note?: string | null } | undefined;
    if (meter?.kind === "mb-run" && meter.path) return { kind: "mb-run", path: meter.path };
    note = meter?.note ?? "no mb-run meter";
  } catch (e) {
    note = (e as Error).message;
  }
  const r = await ssh.sh(FIND_GNU_TIME, []).catch(() => null);
  const gnu = r?.code === 0 ? r.stdout.trim() : "";
  if (gnu) return { kind: "gnu-time", path: gnu };
  return { kind: null, why: `no meter on ${ssh.spec.name}: ${note}; no GNU time either` };
}
