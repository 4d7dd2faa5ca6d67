import { describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { fdKind, parseIoTrace } from "../lib/diagnose/strace-io.ts";
import type { IoTrace } from "../lib/diagnose/types.ts";

// Real byte-pass traces (strace 6.1, straceIoArgv's options) of copies of a 100-file tree, 64 KiB per file.
const FX = path.join(import.meta.dir, "fixtures", "diagnose");
const trace = (name: string) => parseIoTrace(fs.readFileSync(path.join(FX, name), "utf8"));
const FILES = 100;
const FILE_BYTES = 65536;

function sum(t: IoTrace, syscall: string, target?: string) {
  const rows = t.tallies.filter((x) => x.syscall === syscall && (target === undefined || x.target === target));
  return {
    calls: rows.reduce((s, x) => s + x.calls, 0),
    failed: rows.reduce((s, x) => s + x.failed, 0),
    zero: rows.reduce((s, x) => s + x.zero, 0),
    bytes: rows.reduce((s, x) => s + x.bytes, 0),
  };
}

describe("byte-pass trace parser", () => {
  test("cp's copy_file_range calls move exactly the tree's bytes, one data call and one end-of-file call per file", () => {
    const t = trace("strace61-io-cp.txt");
    expect(sum(t, "copy_file_range")).toEqual({ calls: 2 * FILES, failed: 0, zero: FILES, bytes: FILES * FILE_BYTES });
    expect(t.unparsed).toBe(0);
  });

  test("cp's reflink attempts are told apart from other ioctls, and their failures counted", () => {
    const t = trace("strace61-io-cp.txt");
    expect(sum(t, "ioctl:FICLONE")).toMatchObject({ calls: FILES, failed: FILES });
    expect(sum(t, "ioctl").calls).toBe(0);
  });

  test("a clone ioctl printed as a raw number (-X raw) is recognised too", () => {
    const t = trace("strace61-io-raw-cp.txt");
    expect(sum(t, "ioctl:FICLONE")).toMatchObject({ calls: FILES, failed: FILES });
  });

  test("the 4 KiB copier's writes are 16 per file and carry the tree's bytes", () => {
    const t = trace("strace61-io-wasteful.txt");
    expect(sum(t, "write", "file")).toEqual({ calls: 16 * FILES, failed: 0, zero: 0, bytes: FILES * FILE_BYTES });
    expect(sum(t, "copy_file_range").calls).toBe(0);
  });

  test("a call interrupted by another process (unfinished, then resumed) counts once with its descriptor", () => {
    const t = trace("strace61-io-rsync.txt");
    expect(t.unparsed).toBe(0);
    // rsync's sender and receiver talk over a socket pair, both traced: what one side writes the other reads.
    expect(sum(t, "write", "socket").bytes).toBe(sum(t, "read", "socket").bytes);
    expect(sum(t, "write", "socket").bytes).toBeGreaterThan(FILES * FILE_BYTES);
    expect(sum(t, "write", "file").bytes).toBe(FILES * FILE_BYTES);
  });

  test("file names holding '>', ', ' or a newline do not break descriptor decoding", () => {
    const t = trace("strace61-io-weird-names.txt");
    expect(t.unparsed).toBe(0);
    expect(sum(t, "write", "file")).toMatchObject({ calls: 3, bytes: 3 });
    expect(sum(t, "write", "other").calls).toBe(0);
  });

  test("a call still unfinished when the trace ends counts as failed", () => {
    const t = parseIoTrace("42 write(5</tmp/x>, \"\"..., 4096 <unfinished ...>\n");
    expect(t.tallies).toEqual([{ syscall: "write", target: "file", calls: 1, failed: 1, zero: 0, bytes: 0 }]);
  });

  test("lines in an unknown shape are counted as unparsed, not guessed", () => {
    const t = parseIoTrace("42 read(3</x>, \"\", 10) = 0\nsomething else entirely\n");
    expect(t.unparsed).toBe(1);
    expect(t.lines).toBe(1);
  });
});

describe("descriptor kinds from strace -y", () => {
  test("files, pipes, sockets and devices are told apart", () => {
    expect(fdKind("3</tmp/a>, \"\", 5")).toBe("file");
    expect(fdKind("5<pipe:[123]>, \"\", 5")).toBe("pipe");
    expect(fdKind("4<socket:[9]>, \"\", 5")).toBe("socket");
    expect(fdKind("1</dev/null>, \"\", 5")).toBe("other");
    expect(fdKind("5</dev/shm/mb/src/f1>, \"\", 5")).toBe("file");
    expect(fdKind("3, \"\", 5")).toBe("other");
  });
});
