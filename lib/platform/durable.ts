// Making a destination durable after a tool returns: syncfs (Linux), fsync + F_FULLFSYNC (macOS), FlushFileBuffers (Windows), timed.

import fs from "node:fs";
import path from "node:path";
import { dlopen, FFIType } from "bun:ffi";
import { walk } from "../safe-fs";
import { loadLibcFs, errnoName } from "./libc-fs";

export type FlushMethod = "syncfs" | "fsync+F_FULLFSYNC" | "FlushFileBuffers(volume)" | "FlushFileBuffers(files)";

export type FlushResult =
  | { ok: true; method: FlushMethod; flushNs: number; /** Files and directories flushed one by one (0 for a whole-fs flush). */ entries: number }
  | { ok: false; method: FlushMethod | "none"; flushNs: number; reason: string };

/** Linux: one syncfs(2) on the destination's file system (writes back every dirty inode of that fs and flushes the device cache). */
export interface LinuxDurableSys {
  openDir(dir: string): number;
  syncfs(fd: number): void;
  close(fd: number): void;
}

/** macOS: fsync each entry (data reaches the drive), then one fcntl(F_FULLFSYNC) (the drive flushes its cache, for every file at once). */
export interface DarwinDurableSys {
  entries(root: string): string[];
  open(p: string): number;
  fsync(fd: number): void;
  fullFsync(fd: number): void;
  close(fd: number): void;
}

/** Windows: FlushFileBuffers on the volume handle (admin) or, failing that, on every file opened for writing. */
export interface Win32DurableSys {
  /** null when the volume cannot be opened (no admin token, UNC path): the per-file path is used. */
  openVolume(dst: string): unknown | null;
  files(root: string): string[];
  openFile(p: string): unknown;
  flush(handle: unknown): void;
  close(handle: unknown): void;
}

export interface DurableDeps {
  platform?: NodeJS.Platform;
  nowNs?: () => number;
  linux?: LinuxDurableSys;
  darwin?: DarwinDurableSys;
  win32?: Win32DurableSys;
}

const nowNsDefault = () => Bun.nanoseconds();

/**
 * Flushes the file system under `dst` to stable storage and times it. Meant to run inside the timed
 * window right after the tool returns, so durable = returned + flushNs. Never throws: a flush that
 * failed says why, and the run must then not carry a durable time.
 */
export function flushDurable(dst: string, deps: DurableDeps = {}): FlushResult {
  const platform = deps.platform ?? process.platform;
  const now = deps.nowNs ?? nowNsDefault;
  const t0 = now();
  const fail = (method: FlushMethod | "none", e: unknown): FlushResult => ({ ok: false, method, flushNs: now() - t0, reason: e instanceof Error ? e.message : String(e) });
  if (platform === "linux") {
    const sys = deps.linux ?? realLinux();
    if (!sys) return fail("syncfs", loadLibcFs().error ?? "libc unavailable");
    try {
      flushLinux(dst, sys);
      return { ok: true, method: "syncfs", flushNs: now() - t0, entries: 0 };
    } catch (e) {
      return fail("syncfs", e);
    }
  }
  if (platform === "darwin") {
    const sys = deps.darwin ?? realDarwin();
    if (!sys) return fail("fsync+F_FULLFSYNC", "cannot load libSystem for fcntl(F_FULLFSYNC)");
    try {
      return { ok: true, method: "fsync+F_FULLFSYNC", entries: flushDarwin(dst, sys), flushNs: now() - t0 };
    } catch (e) {
      return fail("fsync+F_FULLFSYNC", e);
    }
  }
  if (platform === "win32") {
    const sys = deps.win32 ?? realWin32();
    if (!sys) return fail("FlushFileBuffers(files)", "cannot load kernel32 for FlushFileBuffers");
    let method: FlushMethod = "FlushFileBuffers(volume)";
    try {
      const r = flushWin32(dst, sys);
      method = r.method;
      return { ok: true, method, entries: r.entries, flushNs: now() - t0 };
    } catch (e) {
      return fail(method, e);
    }
  }
  return fail("none", `no durable flush on ${platform}`);
}

export function flushLinux(dst: string, sys: LinuxDurableSys): void {
  const fd = sys.openDir(dst);
  try {
    sys.syncfs(fd);
  } finally {
    sys.close(fd);
  }
}

/** Every entry gets fsync (children first, so a directory's entries are durable before it); the root last, with F_FULLFSYNC after its fsync. */
export function flushDarwin(dst: string, sys: DarwinDurableSys): number {
  let n = 0;
  for (const p of sys.entries(dst)) {
    const fd = sys.open(p);
    try {
      sys.fsync(fd);
    } finally {
      sys.close(fd);
    }
    n++;
  }
  const fd = sys.open(dst);
  try {
    sys.fsync(fd);
    sys.fullFsync(fd);
  } finally {
    sys.close(fd);
  }
  return n + 1;
}

export function flushWin32(dst: string, sys: Win32DurableSys): { method: FlushMethod; entries: number } {
  const vol = sys.openVolume(dst);
  if (vol !== null) {
    try {
      sys.flush(vol);
    } finally {
      sys.close(vol);
    }
    return { method: "FlushFileBuffers(volume)", entries: 0 };
  }
  let n = 0;
  for (const f of sys.files(dst)) {
    const h = sys.openFile(f);
    try {
      sys.flush(h);
    } finally {
      sys.close(h);
    }
    n++;
  }
  return { method: "FlushFileBuffers(files)", entries: n };
}

// ---- real system bindings ---------------------------------------------------------------------

function realLinux(): LinuxDurableSys | null {
  const { libc } = loadLibcFs();
  if (!libc) return null;
  return {
    openDir: (dir) => fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY),
    syncfs(fd) {
      if (libc.syncfs(fd) !== 0) throw new Error(`syncfs: ${errnoName(libc.errno())}`);
    },
    close: (fd) => fs.closeSync(fd),
  };
}

/** Entries below root without following links, deepest first (a file before its directory). */
function entriesDeepestFirst(root: string, kinds: ReadonlySet<string>): string[] {
  const out: string[] = [];
  walk(root, (_rel, kind, abs) => {
    if (kinds.has(kind)) out.push(abs);
  });
  return out.reverse();
}

const F_FULLFSYNC = 51; // <sys/fcntl.h> on macOS

function realDarwin(): DarwinDurableSys | null {
  try {
    // fcntl is variadic; F_FULLFSYNC takes no third argument, so the fixed two-argument call is exact on arm64 too.
    const lib = dlopen("libSystem.B.dylib", { fcntl: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 } });
    return {
      entries: (root) => entriesDeepestFirst(root, new Set(["file", "dir"])),
      open: (p) => fs.openSync(p, "r"),
      fsync: (fd) => fs.fsyncSync(fd),
      fullFsync(fd) {
        if (lib.symbols.fcntl(fd, F_FULLFSYNC) === -1) throw new Error("fcntl(F_FULLFSYNC) failed");
      },
      close: (fd) => fs.closeSync(fd),
    };
  } catch {
    return null;
  }
}

const GENERIC_WRITE = 0x40000000;
const FILE_SHARE_ALL = 0x7; // read | write | delete
const OPEN_EXISTING = 3;
const INVALID_HANDLE = 0xffffffffffffffffn;

function realWin32(): Win32DurableSys | null {
  try {
    const k = dlopen("kernel32.dll", {
      CreateFileW: { args: [FFIType.ptr, FFIType.u32, FFIType.u32, FFIType.ptr, FFIType.u32, FFIType.u32, FFIType.u64], returns: FFIType.u64 },
      FlushFileBuffers: { args: [FFIType.u64], returns: FFIType.i32 },
      CloseHandle: { args: [FFIType.u64], returns: FFIType.i32 },
      GetLastError: { args: [], returns: FFIType.u32 },
    }).symbols;
    const wide = (s: string) => Buffer.from(s + "\0", "utf16le");
    const open = (p: string): bigint | null => {
      const h = k.CreateFileW(wide(p), GENERIC_WRITE, FILE_SHARE_ALL, null, OPEN_EXISTING, 0, 0n) as bigint;
      return h === INVALID_HANDLE ? null : h;
    };
    return {
      openVolume(dst) {
        const drive = /^([A-Za-z]):/.exec(path.resolve(dst))?.[1];
        return drive ? open(`\\\\.\\${drive}:`) : null;
      },
      files: (root) => entriesDeepestFirst(root, new Set(["file"])),
      openFile(p) {
        const h = open(p);
        if (h === null) throw new Error(`CreateFileW(${p}): error ${k.GetLastError()}`);
        return h;
      },
      flush(h) {
        if (k.FlushFileBuffers(h as bigint) === 0) throw new Error(`FlushFileBuffers: error ${k.GetLastError()}`);
      },
      close: (h) => void k.CloseHandle(h as bigint),
    };
  } catch {
    return null;
  }
}
