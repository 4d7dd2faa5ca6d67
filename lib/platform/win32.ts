// Windows: a standby-list purge through PowerShell (admin), else each source file opened with FILE_FLAG_NO_BUFFERING; Bun's memory figure; taskkill /T; the volume's file system; cmd.exe for shell tools.
import { DEFAULTS } from "../defaults";
import { CMD_SHELL } from "../shellquote";
import { flushDurable, win32DurableSys } from "./durable";
import { win32Meter } from "./meter";
import { evictStreamOrTree, timed } from "./system";
import { countOf, type CacheDropResult, type DropOptions, type EvictResult, type Platform } from "./types";
import { fromWide, INVALID_HANDLE_VALUE, realWin32System, wide, type Kernel32, type Win32System } from "./win32-system";

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

/** The PowerShell that runs the purge snippet: Windows PowerShell first (every Windows has it), then PowerShell 7. */
function powershell(sys: Win32System): string | null {
  return sys.which("powershell.exe") ?? sys.which("pwsh.exe") ?? sys.which("pwsh");
}

/** The standby purge's argv: -EncodedCommand (UTF-16LE base64) avoids every quoting issue of -Command. */
export function purgeArgv(shell: string): string[] {
  return [shell, "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-EncodedCommand", Buffer.from(WINDOWS_PURGE_PS1, "utf16le").toString("base64")];
}

/** A failure that will not change while this process runs (no admin token, no PowerShell): the purge is not tried again. */
const LASTING = /not held|PowerShell not found/;

const FILE_SHARE_ALL = 0x1 | 0x2 | 0x4; // FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE
const OPEN_EXISTING = 3;
const FILE_FLAG_NO_BUFFERING = 0x20000000;
const MAX_PATH = 260;

/** A path CreateFileW takes whatever its length: from MAX_PATH on, the \\?\ form (which must be absolute and use backslashes). */
export function longPath(p: string): string {
  if (p.length < MAX_PATH || p.startsWith("\\\\?\\")) return p;
  const b = p.replaceAll("/", "\\");
  return b.startsWith("\\\\") ? `\\\\?\\UNC\\${b.slice(2)}` : `\\\\?\\${b}`;
}

/**
 * fio's per-file invalidation (axboe/fio engines/windowsaio.c): open the file with no access rights, sharing
 * everything, FILE_FLAG_NO_BUFFERING, and close it. The cache manager drops the file's cached data when a
 * non-cached handle is opened and no other handle holds the file open; a file another process has open stays cached.
 */
export function openNoBuffering(k: Kernel32, file: string): string | null {
  const h = k.CreateFileW(wide(longPath(file)), 0, FILE_SHARE_ALL, null, OPEN_EXISTING, FILE_FLAG_NO_BUFFERING, null);
  if (h === INVALID_HANDLE_VALUE) return `CreateFileW(${file}): error ${k.GetLastError()}`;
  k.CloseHandle(h);
  return null;
}

/** Evicts a stream of files with openNoBuffering; with srcDir, an empty stream means every file below it. */
export function evictWindows(sys: Win32System, files: Iterable<string>, srcDir: string | null = null): EvictResult {
  const k = sys.kernel32();
  if ("why" in k) return { ok: 0, failed: countOf(files), firstError: k.why };
  return evictStreamOrTree(srcDir ?? "", files, (file) => openNoBuffering(k, file), srcDir === null ? () => {} : sys.walkFiles);
}

/** Remembered by a platform object: a purge that cannot work here is not started again before every run. */
export interface PurgeSession {
  lastingFailure: string | null;
}

/** Windows: standby purge (admin) → FILE_FLAG_NO_BUFFERING per source file → not-dropped; every step tried is named. */
export function dropCachesWindows(srcDir: string, files: Iterable<string>, _opts: DropOptions = {}, sys: Win32System = realWin32System, session: PurgeSession = { lastingFailure: null }): Omit<CacheDropResult, "ms"> {
  let why = session.lastingFailure;
  if (why === null) {
    const shell = powershell(sys);
    const r = shell ? sys.run(purgeArgv(shell), { timeoutMs: DEFAULTS.cacheCommandTimeoutMs }) : { ok: false, why: "PowerShell not found", stdout: "" };
    if (r.ok) return { treatment: "purged", detail: "standby list purged (NtSetSystemInformation 80, 4)" };
    why = `standby purge failed (${r.why})`;
    if (LASTING.test(r.why)) session.lastingFailure = `${why}; not tried again`;
  }
  const k = sys.kernel32();
  if ("why" in k) return { treatment: `not-dropped: ${why}; no per-file eviction: ${k.why}` };
  const f = evictWindows(sys, files, srcDir);
  if (f.ok + f.failed === 0) return { treatment: `not-dropped: ${why}; no source files to evict` };
  if (f.ok === 0) return { treatment: `not-dropped: ${why}; FILE_FLAG_NO_BUFFERING eviction failed: ${f.firstError ?? "unknown"}` };
  const partial = f.failed > 0 ? ` (${f.failed} failed: ${f.firstError})` : "";
  return {
    treatment: "nobuffering",
    detail: `full drop not possible (${why}); opened ${f.ok} source file(s) with FILE_FLAG_NO_BUFFERING and closed them${partial}; a file another process holds open stays cached; directory metadata stays cached`,
  };
}

/** The file system of the volume holding `dir` (NTFS, ReFS, FAT32, exFAT): GetVolumePathNameW, then GetVolumeInformationW. */
export function fsTypeWindows(sys: Win32System, dir: string): string | null {
  const k = sys.kernel32();
  if ("why" in k) return null;
  const rootChars = Math.max(dir.length + 2, MAX_PATH + 1);
  const root = new Uint8Array(rootChars * 2);
  if (!k.GetVolumePathNameW(wide(longPath(dir)), root, rootChars)) return null;
  const name = new Uint8Array((MAX_PATH + 1) * 2);
  if (!k.GetVolumeInformationW(wide(fromWide(root)), null, 0, null, null, null, name, MAX_PATH + 1)) return null;
  return fromWide(name) || null;
}

/** taskkill /T ends the tool and every process it started that is still its descendant (Windows has no process groups). */
export function killTreeWindows(sys: Win32System, pid: number): void {
  const r = sys.run(["taskkill", "/PID", String(pid), "/T", "/F"], { timeoutMs: DEFAULTS.sudoTimeoutMs });
  if (r.ok) return;
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    /* already gone */
  }
}

export function win32Platform(sys: Win32System = realWin32System): Platform {
  const purge: PurgeSession = { lastingFailure: null };
  return {
    name: "win32",
    dropCaches: async (srcDir, files, opts) => timed(() => dropCachesWindows(srcDir, files, opts, sys, purge)),
    // No per-file residency query on Windows short of mapping every page; the report says "not checked".
    residentFraction: () => null,
    evict: (files) => evictWindows(sys, files),
    meter: win32Meter,
    killTree: (pid) => killTreeWindows(sys, pid),
    fsType: (dir) => fsTypeWindows(sys, dir),
    flushDurable: (dst) => flushDurable(dst, { platform: "win32", win32: win32DurableSys(sys) }),
    // Windows has no sync(1) and no diskstats: nothing is waited, and the record says why.
    settle: async (req) => ({ syncMs: null, ...(req.sync ? { syncError: "no sync on Windows (FlushFileBuffers needs a handle per volume or file)" } : {}), waitedMs: 0, samples: 0, lastMibPerSec: null, peakMibPerSec: null, reason: req.wait ? "no device to watch: /proc/diskstats is Linux's" : "disabled", devices: [] }),
    // cmd /s strips exactly the outer pair of quotes; spawn passes this string verbatim on Windows.
    shell: { kind: "cmd", argv: (command) => [...CMD_SHELL, `"${command}"`] },
  };
}
