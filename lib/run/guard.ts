// No run can stop the benchmark: each slot's work is guarded, so whatever throws or overruns becomes that run's failed record and the next slot goes on.

import { DEFAULTS } from "../defaults";
import { oneLine } from "../errors";
import type { Log } from "../log";
import type { PlannedRun, RunRecord } from "../types";
import { realClock, type Clock } from "./executor";
import type { SlotRunner } from "./timing";

/** The key of a slot and of its planned run: "<tool>/<phase>/<index>". */
export const slotKey = (r: { tool: string; phase: string; index: number }) => `${r.tool}/${r.phase}/${r.index}`;

class SlotOverrun extends Error {}

export interface GuardOptions {
  runs: Map<string, PlannedRun>;
  records: RunRecord[];
  log: Log;
  /** How long one slot (harness steps and the tool together) may take before it is failed and abandoned. */
  budgetMs: number;
  /** Stops what still works for an abandoned slot: its tool tree, the data workers (executor and harness). */
  abandon?: () => void;
  clock?: Clock;
}

/**
 * No run can stop the benchmark: whatever throws in a slot's work (reset, cache, restore, verify: ELOOP,
 * ENAMETOOLONG, EACCES, ENOSPC …) becomes that run's failed record, with the reason on the console, and
 * the next slot goes on. A slot over its budget is failed the same way and abandoned: its tool tree is
 * killed, the worker pools working for it are terminated, and whatever it records later is dropped.
 * (A step stuck inside one synchronous system call, e.g. on a hung NFS mount, cannot be interrupted from
 * this thread: the timer fires only when the event loop runs.)
 */
export function guardSlots(exec: SlotRunner, o: GuardOptions): { run: SlotRunner; records(): RunRecord[] } {
  const abandoned = new Map<string, RunRecord>();
  const clock = o.clock ?? realClock;
  const run: SlotRunner = async (slot) => {
    const planned = o.runs.get(slotKey(slot))!;
    const before = o.records.length;
    const startNs = clock.nowNs();
    let timer: Timer | undefined;
    const overrun = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new SlotOverrun()), o.budgetMs);
    });
    try {
      return await Promise.race([exec(slot), overrun]);
    } catch (e) {
      const over = e instanceof SlotOverrun;
      if (over) o.abandon?.();
      const reason = over
        ? `the run took longer than its budget of ${(o.budgetMs / 1000).toFixed(1)}s (the tool's timeout, the same again for the harness's own steps, plus ${DEFAULTS.harnessGraceMs / 1000}s grace) and was abandoned`
        : oneLine(e);
      o.log.error(`error: ${planned.label} run failed: ${reason}`);
      const rec: RunRecord = {
        scenario: planned.scenario,
        tool: planned.tool,
        phase: planned.phase,
        index: planned.index,
        round: planned.round,
        state: "failed",
        exitCode: null,
        measure: null,
        reason,
        cache: planned.cache === "keep" ? "kept" : "unknown",
        residentFraction: null,
        slotNs: clock.nowNs() - startNs,
      };
      if (over) abandoned.set(slotKey(slot), rec);
      // A run that recorded its outcome before something later threw keeps that record.
      if (over || o.records.length === before) o.records.push(rec);
      return Number.NaN;
    } finally {
      clearTimeout(timer);
    }
  };
  const records = () =>
    o.records.filter((r) => {
      const own = abandoned.get(slotKey(r));
      return !own || own === r;
    });
  return { run, records };
}
