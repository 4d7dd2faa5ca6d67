// Each scenario's source: the cached dataset (and for incremental/resync the changed tree and its base mirror).

import path from "node:path";
import { BenchError } from "../errors";
import { oldLines, type Log } from "../log";
import { specHash } from "../paths";
import type { ScenarioSpec } from "../types";
import { formatBytes } from "../units";
import { containDatasets } from "../workspace";
import { prepareIncremental, type ChangeSummary } from "./changes";
import { invalidateDataset } from "./check";
import type { Manifest } from "./manifest";
import { announce, consoleProgress } from "./progress";
import { BaseMirror } from "./restore";
import { DatasetSpaceError, ensureDataset } from "./store";

/** What the run stage needs of a scenario's source: where it is, what it holds, and how to reset, invalidate and rebuild it. */
export interface ScenarioSource {
  srcDir: string;
  manifest: Manifest;
  /** For incremental/resync: makes a destination the base mirror again before each run. */
  restore: ((dst: string) => Promise<void>) | null;
  /** Marks the cached source invalid (a tool modified it), so its next use regenerates it. */
  invalidate?: (reason: string) => void;
  /** Regenerates a source a tool modified, at the same path. */
  rebuild?: () => Promise<void>;
}

export interface PreparedSource {
  source: ScenarioSource;
  datasetHash: string;
  reused: boolean;
  changes: ChangeSummary | null;
}

export async function prepareSources(
  s: ScenarioSpec,
  datasetsRoot: string,
  log: Log,
  opts: { verifyDataset: boolean; isTTY: boolean },
): Promise<PreparedSource> {
  for (const l of containDatasets(datasetsRoot)) log.error(l);
  announce(s, datasetsRoot, log);
  // A bar on a terminal; otherwise one line at the start and one at the end, on the console and in the log.
  const progress = consoleProgress(opts.isTTY ? process.stderr : { isTTY: false, write: (x: string) => log.line(x.replace(/\n$/, "")) });
  const hash = specHash(s.workload.dataset);
  const onRegenerate = (h: string) => (why: string) => log.line(`Regenerating dataset ${h}: ${why}`);
  const dataset = async (verifyDataset: boolean) => {
    try {
      return await ensureDataset(s.workload.dataset, datasetsRoot, { verifyDataset, progress, onRegenerate: onRegenerate(hash), onNote: (line) => log.line(line) });
    } catch (e) {
      if (e instanceof DatasetSpaceError) {
        throw new BenchError(e.message, { key: `scenarios.${s.name}.workload`, hint: "free space, point workspace: (or BENCH_ROOT) at a larger disk, or shrink the workload", cause: e });
      }
      throw e;
    }
  };
  const base = await dataset(opts.verifyDataset);
  // The manifest already counts them: no second pass over every file's size.
  const totals = { files: base.manifest.fileCount, bytes: base.manifest.totalBytes };
  log.line(oldLines.payloadSize(`${formatBytes(totals.bytes)} in ${totals.files} file(s)${base.reused ? " (cached dataset reused)" : ""}`));
  // A source a tool damaged: its cached dataset is marked invalid at once, and rebuilt before the next run.
  const invalidate = (srcDir: string) => (reason: string) => invalidateDataset(path.dirname(srcDir), reason);
  if (s.workload.kind === "copy") {
    const rebuild = async () => void (await dataset(false));
    return { source: { srcDir: base.dir, manifest: base.manifest, restore: null, invalidate: invalidate(base.dir), rebuild }, datasetHash: hash, reused: base.reused, changes: null };
  }
  const changed = (b: typeof base) => prepareIncremental(b, s.workload, datasetsRoot, (why) => log.line(`Regenerating the changed tree of dataset ${hash}: ${why}`));
  const inc = await changed(base);
  const rebuild = async () => void (await changed(await dataset(false)));
  // One per scenario: what it remembers about its destinations ends with the scenario.
  const mirror = new BaseMirror(inc.baseMirrorDir);
  if (inc.changes) {
    const c = inc.changes;
    log.line(`Change set: ${c.touched} touched, ${c.deleted} deleted, ${c.added} added (${formatBytes(c.addedBytes)}), ${c.renamed} renamed`);
  }
  return {
    source: { srcDir: inc.srcDir, manifest: inc.srcManifest, restore: (dst: string) => mirror.restore(dst), invalidate: invalidate(inc.srcDir), rebuild },
    datasetHash: hash,
    reused: base.reused,
    changes: inc.changes,
  };
}
