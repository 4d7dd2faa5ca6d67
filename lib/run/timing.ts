// Timing through mitata: one measure() per tool, interleaved by a turn-taking scheduler in the plan's order.

import { measure } from "mitata";
import mitataPkg from "mitata/package.json" with { type: "json" };
import type { RunPhase } from "../types";

export interface Slot {
  tool: string;
  phase: RunPhase;
  index: number;
  round: number;
}

/** What one slot's execution reports back: the timed sample (ns) or NaN when the run produced none. */
export type SlotRunner = (slot: Slot) => Promise<number>;

/**
 * mitata settings that give exactly `runs` samples and keep them all:
 * no auto-warmup (we schedule warmups), no batching, no trimming of fastest/slowest, no GC between samples.
 */
export function samplingOptions(runs: number) {
  return {
    min_samples: runs,
    max_samples: runs,
    min_cpu_time: 0,
    warmup_samples: 0,
    warmup_threshold: -1,
    batch_threshold: -1,
    samples_threshold: Number.POSITIVE_INFINITY,
    gc: false as const,
  };
}

export const ENGINE = { name: "mitata", version: mitataPkg.version, api: "measure(generator yielding manual())" };

export class Aborted extends Error {}

/**
 * Hands the turn to slots strictly in order; each tool's measure() loop waits for its own next slot.
 * A tool whose loop has ended for good is retired, so nobody waits on a slot it will never take.
 */
export class Turns {
  private next = 0;
  private waiters = new Map<string, () => void>();
  private retired = new Set<string>();
  private aborted: Error | null = null;
  constructor(private order: Slot[]) {}

  current(): Slot | undefined {
    return this.order[this.next];
  }

  async wait(tool: string): Promise<Slot> {
    if (this.aborted) throw this.aborted;
    if (this.current()?.tool !== tool) {
      await new Promise<void>((resolve) => this.waiters.set(tool, resolve));
      if (this.aborted) throw this.aborted;
    }
    return this.current()!;
  }

  done(): void {
    this.next++;
    this.handOver();
  }

  /** Skips the tool's remaining slots (its loop died); returns how many were skipped. */
  retire(tool: string): number {
    this.retired.add(tool);
    const skipped = this.order.slice(this.next).filter((s) => s.tool === tool).length;
    this.handOver();
    return skipped;
  }

  private handOver(): void {
    while (this.current() && this.retired.has(this.current()!.tool)) this.next++;
    const slot = this.current();
    if (slot) {
      const w = this.waiters.get(slot.tool);
      this.waiters.delete(slot.tool);
      w?.();
    }
  }

  abort(e: Error): void {
    this.aborted = e;
    for (const w of this.waiters.values()) w();
    this.waiters.clear();
  }
}

export interface ToolTiming {
  tool: string;
  /** mitata's own summary of the samples it took (ns); kept for cross-checking our statistics. */
  mitata: { avg: number; min: number; max: number; p50: number; samples: number } | null;
  error: string | null;
}

export interface Interleaved {
  run(): Promise<ToolTiming[]>;
  abort(e: Error): void;
}

/**
 * Runs every slot of `order` exactly once, in order. mitata's first (untimed) call of each tool's
 * measure() performs that tool's warmups; its `runs` samples are the measured slots.
 */
export function interleave(order: Slot[], tools: string[], runs: number, exec: SlotRunner): Interleaved {
  const turns = new Turns(order);
  const slotErrors = new Map<string, string>();
  // exec should not throw (execute.ts turns every error into a failed run); if it does, the slot yields no
  // sample and the tool's loop goes on, so the turns keep moving.
  const take = async (tool: string): Promise<number> => {
    const slot = await turns.wait(tool);
    try {
      return await exec(slot);
    } catch (e: any) {
      if (!slotErrors.has(tool)) slotErrors.set(tool, `${slot.phase} run ${slot.index} threw: ${String(e?.message ?? e)}`);
      return Number.NaN;
    } finally {
      turns.done();
    }
  };
  const perTool = async (tool: string): Promise<ToolTiming> => {
    const warmups = order.filter((s) => s.tool === tool && s.phase === "warmup").length;
    let primed = false;
    try {
      const stats: any = await measure(
        function* () {
          yield {
            manual: async () => {
              if (!primed) {
                primed = true;
                for (let i = 0; i < warmups; i++) await take(tool);
                return 0;
              }
              return await take(tool);
            },
          };
        },
        samplingOptions(runs),
      );
      const samples: number[] = stats.samples ?? [];
      return {
        tool,
        mitata: { avg: stats.avg, min: stats.min, max: stats.max, p50: stats.p50, samples: samples.length },
        error: slotErrors.get(tool) ?? null,
      };
    } catch (e: any) {
      if (e instanceof Aborted) return { tool, mitata: null, error: "aborted" };
      const skipped = turns.retire(tool);
      return { tool, mitata: null, error: `${String(e?.message ?? e)}${skipped ? `; its ${skipped === 1 ? "1 remaining run was" : `${skipped} remaining runs were`} skipped` : ""}` };
    }
  };
  return {
    run: () => Promise.all(tools.map(perTool)),
    abort: (e) => turns.abort(e),
  };
}
