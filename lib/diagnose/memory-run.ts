// Measuring memory growth: each tool's peak RSS at each configured file count, then the fit (memory-scaling.ts).

import { oneLine } from "../errors";
import { fitScaling } from "./memory-scaling";
import type { Part, ScalingFit, ScalingPoint } from "./types";

export interface ScalingRunRequest {
  counts: number[];
  tools: string[];
  /** The scenario's dataset with its file count scaled to `files` (the datasets stage builds and caches it); its root. */
  source(files: number): Promise<string>;
  /** One run of the tool on that source through the run stage's meter: its peak RSS in bytes, or why there is none. */
  peak(tool: string, src: string, files: number): Promise<number | string>;
  /** Runs per (tool, count); the median peak is fitted. */
  repeats?: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Counts in ascending order, every tool at a count before the next count (one dataset on disk at a time).
 * The first run that gives no peak fails the whole part with its reason: a fit over missing points would mislead.
 */
export async function measureScaling(req: ScalingRunRequest): Promise<Part<ScalingFit[]>> {
  const points = new Map<string, ScalingPoint[]>(req.tools.map((t) => [t, []]));
  try {
    for (const files of [...req.counts].sort((a, b) => a - b)) {
      const src = await req.source(files);
      for (const tool of req.tools) {
        const peaks: number[] = [];
        for (let i = 0; i < Math.max(1, req.repeats ?? 1); i++) {
          const p = await req.peak(tool, src, files);
          if (typeof p === "string") return { state: "failed", reason: `${tool} at ${files} files: ${p}` };
          peaks.push(p);
        }
        points.get(tool)!.push({ files, peakBytes: median(peaks) });
      }
    }
  } catch (e) {
    return { state: "failed", reason: oneLine(e) };
  }
  return { state: "completed", value: req.tools.map((t) => fitScaling(t, points.get(t)!)) };
}
