#!/usr/bin/env bun
// What settling before each run does, measured through the real harness: one mirrorbench invocation whose
// scenarios are the same pair of tools on the same cached dataset, with `settle: false` (the reset, then the
// run), `settle: sync` (the default) and `settle: true` (sync, then wait for quiet disks; those runs are also
// durable, so returned and durable times are both shown), in blocks A B C C B A so drift hits every mode alike.
//
//   bun scripts/bench-settle.ts [--runs N] [--workload large|small|both] [--small-files N] [--drop] [--no-verify] [--workspace DIR]
//
// Prints, per workload, mode and tool: median, min, max and the spikes (runs > 1.3 × that median), the settle
// waits and (wait mode) the durable figures; `uptime` before and after. Always exits 0: it is a report.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { loadResults } from "../lib/results/load.ts";
import type { RunRecord } from "../lib/types.ts";

export const SPIKE_FACTOR = 1.3;

export function medianOf(xs: readonly number[]): number {
  const a = [...xs].sort((x, y) => x - y);
  const m = Math.floor(a.length / 2);
  return a.length % 2 ? a[m]! : (a[m - 1]! + a[m]!) / 2;
}

/** Runs slower than SPIKE_FACTOR × the median of the same series. */
export function spikes(xs: readonly number[], factor = SPIKE_FACTOR): number[] {
  const m = medianOf(xs);
  return xs.filter((x) => x > factor * m);
}

export type Mode = "none" | "sync" | "wait";
const MODES: Record<Mode, { settle: string; extra: string; say: string }> = {
  none: { settle: "false", extra: "", say: "reset only" },
  sync: { settle: "sync", extra: "", say: "reset; sync (default)" },
  wait: { settle: "true", extra: ", durable: true, gate_on: returned", say: "reset; sync; wait" },
};
/** A B C C B A: each mode's runs split over two blocks placed symmetrically in the invocation. */
export const BLOCKS: Mode[] = ["none", "sync", "wait", "wait", "sync", "none"];

/** The config: for each workload, one scenario per block, every one on the same dataset spec (so the same cached tree). */
export function settleConfig(o: { ws: string; runsPerBlock: number; drop: boolean; verify: boolean; workloads: { name: string; files: string }[] }): string {
  const lines = [
    `workspace: ${JSON.stringify(path.join(o.ws, "bench"))}`,
    `results_dir: ${JSON.stringify(path.join(o.ws, "results"))}`,
    "preflight: false",
    `defaults: { runs: ${o.runsPerBlock}, warmup: 0, cache: ${o.drop ? "drop" : "keep"}, verify: ${o.verify}, timeout: 10m }`,
    "tools:",
    `  cp: { argv: [cp, -a, "{src}/.", "{dst}/"] }`,
    `  rsync: { argv: [rsync, -a, "{src}/", "{dst}/"] }`,
    "scenarios:",
  ];
  for (const w of o.workloads) {
    BLOCKS.forEach((mode, i) => {
      lines.push(`  - { name: ${w.name}-${mode}-${i + 1}, workload: { files: ${w.files}, seed: 7 }, tools: [cp, rsync], settle: ${MODES[mode].settle}${MODES[mode].extra} }`);
    });
  }
  return lines.join("\n") + "\n";
}

const s3 = (ns: number) => (ns / 1e9).toFixed(3);
type Done = Extract<RunRecord, { state: "completed" }>;

function report(workload: string, runs: { mode: Mode; run: Done }[]): void {
  console.log(`\n${workload}`);
  console.log("  mode                   tool    n  median s  min s   max s   spikes>1.3×med (s)        settle median ms (sync + wait)  durable median s (flush s)");
  for (const mode of ["none", "sync", "wait"] as Mode[]) {
    for (const tool of ["cp", "rsync"]) {
      const xs = runs.filter((r) => r.mode === mode && r.run.tool === tool).map((r) => r.run);
      if (!xs.length) continue;
      const t = xs.map((r) => r.measure.wallNs);
      const sp = spikes(t);
      const settle = xs.map((r) => r.settle).filter((x) => x !== undefined);
      const settleMs = settle.map((r) => `${(r.syncMs ?? 0).toFixed(0)} + ${r.waitedMs.toFixed(0)}`);
      const durable = xs.map((r) => r.durable?.durableNs).filter((x): x is number => typeof x === "number");
      const flush = xs.map((r) => r.durable?.flushNs).filter((x): x is number => typeof x === "number");
      const settleCell = settle.length ? `${medianOf(settle.map((r) => r.syncMs ?? 0)).toFixed(0)} + ${medianOf(settle.map((r) => r.waitedMs)).toFixed(0)}` : "—";
      console.log(
        `  ${MODES[mode].say.padEnd(23)}${tool.padEnd(6)}${String(t.length).padStart(3)}  ${s3(medianOf(t)).padStart(8)}  ${s3(Math.min(...t))}  ${s3(Math.max(...t))}  ${`${sp.length}${sp.length ? ` (${sp.map(s3).join(", ")})` : ""}`.padEnd(26)}${settleCell.padEnd(32)}${durable.length ? `${s3(medianOf(durable))} (${s3(medianOf(flush))})` : "—"}`,
      );
      console.log(`      runs (s, in order): ${t.map(s3).join(" ")}${settleMs.length && mode === "wait" ? `; waits (ms): ${settle.map((r) => r.waitedMs.toFixed(0)).join(" ")}` : ""}`);
    }
  }
  const reasons = new Map<string, number>();
  for (const r of runs) if (r.run.settle && r.mode === "wait") reasons.set(r.run.settle.reason, (reasons.get(r.run.settle.reason) ?? 0) + 1);
  if (reasons.size) console.log(`  wait outcomes: ${[...reasons].map(([r, n]) => `${r} ×${n}`).join(", ")}`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: "string", default: "8" },
      workload: { type: "string", default: "both" },
      drop: { type: "boolean", default: false },
      "no-verify": { type: "boolean", default: false },
      workspace: { type: "string", default: path.join(os.tmpdir(), "mb-bench-settle") },
      "small-files": { type: "string", default: "10000" },
    },
  });
  const runs = Number(values.runs);
  const ws = values.workspace!;
  fs.mkdirSync(ws, { recursive: true });
  const small = Number(values["small-files"]);
  const workloads = [
    ...(values.workload !== "small" ? [{ name: "large", files: "{ count: 64, size: 4MiB }", say: "large: 64 × 4 MiB = 256 MiB" }] : []),
    ...(values.workload !== "large" ? [{ name: "small", files: `{ count: ${small}, size: 1KiB..4KiB, per_dir: 1000 }`, say: `small: ${small.toLocaleString("en-US")} files of 1–4 KiB` }] : []),
  ];
  const config = path.join(ws, "bench-settle.yaml");
  fs.writeFileSync(config, settleConfig({ ws, runsPerBlock: Math.max(1, Math.ceil(runs / 2)), drop: values.drop!, verify: !values["no-verify"], workloads }));
  console.log(`host: ${os.hostname()} ${os.release()}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB; cache ${values.drop ? "dropped" : "kept"}; ${2 * Math.ceil(runs / 2)} runs per tool per mode through the real harness (${config})`);
  console.log(`uptime before: ${Bun.spawnSync(["uptime"]).stdout.toString().trim()}`);
  const t0 = Date.now();
  const p = Bun.spawnSync(["bun", path.join(import.meta.dir, "bench.ts"), "--config", config, "--no-preflight", "--quiet"], { stdout: "pipe", stderr: "pipe" });
  console.log(`mirrorbench exited ${p.exitCode} after ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  if (p.exitCode !== 0) console.log(p.stderr.toString().split("\n").slice(-8).join("\n"));
  const dir = path.join(ws, "results");
  const newest = fs.readdirSync(dir).filter((f) => f.endsWith(".json")).sort().at(-1);
  if (!newest) return void console.log("no results file");
  const r = loadResults(path.join(dir, newest));
  for (const w of workloads) {
    const rows: { mode: Mode; run: Done }[] = [];
    for (const s of r.scenarios.filter((x) => x.name.startsWith(`${w.name}-`))) {
      const mode = s.name.split("-")[1] as Mode;
      for (const run of s.runs) if (run.state === "completed" && run.phase === "measured") rows.push({ mode, run });
    }
    report(w.say, rows);
  }
  console.log(`\nuptime after: ${Bun.spawnSync(["uptime"]).stdout.toString().trim()}`);
}

if (import.meta.main) await main();
