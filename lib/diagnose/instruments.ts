// Which diagnosis instruments work on this host (strace, perf stat, perf record), and the fix for each that does not.

import fs from "node:fs";
import { parseStraceVersion } from "./strace";
import type { Instrument } from "./types";

export interface ProbeResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** What the probe may touch, injectable so tests can stage any host. */
export interface ProbeDeps {
  which(cmd: string): string | null;
  readFile(path: string): string | null;
  run(argv: string[]): Promise<ProbeResult>;
  uid: number;
  /** process.platform; strace and perf exist only on Linux. */
  platform: string;
}

export const FIX = {
  notLinux:
    "strace and perf are Linux tools: diagnose on a Linux bench host (macOS: dtruss or Instruments by hand; " +
    "Windows: Process Monitor or WPR/WPA by hand)",
  straceMissing: "apt-get install strace (Fedora: dnf install strace)",
  straceRefused:
    "ptrace is refused: run as root, or lower Yama with sysctl kernel.yama.ptrace_scope=1 (a value of 3 needs a reboot); " +
    "in a container, add the SYS_PTRACE capability (docker run --cap-add SYS_PTRACE)",
  perfMissing: "apt-get install linux-perf (Ubuntu: apt-get install linux-tools-$(uname -r); Fedora: dnf install perf)",
  perfWrongKernel: "apt-get install linux-perf matching the running kernel (uname -r), or a newer linux-perf",
  perfParanoid: "sysctl kernel.perf_event_paranoid=1 (or run mirrorbench as root)",
  perfNoEvents:
    "the kernel offers no perf events here: in a container, allow perf_event_open (docker run --cap-add PERFMON, " +
    "or a seccomp profile that permits it); in a VM, perf stat still needs the software events",
} as const;

/** perf_event_paranoid above this refuses an unprivileged perf stat of one's own process (3 and 4: Debian's and Android's extra levels). */
const PARANOID_MAX_FOR_STAT = 2;
/** Kernel stacks in perf record need this or lower (unprivileged). */
const PARANOID_MAX_FOR_KERNEL = 1;

function firstLine(s: string): string {
  return (s.split("\n").find((l) => l.trim()) ?? "").trim().slice(0, 200);
}

export async function probeStrace(d: ProbeDeps): Promise<Instrument> {
  const path = d.which("strace");
  if (!path) return { id: "strace", state: "missing", reason: "strace is not installed", fix: FIX.straceMissing };
  const v = await d.run([path, "-V"]);
  const version = parseStraceVersion(v.stdout);
  // A real trace of `true`: the version answering says nothing about whether ptrace is allowed here.
  const t = await d.run([path, "-f", "-c", "-o", "/dev/null", "--", "true"]);
  if (t.code !== 0) {
    const why = firstLine(t.stderr) || `exit status ${t.code}`;
    return { id: "strace", state: "refused", reason: `strace cannot trace here: ${why}`, fix: FIX.straceRefused };
  }
  return { id: "strace", state: "available", path, version: version ? version.join(".") : null };
}

/** perf's refusal texts, whatever its version: the paranoid setting, or no events at all. */
function perfRefusal(stderr: string): { reason: string; fix: string } | null {
  if (/perf_event_paranoid|Access to performance monitoring/i.test(stderr))
    return { reason: "perf events are limited by kernel.perf_event_paranoid", fix: FIX.perfParanoid };
  if (/perf not found for kernel|perf_\S+ not found/i.test(stderr))
    return { reason: `perf does not match the running kernel: ${firstLine(stderr)}`, fix: FIX.perfWrongKernel };
  if (/not supported|No permission|Operation not permitted|perf_event_open/i.test(stderr))
    return { reason: `perf cannot open events here: ${firstLine(stderr)}`, fix: FIX.perfNoEvents };
  return null;
}

/** perf stat and perf record, probed by a real `perf stat -e task-clock true` and the paranoid level. */
export async function probePerf(d: ProbeDeps): Promise<Instrument[]> {
  const path = d.which("perf");
  if (!path) {
    const missing = { state: "missing" as const, reason: "perf is not installed", fix: FIX.perfMissing };
    return [{ id: "perf-stat", ...missing }, { id: "perf-record", ...missing }];
  }
  const paranoidText = d.readFile("/proc/sys/kernel/perf_event_paranoid");
  const paranoid = paranoidText === null ? null : Number(paranoidText.trim());
  const root = d.uid === 0;
  const v = await d.run([path, "--version"]);
  const version = /perf version (\S+)/.exec(v.stdout)?.[1] ?? null;
  const s = await d.run([path, "stat", "-x,", "-e", "task-clock", "--", "true"]);
  const counted = s.code === 0 && /^[\d.]+,[^,]*,task-clock/m.test(s.stderr + "\n" + s.stdout);
  if (!counted) {
    const refusal = perfRefusal(s.stderr) ?? {
      reason: `perf stat -e task-clock true failed: ${firstLine(s.stderr) || `exit status ${s.code}`}`,
      fix: FIX.perfNoEvents,
    };
    const state = /not installed|not found/i.test(refusal.reason) ? "missing" as const : "refused" as const;
    return [{ id: "perf-stat", state, ...refusal }, { id: "perf-record", state, ...refusal }];
  }
  const stat: Instrument = { id: "perf-stat", state: "available", path, version };
  if (!root && paranoid !== null && paranoid > PARANOID_MAX_FOR_STAT) {
    const r = { state: "refused" as const, reason: `kernel.perf_event_paranoid is ${paranoid}`, fix: FIX.perfParanoid };
    return [{ id: "perf-stat", ...r }, { id: "perf-record", ...r }];
  }
  const record: Instrument = { id: "perf-record", state: "available", path, version };
  if (!root && paranoid !== null && paranoid > PARANOID_MAX_FOR_KERNEL) {
    record.note = `user-space stacks only (kernel.perf_event_paranoid is ${paranoid}; for kernel frames: ${FIX.perfParanoid})`;
  }
  return [stat, record];
}

export async function probeInstruments(d: ProbeDeps): Promise<Instrument[]> {
  if (d.platform !== "linux") {
    const reason = `this host runs ${d.platform}`;
    return (["strace", "perf-stat", "perf-record"] as const).map((id) => ({ id, state: "missing" as const, reason, fix: FIX.notLinux }));
  }
  return [await probeStrace(d), ...(await probePerf(d))];
}

/** One line per instrument for the console and the report: "strace 6.1: available" / "perf record: missing — fix: …". */
export function instrumentLines(list: Instrument[]): string[] {
  const name = { strace: "strace", "perf-stat": "perf stat", "perf-record": "perf record" } as const;
  return list.map((i) =>
    i.state === "available"
      ? `${name[i.id]}${i.version ? ` ${i.version}` : ""}: available${i.note ? ` (${i.note})` : ""}`
      : `${name[i.id]}: ${i.state}: ${i.reason}; fix: ${i.fix}`,
  );
}

/** The real host: PATH lookup, file reads, spawning with a hang guard. */
export function hostProbeDeps(): ProbeDeps {
  return {
    which: (cmd) => Bun.which(cmd),
    readFile: (p) => {
      try {
        return fs.readFileSync(p, "utf8");
      } catch {
        return null;
      }
    },
    run: async (argv) => {
      const proc = Bun.spawn(argv, { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
      const timer = setTimeout(() => proc.kill("SIGKILL"), PROBE_TIMEOUT_MS);
      const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
      clearTimeout(timer);
      return { code, stdout, stderr };
    },
    uid: process.getuid?.() ?? -1,
    platform: process.platform,
  };
}

/** A probe of `true` under strace or perf answers in well under a second; a stuck one must not hold the benchmark. */
const PROBE_TIMEOUT_MS = 10_000;
