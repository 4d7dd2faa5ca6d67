// Making a destination durable after a tool returns: syncfs (Linux), fsync + F_FULLFSYNC (macOS), FlushFileBuffers (Windows), timed; macOS and Windows through their System seams.

import fs from "node:fs";
import path from "node:path";
import { realDarwinSystem, type DarwinSystem } from "./darwin-system";
import { errnoName, loadLibc } from "./libc";
import type { FlushMethod, FlushResult } from "./types";
import { INVALID_HANDLE_VALUE, realWin32System, wide, type Win32System } from "./win32-system";

export type { FlushMethod, FlushResult } from "./types";

/** Linux: one syncfs(2) on the destination's file system (writes back every dirty inode of that fs and flushes the device cache). */
export interface LinuxDurableSys {
  openDir(dir: string): number;
  syncfs(fd: number): void;
  close(fd: number): void;
}

/** macOS: fsync each entry (data reaches the drive), then one fcntl(F_FULLFSYNC) (the drive flushes its cache, for every file at once). */
export interface DarwinDurableSys {
  /** Every file and directory below root, as the walk finds them (a stream: a million entries are never one list). */
  entries(root: string, visit: (p: string) => void): void;
  open(p: string): number;
  fsync(fd: number): void;
  fullFsync(fd: number): void;
  close(fd: number): void;
}

/** Windows: FlushFileBuffers on the volume handle (admin) or, failing that, on every file opened for writing. */
export interface Win32DurableSys {
  /** null when the volume cannot be opened (no admin token, UNC path): the per-file path is used. */
  openVolume(dst: string): unknown | null;
  files(root: string, visit: (p: string) => void): void;
  openFile(p: string): unknown;
  flush(handle: unknown): void;
  close(handle: unknown): void;
}

export interface DurableDeps {
  platform?: NodeJS.Platform | string;
  nowNs?: () => number;
  linux?: LinuxDurableSys | null;
  darwin?: DarwinDurableSys | { why: string };
  win32?: Win32DurableSys | { why: string };
}

const nowNsDefault = () => Bun.nanoseconds();

/**
 * Flushes the file system under `dst` to stable storage and times it. Meant to run right after the tool
 * returns, so durable = returned + flushNs. Never throws: a flush that failed says why, and the run must
 * then not carry a durable time. (On Linux the meter does this itself on its own clock: spawn.ts.)
 */
export function flushDurable(dst: string, deps: DurableDeps = {}): FlushResult {
  const platform = deps.platform ?? process.platform;
  const now = deps.nowNs ?? nowNsDefault;
  const t0 = now();
  const fail = (method: FlushMethod | "none", e: unknown): FlushResult => ({ ok: false, method, flushNs: now() - t0, reason: e instanceof Error ? e.message : String(e) });
  if (platform === "linux") {
    const sys = deps.linux === undefined ? realLinux() : deps.linux;
    if (!sys) return fail("syncfs", loadLibc().error ?? "libc unavailable");
    try {
      flushLinux(dst, sys);
      return { ok: true, method: "syncfs", flushNs: now() - t0, entries: 0 };
    } catch (e) {
      return fail("syncfs", e);
    }
  }
  if (platform === "darwin") {
    const sys = deps.darwin ?? darwinDurableSys(realDarwinSystem);
    if ("why" in sys) return fail("fsync+F_FULLFSYNC", sys.why);
    try {
      return { ok: true, method: "fsync+F_FULLFSYNC", entries: flushDarwin(dst, sys), flushNs: now() - t0 };
    } catch (e) {
      return fail("fsync+F_FULLFSYNC", e);
    }
  }
  if (platform === "win32") {
    const sys = deps.win32 ?? win32DurableSys(realWin32System);
    if ("why" in sys) return fail("FlushFileBuffers(files)", sys.why);
    let method: FlushMethod = "FlushFileBuffers(volume)";
    try {
      const r = flushWin32(dst, sys, (m) => (method = m));
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

/** Every entry gets fsync as the walk finds it; the root last, with F_FULLFSYNC after its fsync (one drive-cache flush for all). */
export function flushDarwin(dst: string, sys: DarwinDurableSys): number {
  let n = 0;
  const one = (p: string, full: boolean) => {
    const fd = sys.open(p);
    try {
      sys.fsync(fd);
      if (full) sys.fullFsync(fd);
    } finally {
      sys.close(fd);
    }
    n++;
  };
  sys.entries(dst, (p) => one(p, false));
  one(dst, true);
  return n;
}

export function flushWin32(dst: string, sys: Win32DurableSys, onMethod: (m: FlushMethod) => void = () => {}): { method: FlushMethod; entries: number } {
  const vol = sys.openVolume(dst);
  if (vol !== null) {
    try {
      sys.flush(vol);
    } finally {
      sys.close(vol);
    }
    return { method: "FlushFileBuffers(volume)", entries: 0 };
  }
  onMethod("FlushFileBuffers(files)");
  let n = 0;
  sys.files(dst, (f) => {
    const h = sys.openFile(f);
    try {
      sys.flush(h);
    } finally {
      sys.close(h);
    }
    n++;
  });
  return { method: "FlushFileBuffers(files)", entries: n };
}

// ---- the real calls, through libc (Linux) and the platforms' System seams ----------------------

function realLinux(): LinuxDurableSys | null {
  const { libc } = loadLibc();
  if (!libc) return null;
  return {
    openDir: (dir) => fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY),
    syncfs(fd) {
      if (libc.syncfs(fd) !== 0) throw new Error(`syncfs: ${errnoName(libc.errno())}`);
    },
    close: (fd) => fs.closeSync(fd),
  };
}

const F_FULLFSYNC = 51; // <sys/fcntl.h> on macOS

/** macOS through DarwinSystem: its files and libSystem's fcntl. */
export function darwinDurableSys(sys: DarwinSystem): DarwinDurableSys | { why: string } {
  const libc = sys.libc();
  if ("why" in libc) return { why: libc.why };
  return {
    entries: (root, visit) => sys.walkEntries(root, visit),
    open: (p) => sys.openRead(p),
    fsync: (fd) => sys.fsync(fd),
    fullFsync(fd) {
      if (libc.fcntl(fd, F_FULLFSYNC) === -1) throw new Error(`fcntl(F_FULLFSYNC): errno ${libc.errno()}`);
    },
    close: (fd) => sys.close(fd),
  };
}

const GENERIC_WRITE = 0x40000000;
const FILE_SHARE_ALL = 0x7; // read | write | delete
const OPEN_EXISTING = 3;

/** Windows through Win32System: kernel32's CreateFileW / FlushFileBuffers / CloseHandle. */
export function win32DurableSys(sys: Win32System): Win32DurableSys | { why: string } {
  const k = sys.kernel32();
  if ("why" in k) return { why: k.why };
  const open = (p: string): bigint | null => {
    const h = k.CreateFileW(wide(p), GENERIC_WRITE, FILE_SHARE_ALL, null, OPEN_EXISTING, 0, null);
    return h === INVALID_HANDLE_VALUE ? null : h;
  };
  return {
    openVolume(dst) {
      const drive = /^([A-Za-z]):/.exec(path.win32.resolve(dst))?.[1];
      return drive ? open(`\\\\.\\${drive}:`) : null;
    },
    files: (root, visit) => sys.walkFiles(root, visit),
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
}

