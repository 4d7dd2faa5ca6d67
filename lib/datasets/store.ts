// The dataset cache: a spec's tree built once into a temp folder and renamed into place (the `complete` marker last), reused while its checks pass.
//
// Generation happens in <datasetsRoot>/.tmp-<specHash>-<pid>-<n>/ and is renamed into place, so a
// half-written dataset never carries the `complete` marker.
import * as fs from "node:fs";
import * as path from "node:path";
import { pidAlive } from "../lock";
import { datasetPaths, specHash } from "../paths";
import { removeEntry } from "../safe-fs";
import type { DatasetSpec } from "../types";
import { formatBytes } from "../units";
import { invalidReason, structureCheck } from "./check";
import { describeSpec, generateTree } from "./generate";
import { manifestMovedTo, quickCheck, type Manifest, type ManifestEntry } from "./manifest";
import { HashStream, poolFor } from "./pool";
import type { Progress } from "./progress";
import { diskBytesNeeded } from "./totals";
import { openManifest } from "./upgrade";

export { openManifest };

export interface DatasetHandle {
  dir: string;
  manifest: Manifest;
  reused: boolean;
  generateMs: number;
}

/** Not enough disk for a dataset; message names the dataset and the space needed. */
export class DatasetSpaceError extends Error {
  constructor(
    message: string,
    readonly specHash: string,
    readonly neededBytes: number,
    readonly freeBytes: number,
  ) {
    super(message);
    this.name = "DatasetSpaceError";
  }
}

/** Full check: the tree's structure (extras, types, modes, links) and every file's content hash against the manifest, streamed. */
export async function deepCheck(treeDir: string, manifest: Manifest, progress?: Progress): Promise<string | null> {
  const wrong = structureCheck(treeDir, manifest);
  if (wrong) return wrong;
  const pool = poolFor(manifest.fileCount, manifest.totalBytes, "io");
  let problem: string | null = null;
  try {
    progress?.start(`checking dataset ${manifest.specHash}`, manifest.fileCount, manifest.totalBytes);
    const hashes = new HashStream<ManifestEntry>(pool, (es, rs) => {
      let bytes = 0;
      es.forEach((e, i) => {
        bytes += e.size;
        if (problem) return;
        if (rs[i]!.error) problem = `${e.path}: ${rs[i]!.error}`;
        else if (rs[i]!.hash !== e.hash) problem = `${e.path} content differs from the manifest`;
      });
      progress?.tick(es.length, bytes);
    });
    for (const e of manifest.entries()) {
      if (problem) break;
      if (e.type === "file" && !e.linkOf) await hashes.add(e, path.join(treeDir, e.path), e.size);
    }
    await hashes.finish();
    progress?.end();
    return problem;
  } finally {
    pool.close();
  }
}

function writeFileDurable(file: string, data: string): void {
  const fd = fs.openSync(file, "w", 0o644);
  try {
    fs.writeSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Remove leftovers of interrupted generations of this hash whose process is gone. */
function removeStaleTemps(datasetsRoot: string, hash: string): void {
  let names: string[] = [];
  try {
    names = fs.readdirSync(datasetsRoot);
  } catch {
    return;
  }
  for (const n of names) {
    const m = /^\.tmp-([0-9a-f]+)-(\d+)-\d+$/.exec(n);
    if (!m || m[1] !== hash) continue;
    const pid = Number(m[2]);
    if (pid === process.pid || !pidAlive(pid)) removeEntry(path.join(datasetsRoot, n));
  }
}

let tempCounter = 0;

/** Generate into a temp dir then rename into place; the `complete` marker is the last write. */
export async function buildCached(
  datasetsRoot: string,
  hash: string,
  label: string,
  neededBytes: number,
  build: (treeDir: string, manifestFile: string) => Promise<Manifest>,
): Promise<{ dir: string; manifest: Manifest }> {
  const p = datasetPaths(datasetsRoot, hash);
  fs.mkdirSync(datasetsRoot, { recursive: true });
  const sf = fs.statfsSync(datasetsRoot);
  const freeBytes = Number(sf.bavail) * Number(sf.bsize);
  const spaceError = (why: string) =>
    new DatasetSpaceError(
      `dataset ${hash} (${label}) needs ${formatBytes(neededBytes)}, ${formatBytes(freeBytes)} free on the filesystem of ${datasetsRoot}${why}`,
      hash,
      neededBytes,
      freeBytes,
    );
  if (neededBytes > freeBytes) throw spaceError("");
  const tmp = path.join(datasetsRoot, `.tmp-${hash}-${process.pid}-${tempCounter++}`);
  removeEntry(tmp);
  fs.mkdirSync(tmp);
  try {
    const tree = path.join(tmp, "tree");
    fs.mkdirSync(tree);
    const written = await build(tree, path.join(tmp, "manifest.bin"));
    try {
      fs.renameSync(tmp, p.dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if ((code === "ENOTEMPTY" || code === "EEXIST") && fs.existsSync(p.complete)) {
        // Someone else finished the same dataset first; theirs is as good as ours.
        removeEntry(tmp);
        return { dir: p.tree, manifest: openManifest(p.dir) };
      }
      throw e;
    }
    writeFileDurable(p.complete, new Date().toISOString() + "\n");
    return { dir: p.tree, manifest: manifestMovedTo(written, p.manifest) };
  } catch (e) {
    removeEntry(tmp);
    if ((e as NodeJS.ErrnoException).code === "ENOSPC") throw spaceError(" (ran out of space while writing)");
    throw e;
  }
}

export async function ensureDataset(
  spec: DatasetSpec,
  datasetsRoot: string,
  opts: { verifyDataset?: boolean; progress?: Progress; onRegenerate?: (why: string) => void; onNote?: (line: string) => void } = {},
): Promise<DatasetHandle> {
  const hash = specHash(spec);
  const p = datasetPaths(datasetsRoot, hash);
  const t0 = performance.now();
  removeStaleTemps(datasetsRoot, hash);
  if (fs.existsSync(p.complete)) {
    try {
      const manifest = openManifest(p.dir);
      const quick = quickCheck(p.tree, manifest);
      const deep = !quick && opts.verifyDataset ? await deepCheck(p.tree, manifest, opts.progress) : null;
      if (!quick && !deep) return { dir: p.tree, manifest, reused: true, generateMs: performance.now() - t0 };
      opts.onRegenerate?.(quick ? `quick check found ${quick}` : `--verify-dataset found ${deep}`);
    } catch (e) {
      opts.onRegenerate?.(`its manifest is unreadable (${(e as Error).message})`);
    }
  } else {
    const invalid = invalidReason(p.dir);
    if (invalid) opts.onRegenerate?.(`marked invalid (${invalid})`);
  }
  // Incomplete, damaged or stale: it is ours, so start over.
  removeEntry(p.dir);
  const { dir, manifest } = await buildCached(datasetsRoot, hash, `spec ${describeSpec(spec)}`, diskBytesNeeded(spec), (tree, manifestFile) =>
    generateTree(spec, tree, hash, manifestFile, opts.progress, opts.onNote),
  );
  return { dir, manifest, reused: false, generateMs: performance.now() - t0 };
}
