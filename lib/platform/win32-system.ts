// What the Windows platform calls: kernel32 through bun:ffi (CreateFileW, CloseHandle, FlushFileBuffers, GetLastError, GetVolumePathNameW, GetVolumeInformationW), commands, the environment; the real one and its interface.
import { dlopen, FFIType } from "bun:ffi";
import { realCommands, walkFiles, type Commands, type FileWalker } from "./system";

/**
 * The kernel32 functions, with Windows' own argument order. Strings are NUL-terminated UTF-16LE buffers
 * (wide()), lengths are in characters, HANDLEs are bigints (INVALID_HANDLE_VALUE = -1n).
 */
export interface Kernel32 {
  CreateFileW(path: Uint8Array, access: number, share: number, security: null, disposition: number, flags: number, template: null): bigint;
  CloseHandle(handle: bigint): number;
  /** Nonzero on success. */
  FlushFileBuffers(handle: bigint): number;
  GetLastError(): number;
  GetVolumePathNameW(path: Uint8Array, out: Uint8Array, outChars: number): number;
  GetVolumeInformationW(root: Uint8Array, name: null, nameChars: number, serial: null, maxComponent: null, fsFlags: null, fsName: Uint8Array, fsNameChars: number): number;
}

export interface Win32System extends Commands {
  env(name: string): string | undefined;
  /** The kernel32 binding, or why it cannot be loaded. */
  kernel32(): Kernel32 | { why: string };
  walkFiles: FileWalker;
}

export const INVALID_HANDLE_VALUE = -1n;

/** A NUL-terminated UTF-16LE string, as the W functions take it. */
export function wide(s: string): Uint8Array {
  return Buffer.from(`${s}\0`, "utf16le");
}

/** The string in a UTF-16LE buffer, up to its first NUL. */
export function fromWide(buf: Uint8Array): string {
  const s = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString("utf16le");
  const nul = s.indexOf("\0");
  return nul < 0 ? s : s.slice(0, nul);
}

/** Loads the binding from `library` (a stand-in built from tests/fixtures on Linux checks the marshalling). */
export function loadKernel32(library = "kernel32.dll"): Kernel32 | { why: string } {
  try {
    const lib = dlopen(library, {
      CreateFileW: { args: [FFIType.ptr, FFIType.u32, FFIType.u32, FFIType.ptr, FFIType.u32, FFIType.u32, FFIType.ptr], returns: FFIType.i64 },
      CloseHandle: { args: [FFIType.i64], returns: FFIType.i32 },
      FlushFileBuffers: { args: [FFIType.i64], returns: FFIType.i32 },
      GetLastError: { args: [], returns: FFIType.u32 },
      GetVolumePathNameW: { args: [FFIType.ptr, FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
      GetVolumeInformationW: { args: [FFIType.ptr, FFIType.ptr, FFIType.u32, FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
    });
    const s = lib.symbols;
    return {
      CreateFileW: (path, access, share, security, disposition, flags, template) => BigInt(s.CreateFileW(path, access, share, security, disposition, flags, template)),
      CloseHandle: (handle) => s.CloseHandle(handle),
      FlushFileBuffers: (handle) => s.FlushFileBuffers(handle),
      GetLastError: () => s.GetLastError(),
      GetVolumePathNameW: (path, out, outChars) => s.GetVolumePathNameW(path, out, outChars),
      GetVolumeInformationW: (root, name, nameChars, serial, maxComponent, fsFlags, fsName, fsNameChars) =>
        s.GetVolumeInformationW(root, name, nameChars, serial, maxComponent, fsFlags, fsName, fsNameChars),
    };
  } catch (e) {
    return { why: `cannot load ${library}: ${(e as Error).message}` };
  }
}

let kernel32Cache: Kernel32 | { why: string } | null = null;

export const realWin32System: Win32System = {
  ...realCommands,
  env: (name) => process.env[name],
  kernel32: () => (kernel32Cache ??= process.platform === "win32" ? loadKernel32() : { why: `no kernel32 on ${process.platform}` }),
  walkFiles,
};
