import { describe, expect, test } from "bun:test";
import { BenchError } from "../lib/errors";
import { enforcePreflight, EXIT_PREFLIGHT, memoryNeedBytes, preflightNote, realPreflightIo, runPreflight, type PreflightIo } from "../lib/run/preflight";

const GiB = 1024 ** 3;

function io(over: Partial<PreflightIo> = {}): PreflightIo {
  return {
    loadavg1: () => 0.2,
    cores: () => 2,
    processes: () => [{ pid: 1, comm: "systemd" }, { pid: 50, comm: "bash" }],
    selfAndAncestors: () => new Set([100, 50]),
    memAvailableBytes: () => 8 * GiB,
    timeSleeps: async () => ({ inProcessMs: 1001, spawnedMs: 1004, spawnNote: null }),
    ...over,
  };
}

describe("preflight checks", () => {
  test("a quiet machine passes every check, and each check records what was measured against what limit", async () => {
    const r = await runPreflight({ needBytes: GiB }, io());
    expect(r.ok).toBe(true);
    expect(r.reason).toBeNull();
    expect(r.checks.map((c) => [c.name, c.ok, c.measured, c.limit])).toEqual([
      ["load", true, "0.20", "≤ 1.00 (2 cores × 0.5)"],
      ["processes", true, "none running", "none of cargo, rustc, cc1, ld"],
      ["timer", true, "1001 ms in-process / 1004 ms spawned", "880–1120 ms for a 1000 ms sleep"],
      ["memory", true, "8.0 GiB", "≥ 1.0 GiB"],
    ]);
  });

  test("a load average above cores × 0.5 fails", async () => {
    const r = await runPreflight({ needBytes: 0 }, io({ loadavg1: () => 1.42 }));
    expect(r.ok).toBe(false);
    expect(r.reason).toBe("load 1.42 (needs ≤ 1.00 (2 cores × 0.5))");
  });

  test("preflight.max_load overrides the default limit", async () => {
    const r = await runPreflight({ needBytes: 0, maxLoad: 3 }, io({ loadavg1: () => 1.42 }));
    expect(r.ok).toBe(true);
    expect(r.checks[0]!.limit).toBe("≤ 3.00 (preflight.max_load)");
  });

  test("a forbidden process fails with its pid, but not when it is this process's ancestor", async () => {
    const procs = () => [{ pid: 50, comm: "cargo" }, { pid: 812, comm: "rustc" }, { pid: 813, comm: "rustc-wrapper" }];
    const r = await runPreflight({ needBytes: 0 }, io({ processes: procs }));
    expect(r.checks[1]).toMatchObject({ ok: false, measured: "rustc (pid 812)" });
  });

  test("a sleep measured outside 880–1120 ms fails the timer check, in-process or spawned", async () => {
    const late = await runPreflight({ needBytes: 0 }, io({ timeSleeps: async () => ({ inProcessMs: 1200, spawnedMs: 1003, spawnNote: null }) }));
    expect(late.checks[2]!.ok).toBe(false);
    const early = await runPreflight({ needBytes: 0 }, io({ timeSleeps: async () => ({ inProcessMs: 1000, spawnedMs: 870, spawnNote: null }) }));
    expect(early.checks[2]!.ok).toBe(false);
    const noSleep = await runPreflight({ needBytes: 0 }, io({ timeSleeps: async () => ({ inProcessMs: 1000, spawnedMs: null, spawnNote: "no sleep command" }) }));
    expect(noSleep.checks[2]).toMatchObject({ ok: true, measured: "1000 ms in-process / not run (no sleep command)" });
  });

  test("less free memory than the dataset needs fails", async () => {
    const r = await runPreflight({ needBytes: memoryNeedBytes({ datasetBytes: 16 * GiB, cache: "keep" }) }, io());
    expect(r.checks[3]).toMatchObject({ ok: false, measured: "8.0 GiB", limit: "≥ 16.3 GiB" });
    expect(memoryNeedBytes({ datasetBytes: 16 * GiB, cache: "drop" })).toBe(256 * 1048576);
  });
});

describe("failing closed", () => {
  test("a failed preflight without --force is a BenchError with its own exit code", async () => {
    const r = await runPreflight({ needBytes: 0 }, io({ loadavg1: () => 9 }));
    let err: unknown;
    try {
      enforcePreflight(r, "before scenario large-file");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BenchError);
    expect((err as BenchError).exitCode).toBe(EXIT_PREFLIGHT);
    expect((err as BenchError).message).toBe("preflight failed before scenario large-file: load 9.00 (needs ≤ 1.00 (2 cores × 0.5))");
  });

  test("with --force the run goes on and every result carries the failure", async () => {
    const r = await runPreflight({ needBytes: 0, force: true }, io({ loadavg1: () => 9 }));
    expect(enforcePreflight(r, "before the first run")).toBe(r);
    expect(r.forced).toBe(true);
    expect(preflightNote(r)).toBe("preflight failed: load 9.00 (needs ≤ 1.00 (2 cores × 0.5))");
  });

  test("a passed preflight leaves no note", async () => {
    expect(preflightNote(await runPreflight({ needBytes: 0 }, io()))).toBeNull();
  });
});

describe("on this machine", () => {
  test.skipIf(process.platform !== "linux")("a running process named in forbid_processes is found by its kernel name", async () => {
    const p = Bun.spawn(["sleep", "30"], { stdout: "ignore", stderr: "ignore" });
    try {
      const r = await runPreflight({ needBytes: 0, maxLoad: 1e9, forbidProcesses: ["sleep"], timer: { sleepMs: 10, minMs: 0, maxMs: 1e9 } }, realPreflightIo);
      const procs = r.checks.find((c) => c.name === "processes")!;
      expect(procs.ok).toBe(false);
      expect(procs.measured).toContain(`sleep (pid ${p.pid})`);
    } finally {
      p.kill();
      await p.exited;
    }
  });

  test("the real timer check measures both sleeps (values recorded, not judged here)", async () => {
    const s = await realPreflightIo.timeSleeps(50);
    expect(s.inProcessMs).toBeGreaterThan(0);
    if (process.platform !== "win32") expect(s.spawnedMs).toBeGreaterThan(0);
  });

  test("MemAvailable is read and positive", () => {
    expect(realPreflightIo.memAvailableBytes()).toBeGreaterThan(0);
  });
});
