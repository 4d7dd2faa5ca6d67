import { afterAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { dropCachesDarwin, evictDarwin, fsTypeDarwin, msyncInvalidate, MSYNC_CHUNK_BYTES, residentFractionDarwin } from "../lib/platform/darwin";
import { loadDarwinLibc } from "../lib/platform/darwin-system";
import { fadviseDontNeed, residentFraction } from "../lib/platform/libc";
import { fakeDarwin, fakeDarwinLibc } from "./platform-fakes";

// macOS's code paths, run here against a recording fake of what they call (commands, libSystem through bun:ffi).

describe("the macOS drop", () => {
  test("as root: sync, then purge", () => {
    const log: string[] = [];
    const r = dropCachesDarwin("/ws/src", ["/ws/src/a"], {}, fakeDarwin({ log, uid: 0, answers: { purge: {} } }));
    expect(r).toEqual({ treatment: "purged", detail: "sync; purge" });
    expect(log).toEqual(["run sync", "run purge"]);
  });

  test("a NOPASSWD sudo rule: sudo -n purge", () => {
    const log: string[] = [];
    const r = dropCachesDarwin("/ws/src", [], {}, fakeDarwin({ log, answers: { "sudo -n purge": {} }, onPath: ["sudo"] }));
    expect(r.treatment).toBe("purged");
    expect(log).toEqual(["run sync", "run sudo -n purge"]);
  });

  test("without root: each source file mapped PROT_NONE + MAP_SHARED, msync(MS_INVALIDATE), unmapped, closed", () => {
    const log: string[] = [];
    const sys = fakeDarwin({ log, sizes: { "/ws/src/a": 40_000, "/ws/src/b": 16384 }, answers: { "sudo -n purge": { ok: false, why: "exit 1: sudo: a password is required" } }, onPath: ["sudo"] });
    const r = dropCachesDarwin("/ws/src", ["/ws/src/a", "/ws/src/b"], {}, sys);
    expect(r.treatment).toBe("msync");
    expect(r.detail).toContain("purge needs root (sudo -n purge: exit 1: sudo: a password is required)");
    expect(r.detail).toContain("evicted 2 source file(s) with mmap + msync(MS_INVALIDATE) + munmap");
    // 40,000 bytes round up to three 16 KiB pages (Apple silicon's page); PROT_NONE = 0, MAP_SHARED = 1, MS_INVALIDATE = 2.
    expect(log.slice(2)).toEqual([
      "open /ws/src/a", "mmap 0 49152 0 1 10 0", "msync 0x10000 49152 2", "munmap 0x10000 49152", "close 10",
      "open /ws/src/b", "mmap 0 16384 0 1 11 0", "msync 0x20000 16384 2", "munmap 0x20000 16384", "close 11",
    ]);
  });

  test("a file over 16 GiB is mapped in 16 GiB chunks at increasing offsets, as fio does", () => {
    const log: string[] = [];
    const size = 2 * MSYNC_CHUNK_BYTES + 8192;
    const sys = fakeDarwin({ log, sizes: { "/big": size } });
    expect(msyncInvalidate(sys, fakeDarwinLibc(log), "/big")).toBeNull();
    expect(log.filter((l) => l.startsWith("mmap"))).toEqual([`mmap 0 ${MSYNC_CHUNK_BYTES} 0 1 10 0`, `mmap 0 ${MSYNC_CHUNK_BYTES} 0 1 10 ${MSYNC_CHUNK_BYTES}`, `mmap 0 16384 0 1 10 ${2 * MSYNC_CHUNK_BYTES}`]);
  });

  test("an empty file needs no mapping and counts as evicted", () => {
    const log: string[] = [];
    expect(evictDarwin(fakeDarwin({ log, sizes: { "/e": 0 } }), ["/e"])).toEqual({ ok: 1, failed: 0 });
    expect(log).toEqual(["open /e", "close 10"]);
  });

  test("a failed mmap is named with its errno and the file is still closed; a failed msync still unmaps", () => {
    const log: string[] = [];
    const bad = fakeDarwin({ log, sizes: { "/a": 10 }, libc: fakeDarwinLibc(log, { fail: { mmap: 12 } }) });
    expect(evictDarwin(bad, ["/a"])).toEqual({ ok: 0, failed: 1, firstError: "mmap(/a): errno 12" });
    expect(log.at(-1)).toBe("close 10");
    log.length = 0;
    const sync = fakeDarwin({ log, sizes: { "/a": 10 }, libc: fakeDarwinLibc(log, { fail: { msync: 16 } }) });
    expect(evictDarwin(sync, ["/a"]).firstError).toBe("msync(/a, MS_INVALIDATE): errno 16");
    expect(log.slice(-2)).toEqual(["munmap 0x10000 16384", "close 10"]);
  });

  test("with no file list the source folder is walked; a missing file is counted, not thrown", () => {
    const log: string[] = [];
    const sys = fakeDarwin({ log, sizes: { "/ws/src/x": 1 }, tree: { "/ws/src": ["/ws/src/x", "/ws/src/gone"] } });
    const r = dropCachesDarwin("/ws/src", [], { trySudo: false }, sys);
    expect(r.treatment).toBe("msync");
    expect(r.detail).toContain("(1 failed: open(/ws/src/gone): ENOENT)");
    expect(log[1]).toBe("walk /ws/src");
  });

  test("no libSystem binding: not-dropped, naming both the purge and the binding", () => {
    const r = dropCachesDarwin("/ws/src", ["/a"], { trySudo: false }, fakeDarwin({ log: [], libc: { why: "cannot load libSystem" } }));
    expect(r.treatment).toBe("not-dropped: purge needs root (sudo purge); no per-file eviction: cannot load libSystem");
  });
});

describe("macOS residency and file system", () => {
  test("residency maps PROT_READ (no page touched) and counts mincore's MINCORE_INCORE bit, weighted by pages", () => {
    const log: string[] = [];
    const libc = fakeDarwinLibc(log, { pageBytes: 4096, incore: (i) => i < 3 });
    const sys = fakeDarwin({ log, sizes: { "/a": 4 * 4096, "/b": 4 * 4096 }, libc });
    expect(residentFractionDarwin(sys, ["/a", "/b"])).toBe(6 / 8);
    expect(log.filter((l) => l.startsWith("mmap"))).toEqual(["mmap 0 16384 1 1 10 0", "mmap 0 16384 1 1 11 0"]);
  });

  test("the file system comes from /sbin/mount, matched on the real path (/tmp is /private/tmp)", () => {
    const log: string[] = [];
    const mount = "/dev/disk3s1s1 on / (apfs, sealed, local, read-only, journaled)\n/dev/disk3s5 on /System/Volumes/Data (apfs, local, journaled, nobrowse)\n/dev/disk5s1 on /private/tmp/ram (hfs, local, nodev, nosuid)\n";
    const sys = fakeDarwin({ log, answers: { "/sbin/mount": { stdout: mount } }, realpath: { "/tmp/ram/ws": "/private/tmp/ram/ws" } });
    expect(fsTypeDarwin(sys, "/tmp/ram/ws")).toBe("hfs");
    expect(fsTypeDarwin(sys, "/Users/me/ws")).toBe("apfs");
    expect(log).toEqual(["run /sbin/mount", "run /sbin/mount"]);
  });
});

// The real bun:ffi binding, loaded from glibc: the same six functions and signatures, and the same values of
// PROT_NONE, PROT_READ, MAP_SHARED and MS_INVALIDATE. It checks the marshalling (u64 addresses, MAP_FAILED, the
// mincore vector, errno through a pointer), not macOS's eviction: Linux ignores MS_INVALIDATE on a shared mapping.
describe.skipIf(process.platform !== "linux")("the macOS libc binding, loaded from this machine's glibc", () => {
  const libc = loadDarwinLibc("libc.so.6", "__errno_location");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mb-darwin-ffi-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const real = { ...fakeDarwin({ log: [] }), libc: () => libc, openRead: (f: string) => fs.openSync(f, "r"), fileSizeBytes: (fd: number) => fs.fstatSync(fd).size, close: (fd: number) => fs.closeSync(fd) };

  test("it loads, and mmap + msync(MS_INVALIDATE) + munmap succeed on a real file", () => {
    expect("why" in libc).toBe(false);
    const f = path.join(dir, "a.bin");
    fs.writeFileSync(f, Buffer.alloc(3 * 4096 + 17, 7));
    expect(evictDarwin(real, [f])).toEqual({ ok: 1, failed: 0 });
    expect(fs.readFileSync(f).equals(Buffer.alloc(3 * 4096 + 17, 7))).toBe(true);
  });

  test("its residency agrees with the Linux one: a read file is resident, an fadvised one is not", () => {
    const f = path.join(dir, "r.bin");
    fs.writeFileSync(f, Buffer.alloc(1 << 20, 1));
    const fd = fs.openSync(f, "r+");
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.readFileSync(f);
    expect(residentFractionDarwin(real, [f])!).toBeGreaterThan(0.99);
    fadviseDontNeed([f]);
    expect(residentFractionDarwin(real, [f])).toBe(residentFraction([f]));
    expect(residentFractionDarwin(real, [f])!).toBeLessThan(0.01);
  });

  test("a failing mmap comes back as MAP_FAILED with its errno (a directory: ENODEV)", () => {
    const fd = fs.openSync(dir, "r");
    try {
      const l = libc as Exclude<typeof libc, { why: string }>;
      expect(l.mmap(0, 4096, 0, 1, fd, 0)).toBe(2n ** 64n - 1n);
      expect(l.errno()).toBe(19);
    } finally {
      fs.closeSync(fd);
    }
  });
});
