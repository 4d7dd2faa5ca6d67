// Each scenario's source: the cached dataset (and for incremental/resync the changed tree and its base mirror).

import fs from "node:fs";
import path from "node:path";
import { consoleProgress, datasetPaths, DatasetSpaceError, ensureDataset, specHash } from "./datasets";
import { BenchError } from "./errors";
import type { ScenarioSource } from "./execute";
import { oldLines, type Log } from "./log";
import type { ScenarioSpec, WorkloadSpec } from "./types";
import { formatBytes } from "./units";

export interface PreparedSource {
  source: ScenarioSource;
  datasetHash: string;
  reused: boolean;
  changes: unknown;
}

/** Where the tools will read from, known from the spec alone (for --dry-run). */
export function expectedSourceDir(w: WorkloadSpec, datasetsRoot: string): string {
  const p = datasetPaths(datasetsRoot, specHash(w.dataset));
  return w.kind === "copy" ? p.tree : `${p.dir}/<${w.kind} source, prepared at run time>`;
}

/** Up to this size a group is "small files" in the old script's wording. */
const SMALL_FILE_MAX_BYTES = 1024 * 1024;

function announce(s: ScenarioSpec, datasetsRoot: string, log: Log): void {
  const p = datasetPaths(datasetsRoot, specHash(s.workload.dataset));
  // The old script's "Generating …" lines only when we will generate; a cached dataset says so instead.
  if (fs.existsSync(p.complete)) {
    log.line(`Reusing cached dataset ${path.basename(p.dir)} (quick check of sizes and mtimes)`);
    return;
  }
  for (const g of s.workload.dataset.groups) {
    const each = g.minBytes === g.maxBytes ? String(g.minBytes) : `${g.minBytes}-${g.maxBytes}`;
    if (g.count === 1) log.line(oldLines.generatingPayload(Math.round(g.minBytes / 1048576)));
    else if (g.maxBytes <= SMALL_FILE_MAX_BYTES) log.line(oldLines.generatingSmall(g.count, each));
    else log.line(`Generating ${g.count} files (${each} bytes each)...`);
  }
}

export async function prepareSources(
  s: ScenarioSpec,
  datasetsRoot: string,
  log: Log,
  opts: { verifyDataset: boolean; isTTY: boolean },
): Promise<PreparedSource> {
  announce(s, datasetsRoot, log);
  // A bar on a terminal; otherwise one line at the start and one at the end, on the console and in the log.
  const progress = consoleProgress(opts.isTTY ? process.stderr : { isTTY: false, write: (x: string) => log.line(x.replace(/\n$/, "")) });
  let base;
  try {
    base = await ensureDataset(s.workload.dataset, datasetsRoot, { verifyDataset: opts.verifyDataset, progress });
  } catch (e) {
    if (e instanceof DatasetSpaceError) {
      throw new BenchError(e.message, { key: `scenarios.${s.name}.workload`, hint: "free space, point workspace: (or BENCH_ROOT) at a larger disk, or shrink the workload", cause: e });
    }
    throw e;
  }
  // The manifest already counts them: no second pass over every file's size.
  const totals = { files: base.manifest.fileCount, bytes: base.manifest.totalBytes };
  log.line(oldLines.payloadSize(`${formatBytes(totals.bytes)} in ${totals.files} file(s)${base.reused ? " (cached dataset reused)" : ""}`));
  const hash = specHash(s.workload.dataset);
  if (s.workload.kind === "copy") {
    return { source: { srcDir: base.dir, manifest: base.manifest, restore: null }, datasetHash: hash, reused: base.reused, changes: null };
  }
  // Loaded only when a scenario needs it.
  const { prepareIncremental, restoreMirror } = await import("./incremental");
  const inc = await prepareIncremental(base, s.workload, datasetsRoot);
  if (inc.changes) {
    const c = inc.changes;
    log.line(`Change set: ${c.touched} touched, ${c.deleted} deleted, ${c.added} added (${formatBytes(c.addedBytes)}), ${c.renamed} renamed`);
  }
  return {
    source: { srcDir: inc.srcDir, manifest: inc.srcManifest, restore: (dst: string) => restoreMirror(inc.baseMirrorDir, dst) },
    datasetHash: hash,
    reused: base.reused,
    changes: inc.changes,
  };
}
