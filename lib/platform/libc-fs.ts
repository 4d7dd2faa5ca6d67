// libc file-system calls through bun:ffi that node:fs lacks (syncfs, ioctl, l*xattr), with errno; loaded lazily, Linux only.

import { dlopen, FFIType, read, type Pointer } from "bun:ffi";

export interface LibcFs {
  syncfs(fd: number): number;
  ioctl(fd: number, request: number | bigint, arg: Uint8Array): number;
  llistxattr(path: Uint8Array, list: Uint8Array | null, size: number): number | bigint;
  lgetxattr(path: Uint8Array, name: Uint8Array, value: Uint8Array | null, size: number): number | bigint;
  lsetxattr(path: Uint8Array, name: Uint8Array, value: Uint8Array, size: number, flags: number): number;
  /** The errno of the calling thread, read right after a failed call. */
  errno(): number;
}

let cached: { libc: LibcFs | null; error: string | null } | null = null;

/** The libc calls, or null with the reason (not Linux, no loadable libc). Never throws. */
export function loadLibcFs(): { libc: LibcFs | null; error: string | null } {
  if (cached) return cached;
  if (process.platform !== "linux") return (cached = { libc: null, error: `no libc FFI for these calls on ${process.platform}` });
  const symbols = {
    syncfs: { args: [FFIType.i32], returns: FFIType.i32 },
    // ioctl is variadic; its third argument is passed in a register like a fixed one on x86-64 and aarch64 Linux.
    ioctl: { args: [FFIType.i32, FFIType.u64, FFIType.ptr], returns: FFIType.i32 },
    llistxattr: { args: [FFIType.ptr, FFIType.ptr, FFIType.u64], returns: FFIType.i64 },
    lgetxattr: { args: [FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.u64], returns: FFIType.i64 },
    lsetxattr: { args: [FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.u64, FFIType.i32], returns: FFIType.i32 },
    __errno_location: { args: [], returns: FFIType.ptr },
  } as const;
  const errors: string[] = [];
  for (const name of ["libc.so.6", "libc.musl-x86_64.so.1", "libc.musl-aarch64.so.1", "libc.so"]) {
    try {
      const s = dlopen(name, symbols).symbols;
      const libc: LibcFs = {
        syncfs: (fd) => s.syncfs(fd),
        ioctl: (fd, request, arg) => s.ioctl(fd, BigInt(request), arg),
        llistxattr: (p, list, size) => s.llistxattr(p, list, size),
        lgetxattr: (p, n, v, size) => s.lgetxattr(p, n, v, size),
        lsetxattr: (p, n, v, size, flags) => s.lsetxattr(p, n, v, size, flags),
        errno: () => read.i32(s.__errno_location() as Pointer, 0),
      };
      return (cached = { libc, error: null });
    } catch (e) {
      errors.push(`${name}: ${(e as Error).message}`);
    }
  }
  return (cached = { libc: null, error: `cannot load libc (${errors.join("; ")})` });
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
