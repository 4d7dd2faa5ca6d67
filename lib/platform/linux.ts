// Page cache: drop it before a run (with per-platform fallbacks), evict single files, and measure residency.

import { closeSync, fstatSync, openSync, writeFileSync } from "node:fs";
import { dlopen, FFIType } from "bun:ffi";
import { walk } from "../safe-fs.ts";
import type { CacheTreatment } from "../types.ts";

export interface CacheDropResult {
  treatment: CacheTreatment;
  /** How the drop was done or why the full drop was not possible; shown in logs and reports. */
  detail?: string;
  ms: number;
}

export interface DropOptions {
  /** Defaults to process.platform; tests override it to exercise one path. */
  platform?: NodeJS.Platform;
  /** Linux only: the file written with "3" (tests point it somewhere unwritable to force the fallback). */
  dropCachesPath?: string;
  /** Try `sudo -n` (never prompts) when not root. Default true. */
  trySudo?: boolean;
}

const PROC_DROP_CACHES = "/proc/sys/vm/drop_caches";
const POSIX_FADV_DONTNEED = 4;
const PROT_READ = 1;
const MAP_SHARED = 1;
const SC_PAGESIZE = 30; // Linux value of _SC_PAGESIZE
const SUDO_TIMEOUT_MS = 10_000;

// ---- libc through bun:ffi (lazy: loading fails on non-glibc systems and must not break import) ----

interface Libc {
  mmap(addr: null, len: number, prot: number, flags: number, fd: number, off: number): number | bigint | null;
  munmap(addr: number, len: number): number;
  mincore(addr: number, len: number, vec: Uint8Array): number;
  posix_fadvise(fd: number, off: number, len: number, advice: number): number;
  sysconf(name: number): number | bigint;
}

let libcCache: { libc: Libc | null; error: string | null } | null = null;

function loadLibc(): { libc: Libc | null; error: string | null } {
  if (libcCache) return libcCache;
  if (process.platform !== "linux") return (libcCache = { libc: null, error: `no libc FFI on ${process.platform}` });
  const symbols = {
    mmap: { args: [FFIType.ptr, FFIType.u64, FFIType.i32, FFIType.i32, FFIType.i32, FFIType.i64], returns: FFIType.ptr },
    munmap: { args: [FFIType.ptr, FFIType.u64], returns: FFIType.i32 },
    mincore: { args: [FFIType.ptr, FFIType.u64, FFIType.ptr], returns: FFIType.i32 },
    posix_fadvise: { args: [FFIType.i32, FFIType.i64, FFIType.i64, FFIType.i32], returns: FFIType.i32 },
    sysconf: { args: [FFIType.i32], returns: FFIType.i64 },
  } as const;
  const errors: string[] = [];
  // glibc first, then musl (Alpine) names.
  for (const name of ["libc.so.6", "libc.musl-x86_64.so.1", "libc.musl-aarch64.so.1", "libc.so"]) {
    try {
      const lib = dlopen(name, symbols);
      return (libcCache = { libc: lib.symbols as unknown as Libc, error: null });
    } catch (e) {
      errors.push(`${name}: ${(e as Error).message}`);
    }
  }
  return (libcCache = { libc: null, error: `cannot load libc (${errors.join("; ")})` });
}

// mmap returns MAP_FAILED ((void*)-1) which bun:ffi hands back as the bigint 2^64-1, not a number.
function mmapFailed(addr: number | bigint | null): addr is bigint | null {
  return addr === null || typeof addr === "bigint" || addr === 0;
}

// ---- per-file eviction and residency (Linux) ----------------------------------------------

export interface FadviseResult {
  ok: number;
  failed: number;
  /** The first failure, so a fallback that did not work can say why. */
  firstError?: string;
}

/**
 * posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) on each file. It only evicts clean pages, so
 * callers sync first; it does not touch dentries/inodes, which is why it is a fallback, not a drop.
 */
export function fadviseDontNeed(files: readonly string[]): FadviseResult {
  const { libc, error } = loadLibc();
  if (!libc) return { ok: 0, failed: files.length, firstError: error ?? "libc unavailable" };
  let ok = 0;
  let failed = 0;
  let firstError: string | undefined;
  for (const file of files) {
    let fd = -1;
    try {
      fd = openSync(file, "r");
      // posix_fadvise returns the error number instead of setting errno.
      const rc = libc.posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
      if (rc === 0) ok++;
      else {
        failed++;
        firstError ??= `posix_fadvise(${file}) returned error ${rc}`;
      }
    } catch (e) {
      failed++;
      firstError ??= `open(${file}): ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
    } finally {
      if (fd >= 0) closeSync(fd);
    }
  }
  return firstError === undefined ? { ok, failed } : { ok, failed, firstError };
}

/** Evenly spaced, deterministic pick of at most max items (same input → same sample). */
export function sampleEvenly<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items];
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(items[Math.floor((i * items.length) / max)]!);
  return out;
}

/**
 * Fraction (0..1) of the pages of a deterministic sample of files that sit in the page cache,
 * weighted by pages (so a big file counts for its size). Linux only, via mmap + mincore; mapping
 * without touching the pages does not fault them in, so measuring does not warm the cache.
 * null on other platforms, on any error, or when every sampled file is empty.
 */
export function residentFraction(files: readonly string[], sampleMax = 64): number | null {
  const { libc } = loadLibc();
  if (!libc) return null;
  const pageBytes = Number(libc.sysconf(SC_PAGESIZE));
  if (!(pageBytes > 0)) return null;
  let resident = 0;
  let total = 0;
  for (const file of sampleEvenly(files, sampleMax)) {
    let fd = -1;
    try {
      fd = openSync(file, "r");
      const sizeBytes = fstatSync(fd).size;
      if (sizeBytes === 0) continue;
      const addr = libc.mmap(null, sizeBytes, PROT_READ, MAP_SHARED, fd, 0);
      if (mmapFailed(addr)) return null;
      try {
        const vec = new Uint8Array(Math.ceil(sizeBytes / pageBytes));
        if (libc.mincore(addr, sizeBytes, vec) !== 0) return null;
        for (const v of vec) resident += v & 1;
        total += vec.length;
      } finally {
        libc.munmap(addr, sizeBytes);
      }
    } catch {
      return null;
    } finally {
      if (fd >= 0) closeSync(fd);
    }
  }
  return total === 0 ? null : resident / total;
}

// ---- helpers ---------------------------------------------------------------------------

function listFiles(dir: string): string[] {
  const out: string[] = [];
  try {
    walk(dir, (_rel, kind, abs) => void (kind === "file" && out.push(abs)));
  } catch {
    // A missing source dir leaves nothing to evict; the caller reports that as not-dropped.
  }
  return out;
}

function firstLine(s: string): string {
  return s.trim().split(/\r?\n/)[0] ?? "";
}

function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

function runSync(argv: string[], stdin?: string, timeoutMs = SUDO_TIMEOUT_MS): { ok: boolean; why: string } {
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
function syncFs(): void {
  runSync(["sync"], undefined, 120_000);
}

// ---- per-platform drops ----------------------------------------------------------------

/** Linux: drop_caches (root) → sudo -n tee → fadvise on the source files → not-dropped. */
export function dropCachesLinux(srcDir: string, files: readonly string[], opts: DropOptions = {}): Omit<CacheDropResult, "ms"> {
  const path = opts.dropCachesPath ?? PROC_DROP_CACHES;
  const reasons: string[] = [];
  syncFs();
  try {
    writeFileSync(path, "3");
    return { treatment: "dropped", detail: `sync; echo 3 > ${path}` };
  } catch (e) {
    reasons.push(`writing ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  // Root whose write failed (e.g. read-only /proc/sys in a container) gains nothing from sudo.
  if ((opts.trySudo ?? true) && !isRoot()) {
    if (Bun.which("sudo")) {
      const r = runSync(["sudo", "-n", "tee", path], "3");
      if (r.ok) return { treatment: "dropped", detail: `sync; echo 3 | sudo -n tee ${path}` };
      reasons.push(`sudo -n tee: ${r.why}`);
    } else {
      reasons.push("sudo not found");
    }
  }
  const targets = files.length > 0 ? files : listFiles(srcDir);
  if (targets.length === 0) return { treatment: `not-dropped: ${reasons.join("; ")}; no source files to fadvise` };
  const f = fadviseDontNeed(targets);
  if (f.ok === 0) {
    return { treatment: `not-dropped: ${reasons.join("; ")}; fadvise failed: ${f.firstError ?? "unknown"}` };
  }
  const partial = f.failed > 0 ? ` (${f.failed} failed: ${f.firstError})` : "";
  return {
    treatment: "fadvise",
    detail: `full drop not possible (${reasons.join("; ")}); evicted ${f.ok} source file(s) with posix_fadvise DONTNEED${partial}; dentries/inodes stay cached`,
  };
}

/** macOS: `sync && purge` needs root; sudo -n is tried so a NOPASSWD rule works unattended. */
export function dropCachesDarwin(opts: DropOptions = {}): Omit<CacheDropResult, "ms"> {
  syncFs();
  if (isRoot()) {
    const r = runSync(["purge"], undefined, 120_000);
    return r.ok ? { treatment: "purged", detail: "sync; purge" } : { treatment: `not-dropped: purge failed (${r.why})` };
  }
  if ((opts.trySudo ?? true) && Bun.which("sudo")) {
    const r = runSync(["sudo", "-n", "purge"], undefined, 120_000);
    if (r.ok) return { treatment: "purged", detail: "sync; sudo -n purge" };
    return { treatment: "not-dropped: purge needs root (sudo purge)", detail: `sudo -n purge: ${r.why}` };
  }
  return { treatment: "not-dropped: purge needs root (sudo purge)" };
}

/**
 * Windows: flush the modified list, then purge the standby list, with
 * NtSetSystemInformation(SystemMemoryListInformation = 80, command 3 then 4). That call needs
 * SeProfileSingleProcessPrivilege enabled, which an admin token holds but has disabled, hence
 * the AdjustTokenPrivileges dance. Not testable on the Linux CI; every failure path prints a reason.
 */
export const WINDOWS_PURGE_PS1 = String.raw`
$ErrorActionPreference = 'Stop'
Add-Type -TypeDefinition @'
using System;
using System.Runtime.InteropServices;
public static class MirrorbenchStandby {
  [StructLayout(LayoutKind.Sequential, Pack = 4)]
  private struct TokenPrivilege { public int Count; public long Luid; public int Attributes; }
  [DllImport("advapi32.dll", SetLastError = true)]
  private static extern bool OpenProcessToken(IntPtr process, int access, out IntPtr token);
  [DllImport("advapi32.dll", SetLastError = true, CharSet = CharSet.Unicode)]
  private static extern bool LookupPrivilegeValue(string system, string name, out long luid);
  [DllImport("advapi32.dll", SetLastError = true)]
  private static extern bool AdjustTokenPrivileges(IntPtr token, bool disableAll, ref TokenPrivilege state, int length, IntPtr previous, IntPtr returnLength);
  [DllImport("kernel32.dll")]
  private static extern IntPtr GetCurrentProcess();
  [DllImport("kernel32.dll")]
  private static extern bool CloseHandle(IntPtr handle);
  [DllImport("ntdll.dll")]
  private static extern int NtSetSystemInformation(int infoClass, ref int info, int length);
  public static string Purge() {
    IntPtr token;
    // TOKEN_ADJUST_PRIVILEGES (0x20) | TOKEN_QUERY (0x08)
    if (!OpenProcessToken(GetCurrentProcess(), 0x28, out token)) return "OpenProcessToken failed: " + Marshal.GetLastWin32Error();
    try {
      long luid;
      if (!LookupPrivilegeValue(null, "SeProfileSingleProcessPrivilege", out luid)) return "LookupPrivilegeValue failed: " + Marshal.GetLastWin32Error();
      TokenPrivilege tp = new TokenPrivilege();
      tp.Count = 1; tp.Luid = luid; tp.Attributes = 2; // SE_PRIVILEGE_ENABLED
      bool adjusted = AdjustTokenPrivileges(token, false, ref tp, 0, IntPtr.Zero, IntPtr.Zero);
      int err = Marshal.GetLastWin32Error();
      if (!adjusted) return "AdjustTokenPrivileges failed: " + err;
      if (err == 1300) return "SeProfileSingleProcessPrivilege not held (run as Administrator)"; // ERROR_NOT_ALL_ASSIGNED
      int command = 3; // MemoryFlushModifiedList
      int status = NtSetSystemInformation(80, ref command, 4);
      if (status != 0) return "flush modified list: NTSTATUS 0x" + status.ToString("X8");
      command = 4; // MemoryPurgeStandbyList
      status = NtSetSystemInformation(80, ref command, 4);
      if (status != 0) return "purge standby list: NTSTATUS 0x" + status.ToString("X8");
      return "";
    } finally { CloseHandle(token); }
  }
}
'@
$why = [MirrorbenchStandby]::Purge()
if ($why -ne '') { [Console]::Error.WriteLine($why); exit 1 }
exit 0
`;

export function dropCachesWindows(): Omit<CacheDropResult, "ms"> {
  const shell = Bun.which("powershell.exe") ?? Bun.which("pwsh.exe") ?? Bun.which("pwsh");
  if (!shell) return { treatment: "not-dropped: PowerShell not found" };
  // -EncodedCommand (UTF-16LE base64) avoids every quoting issue of -Command.
  const encoded = Buffer.from(WINDOWS_PURGE_PS1, "utf16le").toString("base64");
  const r = runSync([shell, "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-EncodedCommand", encoded], undefined, 120_000);
  if (r.ok) return { treatment: "purged", detail: "standby list purged (NtSetSystemInformation 80, 4)" };
  return { treatment: `not-dropped: standby purge failed (${r.why})` };
}

/**
 * Empty the page cache before a timed run, as far as this platform and these privileges allow.
 * Never silent: anything short of a full drop says how far it got in the treatment/detail.
 */
export async function dropCaches(srcDir: string, files: string[], opts: DropOptions = {}): Promise<CacheDropResult> {
  const t0 = performance.now();
  const platform = opts.platform ?? process.platform;
  let r: Omit<CacheDropResult, "ms">;
  try {
    if (platform === "linux") r = dropCachesLinux(srcDir, files, opts);
    else if (platform === "darwin") r = dropCachesDarwin(opts);
    else if (platform === "win32") r = dropCachesWindows();
    else r = { treatment: `not-dropped: no cache drop for platform ${platform}` };
  } catch (e) {
    r = { treatment: `not-dropped: ${(e as Error).message}` };
  }
  return { ...r, ms: performance.now() - t0 };
}
