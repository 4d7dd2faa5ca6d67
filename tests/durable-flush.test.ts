import { afterAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { flushDarwin, flushDurable, flushWin32, type DarwinDurableSys, type Win32DurableSys } from "../lib/platform/durable";
import { tmpDir } from "./helpers";

describe("durable flush on Linux (real syncfs)", () => {
  const dir = tmpDir("mb-durable-");
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test.skipIf(process.platform !== "linux")("syncfs of a destination just written by cp -a succeeds and is timed", () => {
    const src = path.join(dir, "src");
    fs.mkdirSync(path.join(src, "d"), { recursive: true });
    for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(src, "d", `f${i}`), Buffer.alloc(64 << 10, i));
    const dst = path.join(dir, "dst");
    const cp = Bun.spawnSync(["cp", "-a", `${src}/.`, `${dst}/`]);
    expect(cp.exitCode).toBe(0);
    const r = flushDurable(dst);
    expect(r.ok).toBe(true);
    expect(r.method).toBe("syncfs");
    expect(r.flushNs).toBeGreaterThan(0);
  });

  test.skipIf(process.platform !== "linux")("a destination that does not exist fails the flush with the reason, without throwing", () => {
    const r = flushDurable(path.join(dir, "missing"));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toContain("ENOENT");
  });

  test("the open directory is closed even when syncfs fails", () => {
    const calls: string[] = [];
    const r = flushDurable("/d", {
      platform: "linux",
      nowNs: () => 0,
      linux: { openDir: (d) => (calls.push(`open ${d}`), 7), syncfs: (fd) => (calls.push(`syncfs ${fd}`), (() => { throw new Error("syncfs: EIO"); })()), close: (fd) => void calls.push(`close ${fd}`) },
    });
    expect(calls).toEqual(["open /d", "syncfs 7", "close 7"]);
    expect(r).toEqual({ ok: false, method: "syncfs", flushNs: 0, reason: "syncfs: EIO" });
  });
});

describe("durable flush on macOS (call sequence)", () => {
  function fakeDarwin(calls: string[], entries: string[]): DarwinDurableSys {
    let next = 3;
    const names = new Map<number, string>();
    return {
      entries: (_root, visit) => entries.forEach((e) => visit(e)),
      open: (p) => (names.set(next, p), calls.push(`open ${p}`), next++),
      fsync: (fd) => void calls.push(`fsync ${names.get(fd)}`),
      fullFsync: (fd) => void calls.push(`F_FULLFSYNC ${names.get(fd)}`),
      close: (fd) => void calls.push(`close ${names.get(fd)}`),
    };
  }

  test("every entry is fsync'ed as the walk finds it, then the root gets fsync and one F_FULLFSYNC", () => {
    const calls: string[] = [];
    const n = flushDarwin("/dst", fakeDarwin(calls, ["/dst/a/f", "/dst/a", "/dst/g"]));
    expect(n).toBe(4);
    expect(calls).toEqual([
      "open /dst/a/f", "fsync /dst/a/f", "close /dst/a/f",
      "open /dst/a", "fsync /dst/a", "close /dst/a",
      "open /dst/g", "fsync /dst/g", "close /dst/g",
      "open /dst", "fsync /dst", "F_FULLFSYNC /dst", "close /dst",
    ]);
  });

  test("the flush result names the method and counts the entries", () => {
    const r = flushDurable("/dst", { platform: "darwin", nowNs: () => 5, darwin: fakeDarwin([], ["/dst/x"]) });
    expect(r).toEqual({ ok: true, method: "fsync+F_FULLFSYNC", flushNs: 0, entries: 2 });
  });
});

describe("durable flush on Windows (call sequence)", () => {
  function fakeWin(calls: string[], volume: boolean, files: string[]): Win32DurableSys {
    return {
      openVolume: (d) => (calls.push(`openVolume ${d}`), volume ? "VOL" : null),
      files: (_root, visit) => files.forEach((f) => visit(f)),
      openFile: (p) => (calls.push(`open ${p}`), `H:${p}`),
      flush: (h) => void calls.push(`FlushFileBuffers ${h}`),
      close: (h) => void calls.push(`CloseHandle ${h}`),
    };
  }

  test("with a volume handle (admin) the whole volume is flushed once", () => {
    const calls: string[] = [];
    expect(flushWin32("C:\\dst", fakeWin(calls, true, ["C:\\dst\\a"]))).toEqual({ method: "FlushFileBuffers(volume)", entries: 0 });
    expect(calls).toEqual(["openVolume C:\\dst", "FlushFileBuffers VOL", "CloseHandle VOL"]);
  });

  test("without one every file is opened, flushed and closed", () => {
    const calls: string[] = [];
    expect(flushWin32("C:\\dst", fakeWin(calls, false, ["C:\\dst\\a", "C:\\dst\\b"]))).toEqual({ method: "FlushFileBuffers(files)", entries: 2 });
    expect(calls).toEqual(["openVolume C:\\dst", "open C:\\dst\\a", "FlushFileBuffers H:C:\\dst\\a", "CloseHandle H:C:\\dst\\a", "open C:\\dst\\b", "FlushFileBuffers H:C:\\dst\\b", "CloseHandle H:C:\\dst\\b"]);
  });

  test("a platform with no flush says so", () => {
    expect(flushDurable("/dst", { platform: "freebsd", nowNs: () => 0 })).toEqual({ ok: false, method: "none", flushNs: 0, reason: "no durable flush on freebsd" });
  });
});

describe("durable flush through the platforms' System seams", () => {
  test("macOS: DarwinSystem's walk, open, fsync and libSystem's fcntl(F_FULLFSYNC = 51) on the root, in that order", async () => {
    const { fakeDarwin } = await import("./platform-fakes");
    const { darwinPlatform } = await import("../lib/platform/darwin");
    const log: string[] = [];
    const sys = fakeDarwin({ log, sizes: { "/dst": 0, "/dst/a": 3, "/dst/d": 0, "/dst/d/b": 4 }, tree: { "/dst": ["/dst/a", "/dst/d", "/dst/d/b"] } });
    const r = darwinPlatform(sys).flushDurable("/dst");
    expect(r.ok && r.method).toBe("fsync+F_FULLFSYNC");
    expect(r.ok && r.entries).toBe(4);
    expect(log).toEqual([
      "walk /dst",
      "open /dst/a", "fsync 10", "close 10",
      "open /dst/d", "fsync 11", "close 11",
      "open /dst/d/b", "fsync 12", "close 12",
      "open /dst", "fsync 13", "fcntl 13 51", "close 13",
    ]);
  });

  test("macOS: without libSystem the flush fails with the seam's reason", async () => {
    const { fakeDarwin } = await import("./platform-fakes");
    const { darwinPlatform } = await import("../lib/platform/darwin");
    const r = darwinPlatform(fakeDarwin({ log: [], libc: { why: "cannot load libSystem" } })).flushDurable("/dst");
    expect(r).toMatchObject({ ok: false, method: "fsync+F_FULLFSYNC", reason: "cannot load libSystem" });
  });

  test("Windows: the volume handle \\\\.\\C: opened for writing through Win32System's kernel32, flushed, closed", async () => {
    const { fakeWin32 } = await import("./platform-fakes");
    const { win32Platform } = await import("../lib/platform/win32");
    const log: string[] = [];
    const r = win32Platform(fakeWin32({ log })).flushDurable("C:\\bench\\dst\\s\\blit");
    expect(r.ok && r.method).toBe("FlushFileBuffers(volume)");
    expect(log).toEqual([
      "CreateFileW \\\\.\\C: access=1073741824 share=7 security=null disposition=3 flags=0x0 template=null",
      "FlushFileBuffers 0x104",
      "CloseHandle 0x104",
    ]);
  });

  test("Windows: when the volume cannot be opened (no admin), every file is opened, flushed and closed", async () => {
    const { fakeWin32, fakeKernel32 } = await import("./platform-fakes");
    const { win32Platform } = await import("../lib/platform/win32");
    const log: string[] = [];
    const sys = fakeWin32({ log, kernel32: fakeKernel32(log, { locked: { "\\\\.\\C:": 5 } }), tree: { "C:\\d": ["C:\\d\\a"] } });
    const r = win32Platform(sys).flushDurable("C:\\d");
    expect(r.ok && r.method).toBe("FlushFileBuffers(files)");
    expect(log.slice(1)).toEqual([
      "walk C:\\d",
      "CreateFileW C:\\d\\a access=1073741824 share=7 security=null disposition=3 flags=0x0 template=null",
      "FlushFileBuffers 0x104",
      "CloseHandle 0x104",
    ]);
  });
});
