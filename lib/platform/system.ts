// Helpers every platform uses: running a short system command with a timeout, root, sync, and killing a process group.
import { DEFAULTS } from "../defaults";
import type { CacheDropResult } from "./types";

function firstLine(s: string): string {
  return s.trim().split(/\r?\n/)[0] ?? "";
}

export function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

export function runSync(argv: string[], stdin?: string, timeoutMs = DEFAULTS.sudoTimeoutMs): { ok: boolean; why: string } {
  try {
    const p = Bun.spawnSync(argv, {
      stdin: stdin === undefined ? "ignore" : Buffer.from(stdin),
      stdout: "ignore",
      stderr: "pipe",
      timeout: timeoutMs,
    });
    if (p.exitCode === 0) return { ok: true, why: "" };
    const err = firstLine(p.stderr?.toString() ?? "");
    const status = p.exitCode === null ? `killed (${p.signalCode ?? "timeout"})` : `exit ${p.exitCode}`;
    return { ok: false, why: err ? `${status}: ${err}` : status };
  } catch (e) {
    return { ok: false, why: (e as Error).message };
  }
}

// Flush dirty pages first: neither drop_caches nor fadvise evicts dirty pages.
export function syncFs(): void {
  runSync(["sync"], undefined, DEFAULTS.cacheCommandTimeoutMs);
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
