// The shapes of how runs are made and judged (settle, durable, gate, gate_on, state) and of preflight:, for shape.ts.

import { DEFAULTS } from "../defaults";
import { DURATION_PATTERN } from "../units";
import type { Shape } from "./shape-types";

const got = (v: unknown) => JSON.stringify(v);
const bool = (description?: string): Shape => ({ kind: "bool", description });
const int = (min: number, description?: string): Shape => ({ kind: "int", min, description });
const duration: Shape = { kind: "pattern", source: DURATION_PATTERN, number: "positive", description: "A duration: 90s, 10m, 1h, 250ms (a bare number is seconds)", message: (v) => `must be a duration like 90s, 10m or 1h, got ${got(v)}` };

/** `settle:` before every run: sync (default), true (sync, then wait for a quiet disk), false, or the wait's settings. */
export const settle: Shape = {
  kind: "anyOf",
  def: "settle",
  description: "before every run, outside the timed window: sync (the default: sync(1) after the reset), true (sync, then wait until the workspace's disks are quiet), false (neither), or the wait's settings",
  message: (v) => `must be true, false, sync, or a mapping of the wait's settings, got ${got(v)}`,
  options: [
    { kind: "bool" },
    { kind: "enum", values: ["sync"] },
    {
      kind: "map",
      what: "settle",
      keys: {
        sync: bool("run sync(1) before waiting (default true)"),
        drain_mib_s: { kind: "number", min: 0.01, why: "the disk counts as quiet below this write rate, MiB/s", description: `quiet below this write rate, MiB/s (default ${DEFAULTS.settle.drainMibPerSec})` },
        quiet_samples: int(1, `consecutive quiet samples needed (default ${DEFAULTS.settle.quietSamples})`),
        max_wait: { ...duration, description: `stop waiting after this long; the run goes on and records "max-wait" (default ${DEFAULTS.settle.maxWaitMs / 1000}s)` },
        sample_ms: { kind: "int", min: 10, description: `milliseconds between two /proc/diskstats reads (default ${DEFAULTS.settle.sampleMs})` },
      },
    },
  ],
};
export const gate: Shape = { kind: "enum", values: ["bootstrap", "paired"], def: "gate", description: "which interval decides the time gate: bootstrap (default: the ratio of mean times, the user's rule) or paired (the median per-round ratio with an exact sign-test interval; needs runs ≥ 6)" };
export const gateOn: Shape = { kind: "enum", values: ["returned", "durable"], def: "gateOn", description: "which time the gate uses: returned (the tool exited) or durable (returned + the destination flushed; needs durable: true)" };
export const state: Shape = { kind: "enum", values: ["fresh", "shared"], def: "state", description: "{state}: a fresh empty directory for every run (default), or one per tool kept across runs (shared)" };
export const durable: Shape = bool("flush the destination's file system after the tool returns, inside the timed window (syncfs; F_FULLFSYNC on macOS; FlushFileBuffers on Windows): results carry returned and durable times");

export const preflight: Shape = {
  kind: "anyOf",
  description: "before the first run and before each scenario: load, forbidden processes, timer, free memory; a failure ends the run (exit 7) unless --force; false turns it off",
  message: (v) => `must be true, false or a mapping (max_load, forbid_processes), got ${got(v)}`,
  options: [
    { kind: "bool" },
    {
      kind: "map",
      what: "preflight",
      keys: {
        max_load: { kind: "number", min: 0, description: `highest 1-minute load average (default: cores × ${DEFAULTS.preflight.maxLoadPerCore})` },
        forbid_processes: { kind: "list", minItems: 0, items: { kind: "name" }, message: () => "must be a list of process names", description: `process names (as the kernel shows them) that must not be running (default: ${DEFAULTS.preflight.forbidProcesses.join(", ")})` },
      },
    },
  ],
};
