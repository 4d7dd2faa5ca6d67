import { describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { counter, formatCounter, parsePerfStat, perfRecordArgv, perfScriptArgv, perfStatArgv } from "../lib/diagnose/perf.ts";

// Real `perf stat -x, -o FILE` outputs of perf 6.1 on this VM (no hardware PMU exposed: cycles are "<not supported>").
const FX = path.join(import.meta.dir, "fixtures", "diagnose");
const stat = (name: string) => parsePerfStat(fs.readFileSync(path.join(FX, name), "utf8"));

describe("perf stat CSV parser", () => {
  test("software counters are read with their units", () => {
    const s = stat("perf61-stat-cp.csv");
    expect(counter(s, "task-clock")).toEqual({ event: "task-clock", value: 2071.43, unit: "msec", unavailable: null, runningPercent: 100 });
    expect(counter(s, "context-switches")!.value).toBe(386);
    expect(counter(s, "cpu-migrations")!.value).toBe(0);
  });

  test("<not supported> becomes not available, never 0", () => {
    const s = stat("perf61-stat-cp.csv");
    expect(counter(s, "cycles")).toMatchObject({ value: null, unavailable: "not supported" });
    expect(formatCounter(counter(s, "instructions"))).toBe("not available (not supported)");
  });

  test("<not counted> becomes not available, never 0", () => {
    // Constructed: perf's shape for a counter that was never scheduled.
    const s = parsePerfStat("<not counted>,,cycles,0,0.00,,\n");
    expect(counter(s, "cycles")).toMatchObject({ value: null, unavailable: "not counted" });
  });

  test("the :u modifier perf adds for an unprivileged user is dropped from the event name", () => {
    const s = stat("perf61-stat-user.csv");
    expect(counter(s, "task-clock")!.value).toBe(0.67);
    expect(counter(s, "page-faults")!.value).toBe(47);
  });

  test("comment lines and blank lines are skipped", () => {
    expect(stat("perf61-stat-wasteful.csv").counters.map((c) => c.event)).toEqual([
      "task-clock", "context-switches", "cpu-migrations", "page-faults", "cycles", "instructions",
    ]);
  });

  test("a PMU event with commas inside its terms is kept whole", () => {
    const s = parsePerfStat("12345,,cpu/event=0x3c,umask=0x0/,1000,100.00,,\n");
    expect(s.counters).toEqual([{ event: "cpu/event=0x3c,umask=0x0/", value: 12345, unit: "", unavailable: null, runningPercent: 100 }]);
  });

  test("a counter perf never printed reads as not available", () => {
    expect(formatCounter(counter(stat("perf61-stat-cp.csv"), "major-faults"))).toBe("not available (not reported)");
  });
});

describe("perf argv", () => {
  test("perf stat writes CSV to a file and ends its options before the tool's argv", () => {
    const a = perfStatArgv(["cp", "-a"], "/w/s.csv");
    expect(a.slice(0, 5)).toEqual(["perf", "stat", "-x,", "-o", "/w/s.csv"]);
    expect(a.slice(-3)).toEqual(["--", "cp", "-a"]);
  });

  test("perf record uses frame pointers by default and dwarf on request", () => {
    expect(perfRecordArgv(["cp"], "/w/p.data")).toEqual(["perf", "record", "-q", "-g", "-F", "999", "-o", "/w/p.data", "--", "cp"]);
    expect(perfRecordArgv(["cp"], "/w/p.data", { callGraph: "dwarf", frequencyHz: 499 })).toContain("dwarf");
  });

  test("perf script asks for the fields the collapser reads and skips inline resolution", () => {
    expect(perfScriptArgv("/w/p.data")).toEqual(["perf", "script", "-i", "/w/p.data", "-F", "comm,pid,ip,sym,dso", "--no-inline"]);
  });
});
