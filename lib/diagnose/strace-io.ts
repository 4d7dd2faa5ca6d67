// The byte-counting strace pass: parse its trace (straceIoArgv) into per-syscall, per-descriptor-kind tallies of calls and bytes.

import type { FdKind, IoTally, IoTrace } from "./types";

/** ioctl requests that clone a file (reflink): by name as strace decodes them, or as the raw number. */
const FICLONERANGE = /\bFICLONERANGE\b|\b0x4020940d\b/i;
const FICLONE = /\bFICLONE\b|\b0x40049409\b/i;

/** "ioctl" becomes "ioctl:FICLONE" / "ioctl:FICLONERANGE" when it is a clone request. */
function ioctlName(args: string): string {
  if (FICLONERANGE.test(args)) return "ioctl:FICLONERANGE";
  if (FICLONE.test(args)) return "ioctl:FICLONE";
  return "ioctl";
}

/** What strace -y printed after the first descriptor: `3</path>`, `5<pipe:[123]>`, `4<socket:[9]>`, `1</dev/null>`. */
export function fdKind(args: string): FdKind {
  // strace escapes '<' and '>' inside the decoration (\74, \76), so the first '>' closes it.
  const m = /^\s*-?\d+<([^>]*)>/.exec(args);
  if (!m) return "other";
  const what = m[1]!;
  if (what.startsWith("pipe:")) return "pipe";
  if (/^(socket|UNIX|TCP|UDP|NETLINK)/.test(what)) return "socket";
  // Device nodes (/dev/null, ttys) are not file I/O; /dev/shm is a tmpfs of ordinary files (a common fast workspace).
  if ((what.startsWith("/dev/") && !what.startsWith("/dev/shm/")) || !what.startsWith("/")) return "other";
  return "file";
}

interface Pending {
  name: string;
  target: FdKind;
  args: string;
}

/** "1234 " (strace -f -o) or "[pid 1234] " (strace -f to a terminal) or nothing (a single process). */
const PREFIX = /^(?:\[pid\s+(\d+)\]\s+|(\d+)\s+)?(.*)$/;
/** The result at the end of a finished call: the last " = N" (greedy), then an optional errno or note. */
const RESULT = /^(.*)\s=\s(-?\d+|\?)(?:\s+\S.*)?$/;
const START = /^([a-z_][a-z0-9_]*)\((.*)$/;
const RESUMED = /^<\.\.\.\s+([a-z_][a-z0-9_]*)\s+resumed>(.*)$/;
const UNFINISHED = /<unfinished \.\.\.>\s*$/;
/** strace's own notes: signals, exits, attach/detach messages. */
const NOTE = /^(---|\+\+\+|strace: |<\.\.\. .* resumed> <unfinished)/;

/**
 * Tallies a trace written by straceIoArgv. A call split by another process ("<unfinished ...>" then
 * "<... read resumed>") counts once, with the descriptor from its first half. Returns of -1 or "?" (killed mid-call)
 * count as failed; 0 as zero (end of file); anything above adds that many bytes.
 */
export function parseIoTrace(text: string): IoTrace {
  const tallies = new Map<string, IoTally>();
  const pending = new Map<string, Pending>();
  let lines = 0;
  let unparsed = 0;

  const count = (name: string, target: FdKind, ret: string) => {
    const key = `${name}\0${target}`;
    let t = tallies.get(key);
    if (!t) tallies.set(key, (t = { syscall: name, target, calls: 0, failed: 0, zero: 0, bytes: 0 }));
    t.calls++;
    const n = ret === "?" ? -1 : Number(ret);
    if (n < 0) t.failed++;
    else if (n === 0) t.zero++;
    else if (!name.startsWith("ioctl")) t.bytes += n;
  };

  for (const raw of text.split("\n")) {
    if (!raw.trim()) continue;
    const pre = PREFIX.exec(raw.trimEnd())!;
    const pid = pre[1] ?? pre[2] ?? "";
    const body = pre[3]!;
    if (NOTE.test(body)) continue;
    const resumed = RESUMED.exec(body);
    if (resumed) {
      const p = pending.get(pid);
      pending.delete(pid);
      const r = RESULT.exec(resumed[2]!);
      if (!r || !p || p.name !== resumed[1]) {
        unparsed++;
        continue;
      }
      lines++;
      count(p.name === "ioctl" ? ioctlName(p.args + r[1]) : p.name, p.target, r[2]!);
      continue;
    }
    const start = START.exec(body);
    if (!start) {
      unparsed++;
      continue;
    }
    const name = start[1]!;
    const rest = start[2]!;
    if (UNFINISHED.test(rest)) {
      pending.set(pid, { name, target: fdKind(rest), args: rest });
      continue;
    }
    const r = RESULT.exec(rest);
    if (!r) {
      unparsed++;
      continue;
    }
    lines++;
    count(name === "ioctl" ? ioctlName(r[1]!) : name, fdKind(rest), r[2]!);
  }
  // A call still unfinished at the end was cut off (the process died in it): it happened, and it failed.
  for (const p of pending.values()) {
    lines++;
    count(p.name === "ioctl" ? ioctlName(p.args) : p.name, p.target, "?");
  }
  const list = [...tallies.values()].sort((a, b) => a.syscall.localeCompare(b.syscall) || a.target.localeCompare(b.target));
  return { tallies: list, lines, unparsed };
}
