// Each scenario's source: the cached dataset (and for incremental/resync the changed tree and its base mirror).

import fs from "node:fs";
import path from "node:path";
import { invalidateDataset } from "./check";
import { consoleProgress, datasetPaths, DatasetSpaceError, ensureDataset, specHash } from "./generate";
import { BenchError } from "../errors";
import { describeReplaced, dropLink, ensureRealDir, lstatOrNull, type Replaced } from "../safe-fs";
import type { ScenarioSource } from "../run/execute";
import { oldLines, type Log } from "../log";
import type { ScenarioSpec, WorkloadSpec } from "../types";
import { formatBytes } from "../units";
import { inWorkspace, workspaceReal } from "../workspace";

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

/**
 * Everything under <workspace>/datasets is the harness's: the folder itself, each dataset folder and
 * what sits directly in it must not be links (a link would make regeneration delete or write
 * outside the workspace). Links found there are removed as links (the dataset is then regenerated);
 * the trees below are never followed. Returns the warning lines.
 */
function containDatasets(datasetsRoot: string): string[] {
  const workspace = path.dirname(datasetsRoot);
  const real = inWorkspace(workspace, datasetsRoot);
  const lines = ensureRealDir(workspaceReal(workspace), real).map((r) => describeReplaced(r));
  const inner: Replaced[] = [];
  for (const name of fs.readdirSync(real)) {
    const dir = path.join(real, name);
    const r = dropLink(dir);
    if (r) inner.push(r);
    else if (lstatOrNull(dir)?.isDirectory()) for (const entry of fs.readdirSync(dir)) {
      const re = dropLink(path.join(dir, entry));
      if (re) inner.push(re);
    }
  }
  return [...lines, ...inner.map((r) => describeReplaced(r, "(the dataset is regenerated)"))];
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
      return await ensureDataset(s.workload.dataset, datasetsRoot, { verifyDataset, progress, onRegenerate: onRegenerate(hash) });
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
  // Loaded only when a scenario needs it.
  const { prepareIncremental, restoreMirror } = await import("./changes");
  const changed = (b: typeof base) => prepareIncremental(b, s.workload, datasetsRoot, (why) => log.line(`Regenerating the changed tree of dataset ${hash}: ${why}`));
  const inc = await changed(base);
  const rebuild = async () => void (await changed(await dataset(false)));
  if (inc.changes) {
    const c = inc.changes;
    log.line(`Change set: ${c.touched} touched, ${c.deleted} deleted, ${c.added} added (${formatBytes(c.addedBytes)}), ${c.renamed} renamed`);
  }
  return {
    source: { srcDir: inc.srcDir, manifest: inc.srcManifest, restore: (dst: string) => restoreMirror(inc.baseMirrorDir, dst), invalidate: invalidate(inc.srcDir), rebuild },
    datasetHash: hash,
    reused: base.reused,
    changes: inc.changes,
  };
}
