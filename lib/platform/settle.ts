// Settle before a run: `sync`, then wait until the workspace's disk(s) write less than a drain rate for N samples (Linux /proc/diskstats).

import fs from "node:fs";
import type { SettleReason, SettleRecord } from "../types";
import { resolveDevices, type DeviceResolution, type WatchedDevice } from "./blockdev";
import type { SettleRequest } from "./types";

export type { SettleReason, SettleRecord } from "../types";

/** Defaults for `settle:` (move into lib/defaults.ts at wiring time; see lib/analyze/README-wiring-12.md). */
export const SETTLE_DEFAULTS = {
  /** sync(1) after the reset, outside the timed window, before every run (cache: keep too). */
  sync: true,
  /** The disk counts as quiet below this write rate; 2 MiB/s is below ext4's 5 s journal commit of a busy tree, above an idle VM's noise. */
  drainMibPerSec: 2,
  /** Consecutive quiet samples needed. */
  quietSamples: 3,
  /** Give up waiting after this long; the run goes on and records "max-wait". */
  maxWaitMs: 30_000,
  /** Interval between two /proc/diskstats reads. */
  sampleMs: 250,
} as const;

/** /proc/diskstats counts sectors of 512 bytes whatever the device's real sector size. */
export const DISKSTATS_SECTOR_BYTES = 512;

export interface DiskCounters {
  name: string;
  sectorsWritten: number;
  /** I/Os currently in flight (field 9). */
  inFlight: number;
}

/** Parses /proc/diskstats: "major minor name" then reads(1..4), writes completed, merged, sectors written (field 7), ms writing, in flight. */
export function parseDiskstats(text: string): Map<string, DiskCounters> {
  const out = new Map<string, DiskCounters>();
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length < 14) continue;
    const sectorsWritten = Number(f[9]);
    const inFlight = Number(f[11]);
    if (!Number.isFinite(sectorsWritten)) continue;
    out.set(`${f[0]}:${f[1]}`, { name: f[2]!, sectorsWritten, inFlight });
  }
  return out;
}

export interface SettleOptions {
  drainMibPerSec: number;
  quietSamples: number;
  maxWaitMs: number;
  sampleMs: number;
}

export interface SettleIo {
  /** Monotonic milliseconds. */
  nowMs(): number;
  sleep(ms: number): Promise<void>;
  readDiskstats(): string;
}

export const realSettleIo: SettleIo = {
  nowMs: () => performance.now(),
  sleep: (ms) => Bun.sleep(ms),
  readDiskstats: () => fs.readFileSync("/proc/diskstats", "utf8"),
};

/** Largest write rate over the devices between two counter snapshots, MiB/s (a device that vanished counts 0). */
export function writeRateMibPerSec(before: Map<string, DiskCounters>, after: Map<string, DiskCounters>, devices: readonly WatchedDevice[], elapsedMs: number): number {
  if (!(elapsedMs > 0)) return 0;
  let worst = 0;
  for (const d of devices) {
    const a = before.get(d.devId);
    const b = after.get(d.devId);
    if (!a || !b) continue;
    const bytes = Math.max(0, b.sectorsWritten - a.sectorsWritten) * DISKSTATS_SECTOR_BYTES;
    worst = Math.max(worst, bytes / 1048576 / (elapsedMs / 1000));
  }
  return worst;
}

/**
 * Samples the devices every sampleMs until quietSamples consecutive intervals each wrote less than
 * drainMibPerSec (the max over devices, so a stacked device cannot hide a busy one), or maxWaitMs passed.
 */
export async function waitForQuiet(devices: readonly WatchedDevice[], opts: SettleOptions, io: SettleIo = realSettleIo): Promise<Omit<SettleRecord, "syncMs">> {
  const names = devices.map((d) => d.name);
  const start = io.nowMs();
  let prev: Map<string, DiskCounters>;
  let prevMs = start;
  try {
    prev = parseDiskstats(io.readDiskstats());
  } catch (e) {
    return { waitedMs: 0, samples: 0, lastMibPerSec: null, peakMibPerSec: null, reason: `cannot sample: ${(e as Error).message}`, devices: names };
  }
  let quiet = 0;
  let samples = 0;
  let last: number | null = null;
  let peak: number | null = null;
  for (;;) {
    await io.sleep(opts.sampleMs);
    const now = io.nowMs();
    let cur: Map<string, DiskCounters>;
    try {
      cur = parseDiskstats(io.readDiskstats());
    } catch (e) {
      return { waitedMs: now - start, samples, lastMibPerSec: last, peakMibPerSec: peak, reason: `cannot sample: ${(e as Error).message}`, devices: names };
    }
    last = writeRateMibPerSec(prev, cur, devices, now - prevMs);
    peak = Math.max(peak ?? 0, last);
    samples++;
    quiet = last < opts.drainMibPerSec ? quiet + 1 : 0;
    prev = cur;
    prevMs = now;
    if (quiet >= opts.quietSamples) return { waitedMs: now - start, samples, lastMibPerSec: last, peakMibPerSec: peak, reason: "quiet", devices: names };
    if (now - start >= opts.maxWaitMs) return { waitedMs: now - start, samples, lastMibPerSec: last, peakMibPerSec: peak, reason: "max-wait", devices: names };
  }
}

export type { SettleRequest } from "./types";

export interface SettleDeps {
  io?: SettleIo;
  resolve?: (p: string) => DeviceResolution;
  runSync?: () => { ok: boolean; why: string };
}

/** Runs `sync` (whole system, as the user's harnesses do); never throws. */
export function runSyncCommand(timeoutMs = 120_000): { ok: boolean; why: string } {
  try {
    const p = Bun.spawnSync(["sync"], { stdin: "ignore", stdout: "ignore", stderr: "pipe", timeout: timeoutMs });
    if (p.exitCode === 0) return { ok: true, why: "" };
    return { ok: false, why: p.exitCode === null ? `sync killed (${p.signalCode ?? "timeout"})` : `sync exit ${p.exitCode}: ${p.stderr?.toString().trim()}` };
  } catch (e) {
    return { ok: false, why: `sync: ${(e as Error).message}` };
  }
}

/** sync, then (optionally) wait for the disk to go quiet; the record says what was done and waited. Never throws. */
export async function settle(req: SettleRequest, deps: SettleDeps = {}): Promise<SettleRecord> {
  const io = deps.io ?? realSettleIo;
  let syncMs: number | null = null;
  let syncError: string | undefined;
  if (req.sync) {
    const t0 = io.nowMs();
    const r = (deps.runSync ?? runSyncCommand)();
    syncMs = io.nowMs() - t0;
    if (!r.ok) syncError = r.why;
  }
  const withSync = (rec: Omit<SettleRecord, "syncMs">): SettleRecord => (syncError === undefined ? { syncMs, ...rec } : { syncMs, syncError, ...rec });
  if (!req.wait) return withSync({ waitedMs: 0, samples: 0, lastMibPerSec: null, peakMibPerSec: null, reason: "disabled", devices: [] });
  const resolve = deps.resolve ?? resolveDevices;
  const devices = new Map<string, WatchedDevice>();
  const none: string[] = [];
  for (const p of typeof req.path === "string" ? [req.path] : req.path) {
    const res = resolve(p);
    if (res.state === "none") none.push(res.reason.replace(/^no device to watch: /, ""));
    else for (const d of res.devices) if (!devices.has(d.devId)) devices.set(d.devId, d);
  }
  if (!devices.size) {
    const reason: SettleReason = `no device to watch: ${[...new Set(none)].join("; ")}`;
    return withSync({ waitedMs: 0, samples: 0, lastMibPerSec: null, peakMibPerSec: null, reason, devices: [] });
  }
  return withSync(await waitForQuiet([...devices.values()], req.wait, io));
}

/** One line for logs: "settle: sync 12 ms; waited 750 ms (3 samples, last 0.0 MiB/s on vda): quiet". */
export function describeSettle(r: SettleRecord): string {
  const sync = r.syncMs === null ? "no sync" : `sync ${r.syncMs.toFixed(0)} ms${r.syncError ? ` (failed: ${r.syncError})` : ""}`;
  if (r.reason === "disabled") return `settle: ${sync}; no wait`;
  if (r.reason.startsWith("no device") || r.reason.startsWith("cannot sample")) return `settle: ${sync}; ${r.reason}`;
  const rate = r.lastMibPerSec === null ? "?" : r.lastMibPerSec.toFixed(1);
  return `settle: ${sync}; waited ${r.waitedMs.toFixed(0)} ms (${r.samples} samples, last ${rate} MiB/s on ${r.devices.join("+")}): ${r.reason}`;
}
