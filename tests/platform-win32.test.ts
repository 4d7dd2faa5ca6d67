import { afterAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { dlopen, FFIType, CString } from "bun:ffi";
import { loadConfig } from "../lib/config/load";
import { renderRun } from "../lib/plan/run-values";
const renderArgv = (tool: { argv: string[]; shell: boolean; env: Record<string, string> }, src: string, dst: string, shell: { kind: "posix" | "cmd"; argv(c: string): string[] }) => renderRun(tool, { src, dst, state: "", run: "" }, shell).argv;
import { selectPlatform } from "../lib/platform/index";
import { dropCachesWindows, evictWindows, fsTypeWindows, killTreeWindows, longPath, openNoBuffering, purgeArgv, WINDOWS_PURGE_PS1, win32Platform, type PurgeSession } from "../lib/platform/win32";
import { loadKernel32 } from "../lib/platform/win32-system";
import { bunRssIsTheTools } from "../lib/run/spawn";
import { fakeKernel32, fakeWin32 } from "./platform-fakes";

// Windows's code paths, run here against a recording fake of what they call (PowerShell, taskkill, kernel32 through bun:ffi).

const PS = "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe";
const NOT_ADMIN = { ok: false, why: "exit 1: SeProfileSingleProcessPrivilege not held (run as Administrator)" };
const NOBUF = "access=0 share=7 security=null disposition=3 flags=0x20000000 template=null";

describe("the Windows drop", () => {
  test("as Administrator: the standby purge through PowerShell -EncodedCommand, and nothing per file", () => {
    const log: string[] = [];
    const r = dropCachesWindows("C:\\ws\\src", ["C:\\ws\\src\\a"], {}, fakeWin32({ log, answers: { [PS]: {} }, onPath: [PS] }));
    expect(r.treatment).toBe("purged");
    expect(log).toHaveLength(1);
    const argv = purgeArgv(PS);
    expect(log[0]).toBe(`run ${argv.join(" ")}`);
    expect(argv.slice(0, 6)).toEqual([PS, "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-EncodedCommand"]);
    expect(Buffer.from(argv[6]!, "base64").toString("utf16le")).toBe(WINDOWS_PURGE_PS1);
  });

  test("as a normal user: each source file opened with FILE_FLAG_NO_BUFFERING and closed; the purge is not started again", () => {
    const log: string[] = [];
    const sys = fakeWin32({ log, answers: { [PS]: NOT_ADMIN }, onPath: [PS] });
    const session: PurgeSession = { lastingFailure: null };
    const r = dropCachesWindows("C:\\ws\\src", ["C:\\ws\\src\\a.bin", "C:\\ws\\src\\d\\b.bin"], {}, sys, session);
    expect(r.treatment).toBe("nobuffering");
    expect(r.detail).toContain("SeProfileSingleProcessPrivilege not held");
    expect(r.detail).toContain("opened 2 source file(s) with FILE_FLAG_NO_BUFFERING");
    expect(log.slice(1)).toEqual([`CreateFileW C:\\ws\\src\\a.bin ${NOBUF}`, "CloseHandle 0x104", `CreateFileW C:\\ws\\src\\d\\b.bin ${NOBUF}`, "CloseHandle 0x108"]);
    log.length = 0;
    dropCachesWindows("C:\\ws\\src", ["C:\\ws\\src\\a.bin"], {}, sys, session);
    expect(log.some((l) => l.startsWith("run"))).toBe(false);
  });

  test("a purge that failed for a passing reason (a timeout) is tried again next time", () => {
    const log: string[] = [];
    const sys = fakeWin32({ log, answers: { [PS]: { ok: false, why: "killed (timeout)" } }, onPath: [PS] });
    const session: PurgeSession = { lastingFailure: null };
    dropCachesWindows("C:\\ws\\src", ["C:\\a"], {}, sys, session);
    dropCachesWindows("C:\\ws\\src", ["C:\\a"], {}, sys, session);
    expect(log.filter((l) => l.startsWith("run"))).toHaveLength(2);
  });

  test("a file someone holds open fails with GetLastError's code, is not closed, and the rest still count", () => {
    const log: string[] = [];
    const k = fakeKernel32(log, { locked: { "C:\\ws\\src\\open.bin": 32 } });
    expect(evictWindows(fakeWin32({ log, kernel32: k }), ["C:\\ws\\src\\open.bin", "C:\\ws\\src\\b"])).toEqual({ ok: 1, failed: 1, firstError: "CreateFileW(C:\\ws\\src\\open.bin): error 32" });
    expect(log.filter((l) => l.startsWith("CloseHandle"))).toHaveLength(1);
  });

  test("with no file list the source folder is walked; without PowerShell and kernel32 it is not-dropped, naming both", () => {
    const log: string[] = [];
    const r = dropCachesWindows("C:\\ws\\src", [], {}, fakeWin32({ log, tree: { "C:\\ws\\src": ["C:\\ws\\src\\x"] } }));
    expect(r.treatment).toBe("nobuffering");
    expect(log).toEqual(["walk C:\\ws\\src", `CreateFileW C:\\ws\\src\\x ${NOBUF}`, "CloseHandle 0x104"]);
    const none = dropCachesWindows("C:\\ws\\src", [], {}, fakeWin32({ log: [], kernel32: { why: "no kernel32" } }));
    expect(none.treatment).toBe("not-dropped: standby purge failed (PowerShell not found); no per-file eviction: no kernel32");
  });

  test("paths from MAX_PATH (260) on take the \\\\?\\ form, UNC paths \\\\?\\UNC\\", () => {
    const deep = `C:\\ws\\${"d".repeat(300)}\\f.bin`;
    expect(longPath("C:\\ws\\a")).toBe("C:\\ws\\a");
    expect(longPath(deep)).toBe(`\\\\?\\${deep}`);
    expect(longPath(`\\\\nas\\share\\${"d".repeat(300)}`)).toBe(`\\\\?\\UNC\\nas\\share\\${"d".repeat(300)}`);
    const log: string[] = [];
    openNoBuffering(fakeKernel32(log), deep);
    expect(log[0]).toStartWith(`CreateFileW \\\\?\\C:\\ws\\ddd`);
  });
});

describe("the rest of the Windows platform", () => {
  test("the file system: GetVolumePathNameW for the volume root, then GetVolumeInformationW for its name", () => {
    const log: string[] = [];
    const sys = fakeWin32({ log, kernel32: fakeKernel32(log, { volumeRoot: "D:\\", fsName: "ReFS" }) });
    expect(fsTypeWindows(sys, "D:\\bench\\ws")).toBe("ReFS");
    expect(log).toEqual(["GetVolumePathNameW D:\\bench\\ws 261", "GetVolumeInformationW D:\\ 261"]);
    expect(fsTypeWindows(fakeWin32({ log: [], kernel32: fakeKernel32([], {}) }), "D:\\x")).toBeNull();
  });

  test("a tool's tree is ended with taskkill /T /F (Windows has no process groups)", () => {
    const log: string[] = [];
    killTreeWindows(fakeWin32({ log, answers: { taskkill: {} } }), 4321);
    expect(log).toEqual(["run taskkill /PID 4321 /T /F"]);
  });

  test("memory is Bun's figure of the tool's own process, descendants not included; a cmd.exe shell tool's is not reported", () => {
    const m = win32Platform(fakeWin32({ log: [] })).meter();
    expect(m).toMatchObject({ kind: "bun", wrapperPath: null, memory: { source: "bun", includesDescendants: false } });
    expect(bunRssIsTheTools(m, "win32", ["robocopy", "C:\\a", "C:\\b"])).toBe(true);
    expect(bunRssIsTheTools(m, "win32", selectPlatform("win32").shell.argv("tar -cf - . | tar -xf -"))).toBe(false);
  });

  test("placeholders take Windows paths: verbatim in argv, quoted for cmd.exe in a shell tool", () => {
    const c = loadConfig(path.join(import.meta.dir, "..", "bench.config.yaml"), { env: {}, platform: "win32", machine: null });
    const shell = selectPlatform("win32").shell;
    const src = "C:\\Users\\Ann Lee\\AppData\\Local\\Temp\\mirrorbench\\src";
    const dst = "C:\\Users\\Ann Lee\\AppData\\Local\\Temp\\mirrorbench\\dst\\large-file\\robocopy";
    expect(renderArgv(c.tools.robocopy!, src, dst, shell)).toEqual(["robocopy", src, dst, "/MIR", "/COPYALL", "/FFT", "/R:1", "/W:1", "/NDL", "/NFL", "/NJH", "/NJS", "/NP"]);
    expect(c.tools.robocopy!.successCodes).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(c.tools.robocopy!.versionArgv).toEqual([]);
    expect(renderArgv(c.tools.tar!, "C:\\a b&c", "C:\\d", shell)).toEqual(["cmd.exe", "/d", "/s", "/c", '"tar -C ^"C:\\a b^&c^" -cf - . | tar -C C:\\d -xf -"']);
    expect(c.scenarios[0]!.baseline[0]).toBe("robocopy");
  });

  test("on Linux the default baseline is rsync: robocopy has no argv there", () => {
    const c = loadConfig(path.join(import.meta.dir, "..", "bench.config.yaml"), { env: {}, platform: "linux", machine: null });
    expect(c.tools.robocopy!.argv).toEqual([]);
    expect(c.tools.rsync!.argv[0]).toBe("rsync");
  });

  test("the Phase 2.5 workspace is under %TEMP% on Windows and /tmp elsewhere", () => {
    const file = path.join(import.meta.dir, "..", "scripts", "configs", "phase-2.5.yaml");
    expect(loadConfig(file, { env: {}, platform: "linux", machine: null }).workspace).toBe("/tmp/blit_bench");
    expect(loadConfig(file, { env: { TEMP: "/home/ann/AppData/Local/Temp" }, platform: "win32", machine: null }).workspace).toBe("/home/ann/AppData/Local/Temp/blit_bench");
  });
});

// The real bun:ffi binding, loaded from a stand-in kernel32 built here: the argument types, UTF-16 strings,
// character counts and 64-bit HANDLEs go through the same dlopen declarations the Windows build uses.
const cc = Bun.which("cc") ?? Bun.which("gcc");
describe.skipIf(process.platform !== "linux" || !cc)("the kernel32 binding, against a stand-in library built here", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mb-k32-"));
  const so = path.join(dir, "libk32.so");
  const built = Bun.spawnSync([cc!, "-shared", "-fPIC", "-O1", "-o", so, path.join(import.meta.dir, "fixtures", "kernel32-standin.c")], { stderr: "pipe" });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const standinLog = () => {
    const lib = dlopen(so, { StandinLog: { args: [], returns: FFIType.ptr } });
    return new CString(lib.symbols.StandinLog()!).toString().trimEnd().split("\n");
  };

  test("it builds and loads", () => {
    expect(built.stderr.toString()).toBe("");
    expect("why" in loadKernel32(so)).toBe(false);
  });

  test("CreateFileW gets the UTF-16 path and fio's flags; CloseHandle gets the handle back; a failure reads GetLastError", () => {
    const k = loadKernel32(so) as Exclude<ReturnType<typeof loadKernel32>, { why: string }>;
    expect(openNoBuffering(k, "C:\\Users\\Zoë\\src\\a.bin")).toBeNull();
    expect(openNoBuffering(k, "C:\\ws\\locked.bin")).toBe("CreateFileW(C:\\ws\\locked.bin): error 32");
    expect(standinLog().slice(0, 3)).toEqual([`CreateFileW C:\\Users\\Zoë\\src\\a.bin ${NOBUF}`, "CloseHandle 0x1234", `CreateFileW C:\\ws\\locked.bin ${NOBUF}`]);
  });

  test("the volume's file system is read through both calls, with character counts", () => {
    const k = loadKernel32(so) as Exclude<ReturnType<typeof loadKernel32>, { why: string }>;
    expect(fsTypeWindows(fakeWin32({ log: [], kernel32: k }), "C:\\ws")).toBe("NTFS");
    expect(standinLog().slice(-2)).toEqual(["GetVolumePathNameW C:\\ws 261", "GetVolumeInformationW C:\\ name=null 0 fsNameChars=261"]);
  });
});
