#!/usr/bin/env bun
// Measures what the harness adds to a timed run: mb-run's recorded sample vs the whole runTool call
// vs a bare Bun.spawn vs hyperfine on the same command, so the numbers in a report can be trusted.
//
//   bun run bench:overhead [--runs N] [--warmup N] [--json FILE] [-- CMD ARGS...]
//
// Without a command it probes `true` (pure process cost) and `sleep 0.05` (a known duration, so
// the recorded sample can be checked against 50 ms). --json writes the samples in hyperfine's format.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toHyperfineJson } from "../lib/export/json.ts";
import type { ExportRow } from "../lib/export/table.ts";
import { cleanupMeter, getMeter, runTool } from "../lib/spawn.ts";
import { median, summarize } from "../lib/stats.ts";

interface Args {
  runs: number;
  warmup: number;
  json: string | null;
  commands: string[][];
}

function usage(msg: string): never {
  console.error(`error: ${msg}\nusage: bench-overhead [--runs N] [--warmup N] [--json FILE] [-- CMD ARGS...]`);
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const a: Args = { runs: 30, warmup: 3, json: null, commands: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => argv[++i] ?? usage(`${arg} needs a value`);
    if (arg === "--runs") a.runs = Number(value());
    else if (arg === "--warmup") a.warmup = Number(value());
    else if (arg === "--json") a.json = value();
    else if (arg === "--") {
      a.commands.push(argv.slice(i + 1));
      break;
    } else if (arg === "-h" || arg === "--help") usage("help requested");
    else usage(`unknown argument ${arg}`);
  }
  if (!Number.isInteger(a.runs) || a.runs < 2) usage("--runs must be an integer >= 2");
  if (!Number.isInteger(a.warmup) || a.warmup < 0) usage("--warmup must be an integer >= 0");
  if (a.commands.length === 0) a.commands = [["true"], ["sleep", "0.05"]];
  if (a.commands.some((c) => c.length === 0)) usage("empty command after --");
  return a;
}

interface Probe {
  /** mb-run's wall time: the number the harness records as the sample. */
  meterNs: number[];
  /** The whole awaited runTool() call as Bun sees it: the per-run cost of the harness loop. */
  callNs: number[];
  /** A bare Bun.spawn + exited, no wrapper: what a naive harness would record. */
  bareNs: number[];
  /** hyperfine -N on the same command, or null when hyperfine is not installed. */
  hyperfineNs: number[] | null;
  failures: number;
}

async function probeRunTool(cmd: string[], runs: number, warmup: number): Promise<Pick<Probe, "meterNs" | "callNs" | "failures">> {
  const meterNs: number[] = [];
  const callNs: number[] = [];
  let failures = 0;
  for (let i = 0; i < warmup + runs; i++) {
    const t0 = Bun.nanoseconds();
    const out = await runTool({ argv: cmd, logFd: "ignore", timeoutMs: 60_000 });
    const t1 = Bun.nanoseconds();
    if (i < warmup) continue;
    if (out.exitCode !== 0 || !out.measure) {
      failures++;
      continue;
    }
    meterNs.push(out.measure.wallNs);
    callNs.push(t1 - t0);
  }
  return { meterNs, callNs, failures };
}

async function probeBare(cmd: string[], runs: number, warmup: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const t0 = Bun.nanoseconds();
    const p = Bun.spawn(cmd, { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
    await p.exited;
    const t1 = Bun.nanoseconds();
    if (i >= warmup) out.push(t1 - t0);
  }
  return out;
}

function probeHyperfine(cmd: string[], runs: number, warmup: number, dir: string): number[] | null {
  const hyperfine = Bun.which("hyperfine");
  if (!hyperfine) return null;
  const file = join(dir, "hyperfine.json");
  // -N: no intermediate shell, so hyperfine and mb-run time the same exec; -N splits on whitespace.
  const p = Bun.spawnSync(
    [hyperfine, "-N", "--style", "none", "--runs", String(runs), "--warmup", String(warmup), "--export-json", file, cmd.join(" ")],
    { stdout: "ignore", stderr: "pipe" },
  );
  if (p.exitCode !== 0) {
    console.error(`hyperfine failed for ${cmd.join(" ")}: ${p.stderr.toString().trim().split("\n")[0]}`);
    return null;
  }
  const times: number[] = JSON.parse(readFileSync(file, "utf8")).results[0].times;
  return times.map((s) => s * 1e9);
}

function ms(ns: number): string {
  return (ns / 1e6).toFixed(3);
}

function stat(ns: number[] | null): string {
  if (!ns || ns.length === 0) return "n/a";
  const s = summarize(ns);
  return `${ms(s.medianNs)} (${ms(s.minNs)}..${ms(s.maxNs)})`;
}

function pad(cells: string[][]): string {
  const widths = cells[0]!.map((_, c) => Math.max(...cells.map((r) => r[c]!.length)));
  return cells.map((r) => r.map((x, c) => (c === 0 ? x.padEnd(widths[c]!) : x.padStart(widths[c]!))).join("  ")).join("\n");
}

async function main(): Promise<void> {
  const args = parseArgs(Bun.argv.slice(2));
  const meter = getMeter();
  console.log(`Meter: ${meter.kind}${meter.wrapperPath ? ` (${meter.wrapperPath})` : ""}${meter.memoryNote ? `; ${meter.memoryNote}` : ""}`);
  console.log(`Runs: ${args.runs} measured after ${args.warmup} warmup(s) per method; times in ms, median (min..max).\n`);
  const dir = mkdtempSync(join(tmpdir(), "mb-overhead-"));
  const rows: ExportRow[] = [];
  const table: string[][] = [["command", "recorded (mb-run)", "runTool call", "bare Bun.spawn", "hyperfine -N", "recorded − hyperfine", "call − recorded"]];
  try {
    for (const cmd of args.commands) {
      const name = cmd.join(" ");
      const rt = await probeRunTool(cmd, args.runs, args.warmup);
      const bareNs = await probeBare(cmd, args.runs, args.warmup);
      const hyperfineNs = probeHyperfine(cmd, args.runs, args.warmup, dir);
      const p: Probe = { ...rt, bareNs, hyperfineNs };
      if (p.failures > 0) console.error(`warning: ${name}: ${p.failures} run(s) failed or had no measurement`);
      const rec = p.meterNs.length ? median(p.meterNs) : NaN;
      const delta = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) ? `${a - b >= 0 ? "+" : ""}${ms(a - b)}` : "n/a");
      table.push([
        name,
        stat(p.meterNs),
        stat(p.callNs),
        stat(p.bareNs),
        stat(p.hyperfineNs),
        delta(rec, p.hyperfineNs?.length ? median(p.hyperfineNs) : NaN),
        delta(p.callNs.length ? median(p.callNs) : NaN, rec),
      ]);
      const series: [string, number[] | null][] = [
        ["recorded (mb-run)", p.meterNs],
        ["runTool call", p.callNs],
        ["bare Bun.spawn", p.bareNs],
        ["hyperfine -N", p.hyperfineNs],
      ];
      for (const [label, ns] of series) {
        if (!ns) continue;
        rows.push({
          scenario: name,
          tool: label,
          label,
          parameters: {},
          timesNs: ns,
          exitCodes: ns.map(() => 0),
          userNs: [],
          systemNs: [],
          maxRssBytes: [],
        });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    cleanupMeter();
  }
  console.log(pad(table));
  console.log(
    "\nrecorded − hyperfine: how far the sample the harness records sits from hyperfine's for the same exec." +
      "\ncall − recorded: per-run harness cost that stays outside the sample (Bun spawn, wrapper fork, report read).",
  );
  if (args.json) {
    writeFileSync(args.json, toHyperfineJson(rows));
    console.log(`\nSamples written to ${args.json} (hyperfine JSON).`);
  }
}

await main();
