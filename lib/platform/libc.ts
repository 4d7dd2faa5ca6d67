// Linux's libc through bun:ffi, one loader for every call (eviction, residency, syncfs, FIEMAP, xattrs); per-file eviction (posix_fadvise) and page-cache residency (mmap + mincore).
import { closeSync, fstatSync, openSync } from "node:fs";
import { dlopen, FFIType, read, type Pointer } from "bun:ffi";
import { DEFAULTS } from "../defaults";
import { countOf, type FadviseResult } from "./types";

const POSIX_FADV_DONTNEED = 4;
const PROT_READ = 1;
const MAP_SHARED = 1;
const SC_PAGESIZE = 30; // Linux value of _SC_PAGESIZE

// ---- libc through bun:ffi (lazy: loading fails on non-glibc systems and must not break import) ----

/** Every libc call the platform code makes through bun:ffi, from one loader (eviction, residency, syncfs, FIEMAP, xattrs). */
export interface Libc {
  mmap(addr: null, len: number, prot: number, flags: number, fd: number, off: number): number | bigint | null;
  munmap(addr: number, len: number): number;
  mincore(addr: number, len: number, vec: Uint8Array): number;
  posix_fadvise(fd: number, off: number, len: number, advice: number): number;
  sysconf(name: number): number | bigint;
  syncfs(fd: number): number;
  ioctl(fd: number, request: number | bigint, arg: Uint8Array): number;
  llistxattr(path: Uint8Array, list: Uint8Array | null, size: number): number | bigint;
  lgetxattr(path: Uint8Array, name: Uint8Array, value: Uint8Array | null, size: number): number | bigint;
  lsetxattr(path: Uint8Array, name: Uint8Array, value: Uint8Array, size: number, flags: number): number;
  /** The errno of the calling thread, read right after a failed call. */
  errno(): number;
}

let libcCache: { libc: Libc | null; error: string | null } | null = null;

/** The libc calls, or null with the reason (not Linux, no loadable libc). Never throws. */
export function loadLibc(): { libc: Libc | null; error: string | null } {
  if (libcCache) return libcCache;
  if (process.platform !== "linux") return (libcCache = { libc: null, error: `no libc FFI on ${process.platform}` });
  const symbols = {
    mmap: { args: [FFIType.ptr, FFIType.u64, FFIType.i32, FFIType.i32, FFIType.i32, FFIType.i64], returns: FFIType.ptr },
    munmap: { args: [FFIType.ptr, FFIType.u64], returns: FFIType.i32 },
    mincore: { args: [FFIType.ptr, FFIType.u64, FFIType.ptr], returns: FFIType.i32 },
    posix_fadvise: { args: [FFIType.i32, FFIType.i64, FFIType.i64, FFIType.i32], returns: FFIType.i32 },
    sysconf: { args: [FFIType.i32], returns: FFIType.i64 },
    syncfs: { args: [FFIType.i32], returns: FFIType.i32 },
    // ioctl is variadic; its third argument is passed in a register like a fixed one on x86-64 and aarch64 Linux.
    ioctl: { args: [FFIType.i32, FFIType.u64, FFIType.ptr], returns: FFIType.i32 },
    llistxattr: { args: [FFIType.ptr, FFIType.ptr, FFIType.u64], returns: FFIType.i64 },
    lgetxattr: { args: [FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.u64], returns: FFIType.i64 },
    lsetxattr: { args: [FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.u64, FFIType.i32], returns: FFIType.i32 },
    __errno_location: { args: [], returns: FFIType.ptr },
  } as const;
  const errors: string[] = [];
  // glibc first, then musl (Alpine) names.
  for (const name of ["libc.so.6", "libc.musl-x86_64.so.1", "libc.musl-aarch64.so.1", "libc.so"]) {
    try {
      const s = dlopen(name, symbols).symbols;
      const libc: Libc = {
        mmap: (addr, len, prot, flags, fd, off) => s.mmap(addr, len, prot, flags, fd, off) as number | bigint | null,
        munmap: (addr, len) => s.munmap(addr as never, len),
        mincore: (addr, len, vec) => s.mincore(addr as never, len, vec),
        posix_fadvise: (fd, off, len, advice) => s.posix_fadvise(fd, off, len, advice),
        sysconf: (name) => s.sysconf(name),
        syncfs: (fd) => s.syncfs(fd),
        ioctl: (fd, request, arg) => s.ioctl(fd, BigInt(request), arg),
        llistxattr: (p, list, size) => s.llistxattr(p, list, size),
        lgetxattr: (p, n, v, size) => s.lgetxattr(p, n, v, size),
        lsetxattr: (p, n, v, size, flags) => s.lsetxattr(p, n, v, size, flags),
        errno: () => read.i32(s.__errno_location() as Pointer, 0),
      };
      return (libcCache = { libc, error: null });
    } catch (e) {
      errors.push(`${name}: ${(e as Error).message}`);
    }
  }
  return (libcCache = { libc: null, error: `cannot load libc (${errors.join("; ")})` });
}

/** A NUL-terminated C string. */
export function cString(s: string): Uint8Array {
  return new TextEncoder().encode(s + "\0");
}

const ERRNO_NAMES: Record<number, string> = {
  1: "EPERM", 2: "ENOENT", 5: "EIO", 9: "EBADF", 13: "EACCES", 14: "EFAULT", 20: "ENOTDIR", 22: "EINVAL",
  25: "ENOTTY", 28: "ENOSPC", 30: "EROFS", 34: "ERANGE", 38: "ENOSYS", 61: "ENODATA", 95: "EOPNOTSUPP",
};

/** "EOPNOTSUPP" for 95 (Linux numbering), else "errno 123". */
export function errnoName(n: number): string {
  return ERRNO_NAMES[n] ?? `errno ${n}`;
}

export const ERRNO = { ENOTTY: 25, ERANGE: 34, ENODATA: 61, EOPNOTSUPP: 95, EINVAL: 22 } as const;

// mmap returns MAP_FAILED ((void*)-1) which bun:ffi hands back as the bigint 2^64-1, not a number.
function mmapFailed(addr: number | bigint | null): addr is bigint | null {
  return addr === null || typeof addr === "bigint" || addr === 0;
}

/**
 * posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) on each file. It only evicts clean pages, so
 * callers sync first; it does not touch dentries/inodes, which is why it is a fallback, not a drop.
 */
export function fadviseDontNeed(files: Iterable<string>): FadviseResult {
  const { libc, error } = loadLibc();
  if (!libc) return { ok: 0, failed: countOf(files), firstError: error ?? "libc unavailable" };
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
export function residentFraction(files: readonly string[], sampleMax = DEFAULTS.residencySampleFiles): number | null {
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
