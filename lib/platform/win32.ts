// Windows: a standby-list purge through PowerShell, Bun's own memory figure (no fork, no meter), the tool's own process, cmd.exe for shell tools.
import { DEFAULTS } from "../defaults";
import { CMD_SHELL } from "../shellquote";
import { countOf, type CacheDropResult, type Platform } from "./types";
import { runSync, timed } from "./system";

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
  const r = runSync([shell, "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-EncodedCommand", encoded], undefined, DEFAULTS.cacheCommandTimeoutMs);
  if (r.ok) return { treatment: "purged", detail: "standby list purged (NtSetSystemInformation 80, 4)" };
  return { treatment: `not-dropped: standby purge failed (${r.why})` };
}

export function win32Platform(): Platform {
  return {
    name: "win32",
    dropCaches: async () => timed(dropCachesWindows),
    residentFraction: () => null,
    evict: (files) => ({ ok: 0, failed: countOf(files), firstError: "per-file eviction is not implemented on Windows" }),
    // No fork on Windows: the process's own peak working set is what Bun reports; descendants are not included.
    meter: () => ({ kind: "bun", memoryNote: "Windows: peak working set of the tool process only (no descendants)", wrapperPath: null }),
    killTree(pid, signal) {
      try {
        process.kill(pid, signal);
      } catch {
        /* already gone */
      }
    },
    fsType: () => null,
    // cmd /s strips exactly the outer pair of quotes; spawn passes this string verbatim on Windows.
    shell: { kind: "cmd", argv: (command) => [...CMD_SHELL, `"${command}"`] },
  };
}
