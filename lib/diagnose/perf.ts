// perf for a diagnosis: `perf stat -x,` argv and CSV parser, `perf record -g` / `perf script` argv.

import type { CallGraph } from "../types";
import type { PerfCounter, PerfStat } from "./types";

export type { CallGraph };

/**
 * Counters asked of perf stat: software ones every kernel has, and cycles/instructions where the hardware (or the
 * hypervisor) exposes a PMU. Unsupported ones come back "<not supported>" and are reported as not available.
 */
export const PERF_STAT_EVENTS = [
  "task-clock", "context-switches", "cpu-migrations", "page-faults", "major-faults", "cycles", "instructions",
] as const;

export interface PerfOptions {
  perf?: string;
}

/** perf stat over the tool and its children (perf inherits by default); CSV to a file so the tool's own output stays apart. */
export function perfStatArgv(toolArgv: string[], outFile: string, o: PerfOptions = {}): string[] {
  return [o.perf ?? "perf", "stat", "-x,", "-o", outFile, "-e", PERF_STAT_EVENTS.join(","), "--", ...toolArgv];
}

export interface PerfRecordOptions extends PerfOptions {
  /** Samples per second; odd, so sampling does not fall into step with a periodic timer. */
  frequencyHz?: number;
  /**
   * "fp" walks frame pointers (cheap, small files; binaries built without them, like a default Rust release
   * build, show one-frame stacks); "dwarf" unwinds from copied stack memory (any binary with debug info, large files).
   */
  callGraph?: CallGraph;
}

export const PERF_RECORD_HZ = 999;

export function perfRecordArgv(toolArgv: string[], outFile: string, o: PerfRecordOptions = {}): string[] {
  const cg = o.callGraph === "dwarf" ? ["--call-graph", "dwarf"] : ["-g"];
  return [o.perf ?? "perf", "record", "-q", ...cg, "-F", String(o.frequencyHz ?? PERF_RECORD_HZ), "-o", outFile, "--", ...toolArgv];
}

/**
 * perf script with only the fields the flame graph needs, in a fixed order: "comm pid" then one "addr sym (dso)"
 * line per frame, leaf first. --no-inline: resolving inlined frames runs addr2line per address, minutes on a big profile.
 */
export function perfScriptArgv(dataFile: string, o: PerfOptions = {}): string[] {
  return [o.perf ?? "perf", "script", "-i", dataFile, "-F", "comm,pid,ip,sym,dso", "--no-inline"];
}

/** What perf writes for a counter it could not read; these become "not available", never 0. */
const UNAVAILABLE = /^<(not supported|not counted)>$/;

function num(s: string | undefined): number | null {
  if (s === undefined || s.trim() === "") return null;
  const v = Number(s);
  return Number.isFinite(v) ? v : null;
}

/**
 * Parses `perf stat -x,` output: "value,unit,event,run-time,running%,metric,metric-unit" per line; comments (#) and
 * blank lines skipped. An event name with commas inside a PMU term ("cpu/event=0x3c,umask=0/") is rejoined.
 * Modifiers perf adds (":u" when only user space may be counted) are dropped from the name.
 */
export function parsePerfStat(text: string): PerfStat {
  const counters: PerfCounter[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const f = line.split(",");
    if (f.length < 3) continue;
    let i = 2;
    let event = f[2]!;
    while ((event.split("/").length - 1) % 2 === 1 && i + 1 < f.length) event += "," + f[++i]!;
    event = event.replace(/:[ukhHGp]+$/, "");
    if (!event) continue;
    const value = f[0]!.trim();
    const na = UNAVAILABLE.exec(value);
    const parsed = na ? null : num(value);
    if (!na && parsed === null) continue;
    counters.push({
      event,
      value: parsed,
      unit: f[1]!.trim(),
      unavailable: na ? na[1]! : null,
      runningPercent: num(f[i + 2]),
    });
  }
  return { counters };
}

/** A counter by name; undefined when perf did not print it at all. */
export function counter(s: PerfStat, event: string): PerfCounter | undefined {
  return s.counters.find((c) => c.event === event);
}

/** "2,071.4 msec", "386", "not available (not supported)". */
export function formatCounter(c: PerfCounter | undefined): string {
  if (!c) return "not available (not reported)";
  if (c.value === null) return `not available (${c.unavailable})`;
  const v = c.value >= 1000 ? Math.round(c.value).toLocaleString("en-US") : String(c.value);
  return c.unit ? `${v} ${c.unit}` : v;
}
