import { describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { FIX, instrumentLines, probeInstruments, type ProbeDeps, type ProbeResult } from "../lib/diagnose/instruments.ts";

const FX = path.join(import.meta.dir, "fixtures", "diagnose");
/** perf 6.1's real refusal text (an unprivileged user asking for kernel counters, paranoid 2). */
const REFUSED = fs.readFileSync(path.join(FX, "perf61-refused-kernel.txt"), "utf8");

interface Host {
  have?: string[];
  paranoid?: string | null;
  uid?: number;
  answers?: (argv: string[]) => ProbeResult | undefined;
  platform?: string;
}

/** A staged host: which commands exist, the paranoid level, and what each probe command answers. */
function host(h: Host): ProbeDeps & { ran: string[][] } {
  const ran: string[][] = [];
  return {
    ran,
    which: (cmd) => ((h.have ?? ["strace", "perf"]).includes(cmd) ? `/usr/bin/${cmd}` : null),
    readFile: (p) => (p === "/proc/sys/kernel/perf_event_paranoid" ? (h.paranoid === undefined ? "2\n" : h.paranoid) : null),
    run: async (argv) => {
      ran.push(argv);
      const a = h.answers?.(argv);
      if (a) return a;
      if (argv[1] === "-V") return { code: 0, stdout: "strace -- version 6.1\n", stderr: "" };
      if (argv[1] === "--version") return { code: 0, stdout: "perf version 6.1.187\n", stderr: "" };
      if (argv[1] === "stat") return { code: 0, stdout: "", stderr: "0.64,msec,task-clock,639711,100.00,0.581,CPUs utilized\n" };
      return { code: 0, stdout: "", stderr: "" };
    },
    uid: h.uid ?? 0,
    platform: h.platform ?? "linux",
  };
}

describe("instrument probe", () => {
  test("strace and perf that work are available with their versions", async () => {
    const list = await probeInstruments(host({}));
    expect(list.map((i) => [i.id, i.state])).toEqual([["strace", "available"], ["perf-stat", "available"], ["perf-record", "available"]]);
    expect(instrumentLines(list)[0]).toBe("strace 6.1: available");
  });

  test("a missing strace is named with the install command", async () => {
    const [strace] = await probeInstruments(host({ have: ["perf"] }));
    expect(strace).toMatchObject({ id: "strace", state: "missing", fix: FIX.straceMissing });
    expect(instrumentLines([strace!])[0]).toContain("apt-get install strace");
  });

  test("a strace that cannot ptrace is refused, with the Yama and container fixes", async () => {
    const h = host({ answers: (a) => (a.includes("-c") ? { code: 1, stdout: "", stderr: "strace: test_ptrace_get_syscall_info: PTRACE_TRACEME: Operation not permitted\n" } : undefined) });
    const [strace] = await probeInstruments(h);
    expect(strace).toMatchObject({ state: "refused", fix: FIX.straceRefused });
    expect(strace!.state !== "available" && strace!.reason).toContain("Operation not permitted");
  });

  test("a missing perf makes both perf instruments missing, with the linux-perf install", async () => {
    const list = await probeInstruments(host({ have: ["strace"] }));
    expect(list.slice(1).map((i) => [i.state, i.state !== "available" && i.fix])).toEqual([
      ["missing", FIX.perfMissing], ["missing", FIX.perfMissing],
    ]);
    expect(FIX.perfMissing).toContain("apt-get install linux-perf");
  });

  test("perf refused by perf_event_paranoid is named with the sysctl fix", async () => {
    const h = host({ uid: 1000, answers: (a) => (a[1] === "stat" ? { code: 255, stdout: "", stderr: REFUSED } : undefined) });
    const list = await probeInstruments(h);
    expect(list[1]).toMatchObject({ id: "perf-stat", state: "refused", fix: FIX.perfParanoid });
    expect(FIX.perfParanoid).toContain("sysctl kernel.perf_event_paranoid=1");
  });

  test("an unprivileged user above paranoid 2 is refused before any run", async () => {
    const list = await probeInstruments(host({ uid: 1000, paranoid: "3\n" }));
    expect(list[1]).toMatchObject({ state: "refused", reason: "kernel.perf_event_paranoid is 3" });
    expect(list[2]).toMatchObject({ state: "refused" });
  });

  test("an unprivileged user at paranoid 2 records user-space stacks only, and is told so", async () => {
    const list = await probeInstruments(host({ uid: 1000, paranoid: "2\n" }));
    expect(list[2]).toMatchObject({ state: "available" });
    expect(instrumentLines(list)[2]).toContain("user-space stacks only");
  });

  test("root is not held back by the paranoid level", async () => {
    const list = await probeInstruments(host({ uid: 0, paranoid: "4\n" }));
    expect(list.every((i) => i.state === "available")).toBe(true);
  });

  test("Debian's perf wrapper without a perf for the running kernel is named with the matching package", async () => {
    const stderr = "/usr/bin/perf: line 13: exec: perf_6.18: not found\nE: linux-perf-6.18 is not installed.\n";
    const h = host({ answers: (a) => (a[1] === "stat" ? { code: 1, stdout: "", stderr } : undefined) });
    const list = await probeInstruments(h);
    expect(list[1]).toMatchObject({ state: "missing", fix: FIX.perfWrongKernel });
  });

  test("off Linux every instrument is missing with what to use instead, and nothing is run", async () => {
    const h = host({ platform: "darwin" });
    const list = await probeInstruments(h);
    expect(list.every((i) => i.state === "missing" && i.fix === FIX.notLinux && i.reason === "this host runs darwin")).toBe(true);
    expect(h.ran).toEqual([]);
  });

  test("the probe really counts task-clock rather than trusting perf --version", async () => {
    const h = host({ answers: (a) => (a[1] === "stat" ? { code: 0, stdout: "", stderr: "" } : undefined) });
    const list = await probeInstruments(h);
    expect(list[1]!.state).toBe("refused");
    expect(h.ran.some((a) => a.includes("task-clock"))).toBe(true);
  });
});
