// Candidate vs baseline syscalls side by side, per file and per MiB, ranked by difference; I/O sizes and zero-copy called out.

import { formatCount, formatRate, formatSize, formatTimes } from "./format";
import type {
  IoFamily, IoSide, IoSizeRow, IoTally, SyscallDiff, SyscallDiffRow, SyscallSide, ToolSyscalls, Workload,
  ZeroCopyCall, ZeroCopyRow, ZeroCopySide,
} from "./types";

const MiB = 1024 * 1024;

export const READ_FAMILY = ["read", "pread64", "readv", "preadv", "preadv2"];
export const WRITE_FAMILY = ["write", "pwrite64", "writev", "pwritev", "pwritev2"];
/** Zero-copy calls as the byte pass names them (ioctl clones are split out by strace-io.ts). */
const ZERO_COPY: Record<ZeroCopyCall, string> = {
  copy_file_range: "copy_file_range",
  sendfile: "sendfile",
  splice: "splice",
  FICLONE: "ioctl:FICLONE",
  FICLONERANGE: "ioctl:FICLONERANGE",
};

/**
 * A difference is worth a sentence when it is at least this many calls and at least SIGNIFICANT_SHARE of all the
 * calls the busier tool made: start-up noise (a few mmap) stays out, a per-file habit gets in.
 */
export const SIGNIFICANT_MIN_CALLS = 10;
export const SIGNIFICANT_SHARE = 0.01;
/**
 * A tool really moves file data through a family when it makes at least this many data calls and at least
 * BUSY_PER_FILE per file: below that the calls are start-up (the loader reading shared libraries, locale files).
 */
export const BUSY_MIN_CALLS = 32;
export const BUSY_PER_FILE = 0.5;
/** Average I/O sizes this far apart (either way) get a finding. */
export const IO_SIZE_RATIO = 2;
/** Total syscall counts this far apart (either way) get a finding. */
export const TOTAL_CALLS_RATIO = 1.25;

function side(calls: number, errors: number, seconds: number | null, w: Workload): SyscallSide {
  return {
    calls,
    errors,
    perFile: w.files > 0 ? calls / w.files : null,
    perMiB: w.bytes > 0 ? calls / (w.bytes / MiB) : null,
    seconds,
  };
}

function rowOf(t: ToolSyscalls, name: string) {
  return t.summary.rows.find((r) => r.name === name) ?? null;
}

function ioSide(tallies: IoTally[], family: string[], targets: string[]): IoSide {
  let calls = 0, dataCalls = 0, bytes = 0;
  for (const t of tallies) {
    if (!family.includes(t.syscall) || !targets.includes(t.target)) continue;
    calls += t.calls;
    dataCalls += t.calls - t.failed - t.zero;
    bytes += t.bytes;
  }
  return { calls, dataCalls, bytes, avgBytes: dataCalls > 0 ? bytes / dataCalls : null };
}

function zeroSide(t: ToolSyscalls, call: ZeroCopyCall): ZeroCopySide {
  if (t.io) {
    const rows = t.io.tallies.filter((x) => x.syscall === ZERO_COPY[call]);
    return {
      calls: rows.reduce((s, x) => s + x.calls, 0),
      failed: rows.reduce((s, x) => s + x.failed, 0),
      bytes: rows.reduce((s, x) => s + x.bytes, 0),
    };
  }
  // Without the byte pass only the summary is there: it cannot tell a clone ioctl from any other.
  if (call === "FICLONE" || call === "FICLONERANGE") return { calls: 0, failed: 0, bytes: 0 };
  const r = rowOf(t, call);
  return { calls: r?.calls ?? 0, failed: r?.errors ?? 0, bytes: 0 };
}

/** Compares two tools' strace passes over the same workload. Rows: every syscall whose call count differs, |Δcalls| descending. */
export function diffSyscalls(candidate: ToolSyscalls, baseline: ToolSyscalls, workload: Workload): SyscallDiff {
  const names = new Set([...candidate.summary.rows, ...baseline.summary.rows].map((r) => r.name));
  const rows: SyscallDiffRow[] = [];
  for (const name of names) {
    const c = rowOf(candidate, name);
    const b = rowOf(baseline, name);
    const deltaCalls = (c?.calls ?? 0) - (b?.calls ?? 0);
    if (deltaCalls === 0 && (c?.errors ?? 0) === (b?.errors ?? 0)) continue;
    rows.push({
      name,
      candidate: side(c?.calls ?? 0, c?.errors ?? 0, c?.seconds ?? null, workload),
      baseline: side(b?.calls ?? 0, b?.errors ?? 0, b?.seconds ?? null, workload),
      deltaCalls,
    });
  }
  const timeDelta = (r: SyscallDiffRow) => Math.abs((r.candidate.seconds ?? 0) - (r.baseline.seconds ?? 0));
  rows.sort((x, y) => Math.abs(y.deltaCalls) - Math.abs(x.deltaCalls) || timeDelta(y) - timeDelta(x) || x.name.localeCompare(y.name));

  const totalOf = (t: ToolSyscalls) => {
    const tot = t.summary.total;
    const calls = tot?.calls ?? t.summary.rows.reduce((s, r) => s + r.calls, 0);
    const errors = tot?.errors ?? t.summary.rows.reduce((s, r) => s + r.errors, 0);
    return side(calls, errors, tot?.seconds ?? null, workload);
  };
  const totals = { candidate: totalOf(candidate), baseline: totalOf(baseline) };

  const ioSizes: IoSizeRow[] = [];
  if (candidate.io && baseline.io) {
    for (const [family, members] of [["read", READ_FAMILY], ["write", WRITE_FAMILY]] as [IoFamily, string[]][]) {
      for (const [target, kinds] of [["file", ["file"]], ["pipe/socket", ["pipe", "socket"]]] as const) {
        const c = ioSide(candidate.io.tallies, members, [...kinds]);
        const b = ioSide(baseline.io.tallies, members, [...kinds]);
        if (c.calls || b.calls) ioSizes.push({ family, target, candidate: c, baseline: b });
      }
    }
  }

  const zeroCopy: ZeroCopyRow[] = [];
  for (const call of Object.keys(ZERO_COPY) as ZeroCopyCall[]) {
    const c = zeroSide(candidate, call);
    const b = zeroSide(baseline, call);
    if (c.calls || b.calls || call === "copy_file_range") zeroCopy.push({ call, candidate: c, baseline: b });
  }

  const diff: SyscallDiff = {
    candidate: candidate.label, baseline: baseline.label, workload, timeKind: candidate.summary.timeKind,
    rows, totals, ioSizes, zeroCopy, findings: [],
  };
  diff.findings = findings(diff);
  return diff;
}

/** "16.00 / file" when there are files, else "12.5 / MiB", else the count. */
function rate(s: { calls: number; perFile: number | null; perMiB: number | null }, w: Workload): string {
  if (w.files > 1 && s.perFile !== null) return `${formatRate(s.perFile)} / file`;
  if (s.perMiB !== null) return `${formatRate(s.perMiB)} / MiB`;
  return formatCount(s.calls);
}

function ioFinding(d: SyscallDiff, family: IoFamily, zeroCopyNote: string): string | null {
  const row = d.ioSizes.find((r) => r.family === family && r.target === "file");
  if (!row) return null;
  const c = row.candidate, b = row.baseline;
  const verb = family === "read" ? "reads" : "writes";
  const files = d.workload.files;
  const counts = (x: IoSide) => (files > 1 ? `${formatRate(x.calls / files)}` : formatCount(x.calls));
  const unit = files > 1 ? `${family}s / file` : `${family}s`;
  const busy = (x: IoSide) => x.dataCalls >= Math.max(BUSY_MIN_CALLS, BUSY_PER_FILE * files);
  const few = (x: IoSide) => (x.calls ? `only ${formatCount(x.calls)} calls` : "none");
  if (busy(c) && busy(b)) {
    const r = c.avgBytes! / b.avgBytes!;
    if (r > 1 / IO_SIZE_RATIO && r < IO_SIZE_RATIO) return null;
    return `${d.candidate} ${verb} files in ${formatSize(c.avgBytes!)} calls on average vs ${formatSize(b.avgBytes!)} for ${d.baseline} ` +
      `(${counts(c)} vs ${counts(b)} ${unit}): buffer size.`;
  }
  if (busy(c) && !busy(b)) {
    return `${d.candidate} ${verb} files in ${formatSize(c.avgBytes)} calls (${counts(c)} ${unit}); ${d.baseline} ${verb} ${few(b)}${zeroCopyNote}.`;
  }
  if (busy(b) && !busy(c)) {
    return `${d.baseline} ${verb} files in ${formatSize(b.avgBytes)} calls (${counts(b)} ${unit}); ${d.candidate} ${verb} ${few(c)}.`;
  }
  return null;
}

/** The sentences the Why section leads with, most telling first. Pure: same diff, same sentences. */
export function findings(d: SyscallDiff): string[] {
  const out: string[] = [];
  const w = d.workload;
  const tc = d.totals.candidate, tb = d.totals.baseline;
  const busier = Math.max(tc.calls, tb.calls);
  const significant = (delta: number) => Math.abs(delta) >= Math.max(SIGNIFICANT_MIN_CALLS, SIGNIFICANT_SHARE * busier);

  if (tb.calls > 0 && tc.calls > 0) {
    const r = tc.calls / tb.calls;
    if (r >= TOTAL_CALLS_RATIO || r <= 1 / TOTAL_CALLS_RATIO) {
      const how = r >= 1 ? `${formatTimes(r)} the syscalls of` : `${formatTimes(1 / r)} fewer syscalls than`;
      out.push(`${d.candidate} makes ${how} ${d.baseline}: ${rate(tc, w)} vs ${rate(tb, w)} (${formatCount(tc.calls)} vs ${formatCount(tb.calls)}).`);
    }
  }

  // Zero-copy: the baseline moves data without user-space copies and the candidate does not (or tries and fails).
  let zeroCopyNote = "";
  for (const z of d.zeroCopy) {
    const bOk = z.baseline.calls - z.baseline.failed;
    const cOk = z.candidate.calls - z.candidate.failed;
    const bytes = z.baseline.bytes > 0 ? `moves ${formatSize(z.baseline.bytes)}${w.bytes > 0 ? ` (${Math.round((100 * z.baseline.bytes) / w.bytes)}% of the bytes copied)` : ""} with` : "uses";
    if (bOk > 0 && cOk === 0) {
      const tried = z.candidate.calls > 0 ? `'s ${formatCount(z.candidate.calls)} calls all fail` : " never calls it";
      out.push(`${d.baseline} ${bytes} ${z.call} (${formatCount(z.baseline.calls)} calls); ${d.candidate}${tried}: missing zero-copy.`);
      if (!zeroCopyNote) zeroCopyNote = ` (it copies with ${z.call})`;
    } else if (cOk > 0 && bOk === 0 && significant(z.candidate.calls)) {
      out.push(`${d.candidate} uses ${z.call} (${formatCount(z.candidate.calls)} calls); ${d.baseline} does not.`);
    } else if (z.candidate.failed > 0 && z.candidate.failed === z.candidate.calls && significant(z.candidate.failed - z.baseline.failed)) {
      out.push(`every ${z.call} call of ${d.candidate} fails (${formatCount(z.candidate.failed)}): a fallback it pays for on every file.`);
    }
  }

  for (const family of ["write", "read"] as const) {
    const f = ioFinding(d, family, zeroCopyNote);
    if (f) out.push(f);
  }

  const told = new Set(["total", ...READ_FAMILY, ...WRITE_FAMILY, ...Object.keys(ZERO_COPY)]);
  // With the byte pass, clone ioctls were told above; the summary's ioctl row is mostly those.
  if (d.zeroCopy.some((z) => z.call.startsWith("FICLONE"))) told.add("ioctl");
  let listed = 0;
  for (const r of d.rows) {
    if (listed >= 3) break;
    if (told.has(r.name) || !significant(r.deltaCalls)) continue;
    const more = r.deltaCalls > 0 ? `${formatCount(r.deltaCalls)} more` : `${formatCount(-r.deltaCalls)} fewer`;
    out.push(`${r.name}: ${rate(r.candidate, w)} vs ${rate(r.baseline, w)} (${more} calls).`);
    listed++;
  }

  for (const r of d.rows) {
    const delta = r.candidate.errors - r.baseline.errors;
    if (delta <= 0 || !significant(delta) || told.has(r.name)) continue;
    out.push(`${formatCount(r.candidate.errors)} of ${d.candidate}'s ${formatCount(r.candidate.calls)} ${r.name} calls fail (${d.baseline}: ${formatCount(r.baseline.errors)}).`);
  }
  return out;
}
