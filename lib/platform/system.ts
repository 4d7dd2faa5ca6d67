// Helpers every platform uses: running a short system command with a timeout, root, sync, killing a process group, per-file eviction over a stream.
import { DEFAULTS } from "../defaults";
import { walk } from "../safe-fs";
import type { CacheDropResult, EvictResult } from "./types";

function firstLine(s: string): string {
  return s.trim().split(/\r?\n/)[0] ?? "";
}

export function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

/** A short system command's outcome: ok, or why not (status and the first line of stderr); its stdout. */
export interface CommandResult {
  ok: boolean;
  why: string;
  stdout: string;
}

/** The commands a platform runs (sudo, purge, mount, PowerShell, taskkill, xcode-select): injectable, so tests see each argv. */
export interface Commands {
  run(argv: string[], opts?: { stdin?: string; timeoutMs?: number }): CommandResult;
  /** The full path of a program on PATH, or null. */
  which(cmd: string): string | null;
}

export function runCommand(argv: string[], opts: { stdin?: string; timeoutMs?: number } = {}): CommandResult {
  try {
    const p = Bun.spawnSync(argv, {
      stdin: opts.stdin === undefined ? "ignore" : Buffer.from(opts.stdin),
      stdout: "pipe",
      stderr: "pipe",
      timeout: opts.timeoutMs ?? DEFAULTS.sudoTimeoutMs,
    });
    const stdout = p.stdout?.toString() ?? "";
    if (p.exitCode === 0) return { ok: true, why: "", stdout };
    const err = firstLine(p.stderr?.toString() ?? "");
    const status = p.exitCode === null ? `killed (${p.signalCode ?? "timeout"})` : `exit ${p.exitCode}`;
    return { ok: false, why: err ? `${status}: ${err}` : status, stdout };
  } catch (e) {
    return { ok: false, why: (e as Error).message, stdout: "" };
  }
}

export const realCommands: Commands = { run: runCommand, which: (cmd) => Bun.which(cmd) };

export function runSync(argv: string[], stdin?: string, timeoutMs = DEFAULTS.sudoTimeoutMs): { ok: boolean; why: string } {
  const r = runCommand(argv, { stdin, timeoutMs });
  return { ok: r.ok, why: r.why };
}

// Flush dirty pages first: neither drop_caches, fadvise, msync nor the standby purge evicts dirty pages.
export function syncFs(cmd: Commands = realCommands): void {
  cmd.run(["sync"], { timeoutMs: DEFAULTS.cacheCommandTimeoutMs });
}

/** Signals a process group (a tool and what it started); the process alone when it leads no group. */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
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

/** A drop's result with how long it took; a drop that throws says why instead of failing the run. */
export async function timed(drop: () => Omit<CacheDropResult, "ms">): Promise<CacheDropResult> {
  const t0 = performance.now();
  let r: Omit<CacheDropResult, "ms">;
  try {
    r = drop();
  } catch (e) {
    r = { treatment: `not-dropped: ${(e as Error).message}` };
  }
  return { ...r, ms: performance.now() - t0 };
}

/** Evicts one file; null when it was evicted, else why not. */
export type EvictOne = (file: string) => string | null;

function tally(r: EvictResult, file: string, one: EvictOne): void {
  let why: string | null;
  try {
    why = one(file);
  } catch (e) {
    why = `${file}: ${(e as Error).message}`;
  }
  if (why === null) r.ok++;
  else {
    r.failed++;
    r.firstError ??= why;
  }
}

/** One pass over a file stream, one eviction per file, counting what worked and keeping the first failure. */
export function evictEach(files: Iterable<string>, one: EvictOne): EvictResult {
  const r: EvictResult = { ok: 0, failed: 0 };
  for (const file of files) tally(r, file, one);
  return r;
}

/** Calls visit on every regular file below dir as the walk finds it (lstat: no symlink is followed; no list is built). */
export type FileWalker = (dir: string, visit: (file: string) => void) => void;

export const walkFiles: FileWalker = (dir, visit) => {
  try {
    walk(dir, (_rel, kind, abs) => void (kind === "file" && visit(abs)));
  } catch {
    // A missing source dir leaves nothing to evict; the caller reports that as not-dropped.
  }
};

/** The stream's files, or (an empty stream: the caller has no list) every file below srcDir, evicted while walking. */
export function evictStreamOrTree(srcDir: string, files: Iterable<string>, one: EvictOne, walker: FileWalker = walkFiles): EvictResult {
  const r = evictEach(files, one);
  if (r.ok + r.failed > 0) return r;
  walker(srcDir, (file) => tally(r, file, one));
  return r;
}
