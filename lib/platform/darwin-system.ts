// What the macOS platform calls: libSystem through bun:ffi (mmap, msync, munmap, mincore, getpagesize, fcntl, errno), files, commands; the real one and its interface.
import fs from "node:fs";
import { dlopen, FFIType, read } from "bun:ffi";
import { walk } from "../safe-fs";
import { realCommands, walkFiles, type Commands, type FileWalker } from "./system";

/**
 * The libc calls of the per-file eviction (fio's discard_pages) and of the residency check. Addresses are
 * bigints (u64): MAP_FAILED is 2^64-1. The same six functions, with the same signatures and the same values
 * of PROT_NONE, PROT_READ, MAP_SHARED and MS_INVALIDATE, exist in glibc, which is how the binding is run here.
 */
export interface DarwinLibc {
  mmap(addr: number, lenBytes: number, prot: number, flags: number, fd: number, offsetBytes: number): bigint;
  msync(addr: bigint, lenBytes: number, flags: number): number;
  munmap(addr: bigint, lenBytes: number): number;
  mincore(addr: bigint, lenBytes: number, vec: Uint8Array): number;
  getpagesize(): number;
  /** fcntl(fd, cmd) without a third argument (F_FULLFSYNC): -1 on failure. */
  fcntl(fd: number, cmd: number): number;
  /** errno of the last failed call (libSystem's __error(), glibc's __errno_location()). */
  errno(): number;
}

export interface DarwinSystem extends Commands {
  uid(): number | null;
  /** The libc binding, or why it cannot be loaded. */
  libc(): DarwinLibc | { why: string };
  openRead(file: string): number;
  fileSizeBytes(fd: number): number;
  close(fd: number): void;
  fsync(fd: number): void;
  realpath(p: string): string;
  walkFiles: FileWalker;
  /** Every file and directory below root (not the root, no link followed), as the walk finds them. */
  walkEntries: FileWalker;
}

export const MAP_FAILED = 2n ** 64n - 1n;

/** Loads the binding from `library`; macOS's is libSystem, whose errno lives behind __error(). */
export function loadDarwinLibc(library = "/usr/lib/libSystem.B.dylib", errnoSymbol = "__error"): DarwinLibc | { why: string } {
  try {
    const lib = dlopen(library, {
      mmap: { args: [FFIType.u64, FFIType.u64, FFIType.i32, FFIType.i32, FFIType.i32, FFIType.i64], returns: FFIType.u64 },
      msync: { args: [FFIType.u64, FFIType.u64, FFIType.i32], returns: FFIType.i32 },
      munmap: { args: [FFIType.u64, FFIType.u64], returns: FFIType.i32 },
      mincore: { args: [FFIType.u64, FFIType.u64, FFIType.ptr], returns: FFIType.i32 },
      getpagesize: { args: [], returns: FFIType.i32 },
      // fcntl is variadic; F_FULLFSYNC takes no third argument, so the fixed two-argument call is exact on arm64 too.
      fcntl: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 },
      [errnoSymbol]: { args: [], returns: FFIType.ptr },
    });
    const s = lib.symbols as Record<string, (...a: unknown[]) => unknown>;
    return {
      mmap: (addr, len, prot, flags, fd, off) => BigInt(s.mmap!(addr, len, prot, flags, fd, off) as bigint),
      msync: (addr, len, flags) => s.msync!(addr, len, flags) as number,
      munmap: (addr, len) => s.munmap!(addr, len) as number,
      mincore: (addr, len, vec) => s.mincore!(addr, len, vec) as number,
      getpagesize: () => s.getpagesize!() as number,
      fcntl: (fd, cmd) => s.fcntl!(fd, cmd) as number,
      errno: () => {
        const p = s[errnoSymbol]!() as number | null;
        return p ? read.i32(p as never, 0) : -1;
      },
    };
  } catch (e) {
    return { why: `cannot load ${library}: ${(e as Error).message}` };
  }
}

let libcCache: DarwinLibc | { why: string } | null = null;

export const realDarwinSystem: DarwinSystem = {
  ...realCommands,
  uid: () => (typeof process.getuid === "function" ? process.getuid() : null),
  libc: () => (libcCache ??= process.platform === "darwin" ? loadDarwinLibc() : { why: `no libSystem on ${process.platform}` }),
  openRead: (file) => fs.openSync(file, "r"),
  fileSizeBytes: (fd) => fs.fstatSync(fd).size,
  close: (fd) => fs.closeSync(fd),
  fsync: (fd) => fs.fsyncSync(fd),
  realpath: (p) => fs.realpathSync(p),
  walkFiles,
  walkEntries: (root, visit) => walk(root, (_rel, kind, abs) => void ((kind === "file" || kind === "dir") && visit(abs))),
};
