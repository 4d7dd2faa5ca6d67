import { describe, expect, test } from "bun:test";
import { datasetBytesBound, preflightRun } from "../lib/cli/preflight-run";
import { parseConfig } from "../lib/config/load";
import { BenchError, EXIT } from "../lib/errors";
import { openLog } from "../lib/log";
import type { PreflightIo } from "../lib/run/preflight";

// Where a run checks: every check before the first run (the timer once), load/processes/memory before each later scenario.

const c = parseConfig(
  `tools:\n  cp: { argv: [cp, -a, "{src}/.", "{dst}/"] }\nscenarios:\n  - { name: a, tools: [cp], cache: keep, workload: { files: { count: 4, size: 1MiB..2MiB } } }\n  - { name: b, tools: [cp], workload: { files: { count: 1, size: 1KiB } } }\n  - { name: c, tools: [cp], workload: { files: { count: 1, size: 1KiB } } }\n`,
  "/tmp/pf.yaml",
  { env: {}, machine: null },
);

function io(o: { procs?: (call: number) => string[]; load?: (call: number) => number; slept?: number[] } = {}): PreflightIo & { timers: number } {
  let procCalls = 0;
  let loadCalls = 0;
  const x = {
    timers: 0,
    loadavg1: () => o.load?.(loadCalls++) ?? 0.1,
    cores: () => 2,
    processes: () => (o.procs?.(procCalls++) ?? []).map((comm, i) => ({ pid: 1000 + i, comm })),
    selfAndAncestors: () => new Set([1]),
    memAvailableBytes: () => 8 * 1024 ** 3,
    timeSleeps: async () => {
      x.timers++;
      return { inProcessMs: 1000, spawnedMs: 1001, spawnNote: null };
    },
    sleep: async (ms: number) => void o.slept?.push(ms),
  };
  return x;
}

const log = () => openLog(null, { out: () => {}, err: () => {} });

describe("preflight in a run", () => {
  test("the timer runs once, before the first run; the first scenario uses that report; later ones get the cheap checks", async () => {
    const i = io();
    const p = preflightRun({ spec: c.preflight, force: false, skip: false, log: log(), io: i });
    await p.first(c.scenarios);
    for (const s of c.scenarios) expect(await p.scenario(s)).toBeNull();
    expect(i.timers).toBe(1);
    expect(p.record.reports.map((r) => [r.where, r.checks.length])).toEqual([["before the first run", 4], ["before scenario b", 3], ["before scenario c", 3]]);
  });

  test("the first check asks for the largest need: a cache: keep dataset must fit in memory beside the base", () => {
    expect(datasetBytesBound(c.scenarios[0]!)).toBe(4 * 2 * 1024 ** 2);
  });

  test("a compiler started between scenarios stops the run before the next one, with exit 7 and the reason", async () => {
    const p = preflightRun({ spec: c.preflight, force: false, skip: false, log: log(), io: io({ procs: (n) => (n >= 1 ? ["cc1"] : []) }) });
    await p.first(c.scenarios);
    expect(await p.scenario(c.scenarios[0]!)).toBeNull();
    let err: unknown;
    try {
      await p.scenario(c.scenarios[1]!);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BenchError);
    expect((err as BenchError).exitCode).toBe(EXIT.preflight);
    expect((err as Error).message).toBe("preflight failed before scenario b: processes cc1 (pid 1000) (needs none of cargo, rustc, cc1, ld)");
  });

  test("with --force the failed check's note goes to that scenario's results (with the first run's, when that failed too)", async () => {
    const p = preflightRun({ spec: c.preflight, force: true, skip: false, log: log(), io: io({ procs: (n) => (n === 0 ? ["rustc"] : n === 1 ? ["cc1"] : []) }) });
    await p.first(c.scenarios);
    expect(await p.scenario(c.scenarios[0]!)).toBe("preflight failed: processes rustc (pid 1000) (needs none of cargo, rustc, cc1, ld)");
    expect(await p.scenario(c.scenarios[1]!)).toBe("preflight failed: processes rustc (pid 1000) (needs none of cargo, rustc, cc1, ld); preflight failed: processes cc1 (pid 1000) (needs none of cargo, rustc, cc1, ld)");
  });

  test("a load that is falling (an install or our own runs just ended) gets time before the run is refused, and the console says so", async () => {
    const slept: number[] = [];
    const lines: string[] = [];
    // 1.8 at the first check, then 1.6, 1.3 and 0.9 while it waits; later scenarios see 0.9.
    const loads = [1.8, 1.6, 1.3, 0.9];
    const p = preflightRun({ spec: c.preflight, force: false, skip: false, log: openLog(null, { out: (l) => void lines.push(l), err: () => {} }), io: io({ load: (n) => loads[Math.min(n, 3)]!, slept }) });
    await p.first(c.scenarios);
    expect(slept).toEqual([2000, 2000, 2000]);
    expect(p.record.reports[0]!.checks[0]).toMatchObject({ ok: true, measured: "0.90 (after waiting 6 s for it to fall)" });
    expect(lines.join("")).toContain("preflight before the first run: load 1.80 is over 1.00; waiting up to 60 s for it to fall...");
    expect(await p.scenario(c.scenarios[1]!)).toBeNull();
    expect(slept.length).toBe(3);
  });

  test("a load that stays up (another job) is refused after the wait: exit 7 with the load it still had", async () => {
    const slept: number[] = [];
    const p = preflightRun({ spec: c.preflight, force: false, skip: false, log: log(), io: io({ load: () => 2.5, slept }) });
    let err: unknown;
    try {
      await p.first(c.scenarios);
    } catch (e) {
      err = e;
    }
    expect((err as BenchError).exitCode).toBe(EXIT.preflight);
    expect((err as Error).message).toContain("load 2.50 (after waiting 60 s for it to fall)");
    expect(slept.reduce((a, b) => a + b, 0)).toBe(60_000);
  });
});
