// strace for a diagnosis: the argv of its two passes (syscall summary, byte counting) and the parser of its -c summary.

import type { StraceSummary, StraceTimeKind, SyscallRow } from "./types";

/**
 * The syscalls the byte-counting pass stops at: the read and write families, the zero-copy family, and ioctl
 * (FICLONE / FICLONERANGE are ioctls). Everything else runs without a ptrace stop under --seccomp-bpf.
 */
export const IO_SYSCALLS = [
  "read", "pread64", "readv", "preadv", "preadv2",
  "write", "pwrite64", "writev", "pwritev", "pwritev2",
  "copy_file_range", "sendfile", "splice", "ioctl",
] as const;

/** strace 5.3 brought --seccomp-bpf: untraced syscalls no longer stop the tracee, which makes the byte pass cheap. */
const SECCOMP_BPF_SINCE: [number, number] = [5, 3];

/** "strace -- version 6.1" → [6, 1]; null when the text is not strace's version line. */
export function parseStraceVersion(text: string): [number, number] | null {
  const m = /strace\s+--\s+version\s+(\d+)\.(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

function atLeast(v: [number, number] | null, min: [number, number]): boolean {
  return v !== null && (v[0] > min[0] || (v[0] === min[0] && v[1] >= min[1]));
}

export interface StraceOptions {
  /** The strace binary (default "strace" on PATH). */
  strace?: string;
  /** From `strace -V`; an unknown version gets the argv every strace since 4.x understands. */
  version?: [number, number] | null;
}

/**
 * Summary pass: every syscall of the tool and its children (-f), counted, with failures and time (-c).
 * -w: the time reported is each syscall's latency (entry to exit, wall clock), not system CPU time: a copy tool
 * spends its time blocked in I/O, which system time does not show. Measured here (strace 6.1, 10k and 100k files),
 * -w and the default cost the same within this VM's noise: 10–20× the untraced run either way.
 */
export function straceSummaryArgv(toolArgv: string[], outFile: string, o: StraceOptions = {}): string[] {
  return [o.strace ?? "strace", "-f", "-c", "-w", "-o", outFile, "--", ...toolArgv];
}

/**
 * Byte-counting pass: only the I/O syscalls (IO_SYSCALLS), one line each with its return value (bytes moved);
 * -y names what each descriptor is (file, pipe, socket) so file I/O sizes are not blurred by pipe traffic;
 * -s 0: no buffer contents are copied out of the tracee; signals and exit notes are left out.
 */
export function straceIoArgv(toolArgv: string[], outFile: string, o: StraceOptions = {}): string[] {
  const seccomp = atLeast(o.version ?? null, SECCOMP_BPF_SINCE) ? ["--seccomp-bpf"] : [];
  return [
    o.strace ?? "strace", "-f", ...seccomp,
    "-e", `trace=${IO_SYSCALLS.join(",")}`, "-e", "signal=none", "-qq", "-s", "0", "-y",
    "-o", outFile, "--", ...toolArgv,
  ];
}

// ---- the -c summary ----------------------------------------------------------------

type Column = "percentTime" | "seconds" | "usecsPerCall" | "calls" | "errors" | "name" | "minSeconds" | "maxSeconds";

/** Header labels as strace prints them (default columns and every -U column), "% time" joined into one token. */
const HEADER: Record<string, Column> = {
  "%time": "percentTime",
  seconds: "seconds",
  "usecs/call": "usecsPerCall",
  calls: "calls",
  errors: "errors",
  syscall: "name",
  shortest: "minSeconds",
  longest: "maxSeconds",
};

/** strace prints numbers with the C library's locale: "0.003708" or "0,003708". */
function num(token: string | undefined): number | null {
  if (token === undefined) return null;
  const v = Number(token.replace(",", "."));
  return Number.isFinite(v) ? v : null;
}

function parseHeader(line: string): Column[] | null {
  const tokens = line.replace(/%\s+time/, "%time").trim().split(/\s+/);
  const cols = tokens.map((t) => HEADER[t]);
  return cols.length >= 2 && cols.includes("name") && cols.includes("calls") && cols.every((c) => c !== undefined)
    ? (cols as Column[])
    : null;
}

/** A table row: as many tokens as columns, or one fewer when the errors column is blank (no failed calls). */
function parseRow(line: string, cols: Column[]): SyscallRow | null {
  let tokens = line.trim().split(/\s+/);
  if (tokens.length === cols.length - 1 && cols.includes("errors")) {
    const at = cols.indexOf("errors");
    tokens = [...tokens.slice(0, at), "0", ...tokens.slice(at)];
  }
  if (tokens.length !== cols.length) return null;
  const get = (c: Column) => (cols.includes(c) ? tokens[cols.indexOf(c)] : undefined);
  const name = get("name");
  const calls = num(get("calls"));
  if (!name || calls === null || !/^[A-Za-z_][\w]*$/.test(name)) return null;
  return {
    name,
    calls,
    errors: num(get("errors")) ?? 0,
    seconds: num(get("seconds")),
    usecsPerCall: num(get("usecsPerCall")),
    minSeconds: num(get("minSeconds")),
    maxSeconds: num(get("maxSeconds")),
    percentTime: num(get("percentTime")),
  };
}

function addRows(a: SyscallRow, b: SyscallRow): SyscallRow {
  const sum = (x: number | null, y: number | null) => (x === null || y === null ? (x ?? y) : x + y);
  const calls = a.calls + b.calls;
  const seconds = sum(a.seconds, b.seconds);
  return {
    name: a.name,
    calls,
    errors: a.errors + b.errors,
    seconds,
    usecsPerCall: seconds !== null && calls > 0 ? Math.round((seconds * 1e6) / calls) : sum(a.usecsPerCall, b.usecsPerCall),
    minSeconds: a.minSeconds === null || b.minSeconds === null ? (a.minSeconds ?? b.minSeconds) : Math.min(a.minSeconds, b.minSeconds),
    maxSeconds: a.maxSeconds === null || b.maxSeconds === null ? (a.maxSeconds ?? b.maxSeconds) : Math.max(a.maxSeconds, b.maxSeconds),
    // Shares of different tables do not add up; the merged table's share is recomputed below.
    percentTime: null,
  };
}

/**
 * Parses what `strace -c` wrote (-o file): one table, or one per personality ("System call usage summary for
 * 32 bit mode:"), merged by syscall name. Columns are found by the header, so -U orders and older stracees both parse;
 * lines that are not part of a table (attach notes) are ignored. An empty file gives no rows and no total.
 */
export function parseStraceSummary(text: string, timeKind: StraceTimeKind): StraceSummary {
  const byName = new Map<string, SyscallRow>();
  const personalities: string[] = [];
  let total: SyscallRow | null = null;
  let cols: Column[] | null = null;
  let tables = 0;
  for (const raw of text.split("\n")) {
    const line = raw.trimEnd();
    const mode = /System call usage summary for (.+?) mode:/.exec(line);
    if (mode) {
      personalities.push(mode[1]!);
      continue;
    }
    const header = parseHeader(line);
    if (header) {
      cols = header;
      tables++;
      continue;
    }
    if (!cols || /^[-\s]+$/.test(line)) continue;
    const row = parseRow(line, cols);
    if (!row) continue;
    if (row.name === "total") {
      total = total ? addRows(total, row) : row;
      continue;
    }
    const seen = byName.get(row.name);
    byName.set(row.name, seen ? addRows(seen, row) : row);
  }
  const rows = [...byName.values()];
  if (tables > 1 && total) {
    const all = total.seconds;
    for (const r of rows) r.percentTime = all && r.seconds !== null ? (100 * r.seconds) / all : null;
    total.percentTime = 100;
  }
  return { timeKind, rows, total, personalities };
}

/** The summary's calls of one syscall (0 when strace listed none). */
export function callsOf(s: StraceSummary, name: string): number {
  return s.rows.find((r) => r.name === name)?.calls ?? 0;
}
