#!/usr/bin/env bun
// Shows what settling before each run does: the same tools on the same trees, N runs with only `rm -rf dst`
// before each run and N runs with `rm -rf dst; sync; wait for a quiet disk`, in one invocation, cache kept.
// In the settled mode each run is also made durable (syncfs of dst, timed) to show returned vs durable.
//
//   bun scripts/bench-settle.ts [--runs N] [--workload large|small|both] [--drop] [--workspace DIR] [--small-files N]
//
// Prints, per workload, mode and tool: median, min, max, and the spikes (runs > 1.3 × that median), the settle
// cost and (settled mode) the durable figures; `uptime` before and after. Always exits 0: it is a report.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { flushDurable } from "../lib/platform/durable.ts";
import { describeSettle, settle, SETTLE_DEFAULTS, type SettleRecord } from "../lib/platform/settle.ts";

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

interface Tool {
  name: string;
  argv: (src: string, dst: string) => string[];
}

const TOOLS: Tool[] = [
  { name: "cp -a", argv: (s, d) => ["cp", "-a", `${s}/.`, `${d}/`] },
  { name: "rsync -a", argv: (s, d) => ["rsync", "-a", `${s}/`, `${d}/`] },
];

type Mode = "none" | "settle";

interface Sample {
  mode: Mode;
  tool: string;
  returnedNs: number;
  flushNs: number | null;
  settle: SettleRecord | null;
}

function sh(argv: string[]): string {
  const p = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
  if (p.exitCode !== 0) throw new Error(`${argv.join(" ")}: exit ${p.exitCode}: ${p.stderr.toString().trim()}`);
  return p.stdout.toString();
}

/** Deterministic incompressible bytes (xorshift32), so the trees are the same from one invocation to the next. */
function bytes(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  let x = seed | 1;
  for (let i = 0; i < n; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b.writeUInt32LE(x >>> 0, Math.min(i, n - 4));
  }
  return b;
}

function ensureTree(root: string, name: string, build: (dir: string) => void): string {
  const dir = path.join(root, name);
  if (fs.existsSync(path.join(dir, ".complete"))) return path.join(dir, "tree");
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, "tree"), { recursive: true });
  console.log(`generating ${name} …`);
  build(path.join(dir, "tree"));
  fs.writeFileSync(path.join(dir, ".complete"), "");
  return path.join(dir, "tree");
}

function largeTree(dir: string): void {
  // 64 files × 4 MiB = 256 MiB
  for (let i = 0; i < 64; i++) fs.writeFileSync(path.join(dir, `f${i}`), bytes(4 << 20, 1000 + i));
}

function smallTree(files: number): (dir: string) => void {
  return (dir) => {
    const pool = bytes(8 << 20, 7);
    for (let i = 0; i < files; i++) {
      const sub = path.join(dir, `d${Math.floor(i / 1000)}`);
      if (i % 1000 === 0) fs.mkdirSync(sub);
      const size = 1024 + ((i * 2654435761) >>> 0) % 3072;
      const off = ((i * 40503) >>> 0) % (pool.length - size);
      fs.writeFileSync(path.join(sub, `f${i}`), pool.subarray(off, off + size));
    }
  };
}

function dropCaches(): void {
  fs.writeFileSync("/proc/sys/vm/drop_caches", "3");
}

async function oneRun(mode: Mode, tool: Tool, src: string, dst: string, drop: boolean): Promise<Sample> {
  fs.rmSync(dst, { recursive: true, force: true });
  fs.mkdirSync(dst);
  let rec: SettleRecord | null = null;
  if (mode === "settle") {
    rec = await settle({ path: dst, sync: true, wait: { ...SETTLE_DEFAULTS } });
  }
  if (drop) {
    if (mode === "none") sh(["sync"]);
    dropCaches();
  }
  const t0 = Bun.nanoseconds();
  const p = Bun.spawn(tool.argv(src, dst), { stdout: "ignore", stderr: "inherit" });
  const code = await p.exited;
  const returnedNs = Bun.nanoseconds() - t0;
  if (code !== 0) throw new Error(`${tool.name} exited ${code}`);
  let flushNs: number | null = null;
  if (mode === "settle") {
    const f = flushDurable(dst);
    flushNs = f.ok ? f.flushNs : null;
  }
  return { mode, tool: tool.name, returnedNs, flushNs, settle: rec };
}

const s3 = (ns: number) => (ns / 1e9).toFixed(3);

function report(workload: string, samples: Sample[]): void {
  console.log(`\n${workload}`);
  console.log("  mode              tool       n  median s  min s   max s   spikes>1.3×med (s)      settle median (sync+wait ms)  durable median s (syncfs s)");
  for (const mode of ["none", "settle"] as Mode[]) {
    for (const tool of TOOLS) {
      const xs = samples.filter((s) => s.mode === mode && s.tool === tool.name);
      if (!xs.length) continue;
      const t = xs.map((s) => s.returnedNs);
      const sp = spikes(t);
      const settleMs = xs.filter((s) => s.settle).map((s) => (s.settle!.syncMs ?? 0) + s.settle!.waitedMs);
      const flush = xs.filter((s) => s.flushNs !== null).map((s) => s.flushNs!);
      const durable = xs.filter((s) => s.flushNs !== null).map((s) => s.returnedNs + s.flushNs!);
      console.log(
        `  ${(mode === "none" ? "rm -rf only" : "rm; sync; settle").padEnd(18)}${tool.name.padEnd(10)}${String(t.length).padStart(3)}  ${s3(medianOf(t)).padStart(8)}  ${s3(Math.min(...t))}  ${s3(Math.max(...t))}  ${`${sp.length}${sp.length ? ` (${sp.map(s3).join(", ")})` : ""}`.padEnd(24)}${settleMs.length ? medianOf(settleMs).toFixed(0).padStart(8) : "       —"}                      ${durable.length ? `${s3(medianOf(durable))} (${s3(medianOf(flush))})` : "—"}`,
      );
      console.log(`      runs (s, in order): ${t.map(s3).join(" ")}`);
    }
  }
  const waits = samples.filter((s) => s.settle).map((s) => s.settle!);
  const reasons = new Map<string, number>();
  for (const w of waits) reasons.set(w.reason, (reasons.get(w.reason) ?? 0) + 1);
  if (waits.length) console.log(`  settle outcomes: ${[...reasons].map(([r, n]) => `${r} ×${n}`).join(", ")}; e.g. ${describeSettle(waits[waits.length - 1]!)}`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: "string", default: "8" },
      workload: { type: "string", default: "both" },
      drop: { type: "boolean", default: false },
      workspace: { type: "string", default: path.join(os.tmpdir(), "mb-bench-settle") },
      "small-files": { type: "string", default: "100000" },
    },
  });
  const runs = Number(values.runs);
  const ws = values.workspace!;
  fs.mkdirSync(ws, { recursive: true });
  console.log(`host: ${os.hostname()} ${os.release()}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB; cache: ${values.drop ? "dropped before each run" : "kept"}; ${runs} runs per tool per mode`);
  console.log(`settle: sync, then wait for < ${SETTLE_DEFAULTS.drainMibPerSec} MiB/s written on the workspace's disk for ${SETTLE_DEFAULTS.quietSamples} samples of ${SETTLE_DEFAULTS.sampleMs} ms (max ${SETTLE_DEFAULTS.maxWaitMs / 1000} s)`);
  console.log(`uptime before: ${sh(["uptime"]).trim()}`);
  const workloads: [string, string][] = [];
  if (values.workload !== "small") workloads.push(["large: 64 × 4 MiB = 256 MiB", ensureTree(ws, "large", largeTree)]);
  if (values.workload !== "large") workloads.push([`small: ${Number(values["small-files"]).toLocaleString("en-US")} files of 1–4 KiB`, ensureTree(ws, `small-${values["small-files"]}`, smallTree(Number(values["small-files"])))]);
  for (const [name, src] of workloads) {
    const samples: Sample[] = [];
    const dst = path.join(ws, "dst");
    // Blocks in the order A B B A so a drift over the invocation hits both modes alike; tools rotate within a block.
    const half = Math.ceil(runs / 2);
    for (const [mode, n] of [["none", half], ["settle", half], ["settle", runs - half], ["none", runs - half]] as [Mode, number][]) {
      for (let i = 0; i < n; i++) {
        const order = i % 2 ? [...TOOLS].reverse() : TOOLS;
        for (const tool of order) samples.push(await oneRun(mode, tool, src, dst, values.drop!));
      }
    }
    fs.rmSync(dst, { recursive: true, force: true });
    report(name, samples);
  }
  console.log(`\nuptime after: ${sh(["uptime"]).trim()}`);
}

if (import.meta.main) await main();
