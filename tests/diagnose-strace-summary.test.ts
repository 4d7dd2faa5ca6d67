import { describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { callsOf, parseStraceSummary, parseStraceVersion, straceIoArgv, straceSummaryArgv } from "../lib/diagnose/strace.ts";

// Fixtures: real `strace -f -c -w -o FILE` outputs of strace 6.1 (Debian bookworm) on this VM; see tests/fixtures/diagnose/README.md.
const FX = path.join(import.meta.dir, "fixtures", "diagnose");
const fx = (name: string) => fs.readFileSync(path.join(FX, name), "utf8");

describe("strace -c summary parser", () => {
  test("every syscall row of the default columns is read, with the total line apart", () => {
    const s = parseStraceSummary(fx("strace61-cw-cp.txt"), "wall");
    expect(s.rows.length).toBe(35);
    expect(s.rows.some((r) => r.name === "total")).toBe(false);
    expect(s.total).toMatchObject({ calls: 1949, errors: 229, seconds: 0.009519, percentTime: 100 });
  });

  test("the row calls add up to strace's own total", () => {
    const s = parseStraceSummary(fx("strace61-cw-rsync.txt"), "wall");
    expect(s.rows.reduce((n, r) => n + r.calls, 0)).toBe(s.total!.calls);
    expect(s.rows.reduce((n, r) => n + r.errors, 0)).toBe(s.total!.errors);
  });

  test("a blank errors column reads as 0 failed calls and a filled one as its number", () => {
    const s = parseStraceSummary(fx("strace61-cw-cp.txt"), "wall");
    expect(s.rows.find((r) => r.name === "copy_file_range")).toMatchObject({ calls: 200, errors: 0, seconds: 0.00277, usecsPerCall: 13 });
    expect(s.rows.find((r) => r.name === "openat")).toMatchObject({ calls: 241, errors: 14 });
    expect(s.rows.find((r) => r.name === "ioctl")).toMatchObject({ calls: 100, errors: 100 });
  });

  test("columns chosen and reordered with -U are found by their header, shortest and longest included", () => {
    const s = parseStraceSummary(fx("strace61-cwU-cp.txt"), "wall");
    expect(s.rows.find((r) => r.name === "newfstatat")).toEqual({
      name: "newfstatat", calls: 448, errors: 1, seconds: 0.00192, usecsPerCall: 4,
      minSeconds: 0.000003, maxSeconds: 0.000042, percentTime: 11.44,
    });
    expect(s.total).toMatchObject({ calls: 1949, errors: 229, minSeconds: 0.000003, maxSeconds: 0.000314 });
  });

  test("rows with zero time are kept as zero, not dropped", () => {
    const s = parseStraceSummary(fx("strace61-c-filtered-zero-time.txt"), "system");
    expect(s.rows.map((r) => [r.name, r.calls, r.seconds])).toEqual([["read", 4, 0], ["write", 5, 0], ["close", 27, 0]]);
    expect(s.timeKind).toBe("system");
  });

  test("an empty output (nothing traced) gives no rows and no total", () => {
    const s = parseStraceSummary("", "wall");
    expect(s.rows).toEqual([]);
    expect(s.total).toBeNull();
  });

  test("decimal commas from a C library locale parse like points", () => {
    // Constructed from the real cp fixture by switching the decimal separator, as a de_DE locale prints it.
    const text = fx("strace61-cw-cp.txt").replace(/(\d)\.(\d)/g, "$1,$2");
    const s = parseStraceSummary(text, "wall");
    expect(s.total).toMatchObject({ calls: 1949, seconds: 0.009519, percentTime: 100 });
  });

  test("tables per personality are merged by syscall name and the shares recomputed", () => {
    // Constructed: two real tables behind strace's personality headings, as strace prints them for mixed 64/32-bit trees.
    const t = fx("strace61-cw-wasteful.txt");
    const text = `System call usage summary for 64 bit mode:\n${t}System call usage summary for 32 bit mode:\n${t}`;
    const s = parseStraceSummary(text, "wall");
    expect(s.personalities).toEqual(["64 bit", "32 bit"]);
    expect(s.rows.find((r) => r.name === "write")!.calls).toBe(3200);
    expect(s.total!.calls).toBe(2 * 4176);
    // Doubling both tables keeps write's share: the recomputed share matches the 20.16 % strace printed for one.
    expect(s.rows.find((r) => r.name === "write")!.percentTime).toBeCloseTo(20.16, 1);
  });

  test("attach notes and stray lines around the table are ignored", () => {
    const text = `strace: Process 123 attached\n${fx("strace61-cw-wasteful.txt")}strace: Process 124 detached\n`;
    expect(parseStraceSummary(text, "wall").total!.calls).toBe(4176);
  });

  test("callsOf gives 0 for a syscall strace did not list", () => {
    const s = parseStraceSummary(fx("strace61-cw-wasteful.txt"), "wall");
    expect(callsOf(s, "write")).toBe(1600);
    expect(callsOf(s, "copy_file_range")).toBe(0);
  });
});

describe("strace argv", () => {
  test("the summary pass follows children, reports latency (-w) and ends options before the tool's argv", () => {
    expect(straceSummaryArgv(["cp", "-a", "-o", "x"], "/w/c.txt")).toEqual(["strace", "-f", "-c", "-w", "-o", "/w/c.txt", "--", "cp", "-a", "-o", "x"]);
  });

  test("the byte pass uses seccomp-bpf from strace 5.3 on and never before", () => {
    expect(straceIoArgv(["cp"], "/w/io.txt", { version: [6, 1] })).toContain("--seccomp-bpf");
    expect(straceIoArgv(["cp"], "/w/io.txt", { version: [5, 2] })).not.toContain("--seccomp-bpf");
    expect(straceIoArgv(["cp"], "/w/io.txt", { version: null })).not.toContain("--seccomp-bpf");
  });

  test("the byte pass traces only the I/O syscalls, decodes descriptors and copies no buffers", () => {
    const a = straceIoArgv(["cp"], "/w/io.txt", { version: [6, 1] });
    const trace = a[a.indexOf("-e") + 1]!;
    expect(trace).toStartWith("trace=");
    expect(trace.split("=")[1]!.split(",")).toContain("copy_file_range");
    expect(a).toContain("-y");
    expect(a.slice(a.indexOf("-s"), a.indexOf("-s") + 2)).toEqual(["-s", "0"]);
    expect(a.slice(-2)).toEqual(["--", "cp"]);
  });

  test("strace's version line is read", () => {
    expect(parseStraceVersion("strace -- version 6.1\nCopyright (c) 1991-2022")).toEqual([6, 1]);
    expect(parseStraceVersion("bash: strace: command not found")).toBeNull();
  });
});
