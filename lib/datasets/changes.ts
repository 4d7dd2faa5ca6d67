// Incremental and resync sources: the deterministic change set over a base dataset, built once into its own cached tree.
//
// Decisions (where the issue was silent):
// - The base mirror IS the cached base dataset tree (read-only by convention), so no extra copy.
//   "incremental": src = a cached copy of the base with the change set applied, in
//   <datasetsRoot>/<baseHash>-c<changesHash>/tree (same temp-dir + `complete` protocol as datasets).
//   "resync": src = base mirror = the base tree.
// - Change set: candidates are the base's regular files that are neither hard-linked nor symlink
//   targets (so no link dangles), shuffled by the dataset seed; touch, delete and rename take
//   disjoint slices in that order. Touch rewrites a file with the same size and content kind, new
//   bytes and mtime CHANGE_MTIME_MS; add writes `added-<k>.dat` (random, addBytes) into leaf dirs
//   picked by the seed; rename prefixes the name with "renamed-" in the same dir. Dirs whose
//   entries changed get CHANGE_MTIME_MS. Asking for more changes than candidates is an error.
import * as fs from "node:fs";
import * as path from "node:path";
import { FIXED_MTIME_MS } from "../layout";
import { changedTreeHash, datasetPaths } from "../paths";
import { contentKey, Rng } from "../prng";
import { removeEntry } from "../safe-fs";
import type { ChangeSetSpec, WorkloadSpec } from "../types";
import { invalidReason } from "./check";
import { cmpTreeOrder, ManifestWriter, quickCheck, type Manifest, type ManifestEntry } from "./manifest";
import { batchBySize, poolFor } from "./pool";
import { BaseMirror } from "./restore";
import { buildCached, openManifest, type DatasetHandle } from "./store";
import { planEntries } from "./tree";
import { combineChunkHashes, type ContentDesc, type WritePiece } from "./content";

export interface ChangeSummary {
  touched: number;
  deleted: number;
  added: number;
  addedBytes: number;
  renamed: number;
  bytesChanged: number;
}
export interface IncrementalHandle {
  srcDir: string;
  srcManifest: Manifest;
  baseMirrorDir: string;
  changes: ChangeSummary | null;
}


export const CHANGE_MTIME_MS = FIXED_MTIME_MS + 86_400_000;
/** Keystream stream ids of changed content, far from the generator's (group index, file index). */
const TOUCH_STREAM = 0x7f000001;
const ADD_STREAM = 0x7f000002;

/** What a change set may pick: plain files (not hard-linked, not a symlink's target), by manifest position. */
function changeCandidates(m: Manifest): { positions: Uint32Array; count: number; fileDirs: string[] } {
  const targets = new Set<string>();
  for (const e of m.entries()) if (e.type === "symlink" && e.target) targets.add(path.posix.normalize(path.posix.join(path.posix.dirname(e.path), e.target)));
  const positions = new Uint32Array(m.fileCount);
  const dirs = new Set<string>();
  let count = 0;
  let i = 0;
  for (const e of m.entries()) {
    const at = i++;
    if (e.type !== "file") continue;
    if (!e.linkOf) dirs.add(path.posix.dirname(e.path));
    if (!e.linkOf && !e.linked && !targets.has(e.path)) positions[count++] = at;
  }
  return { positions, count, fileDirs: [...dirs] };
}

/** Problems with a change set against its base (too many changes for the files available). */
export function checkChanges(base: Manifest, c: ChangeSetSpec): string[] {
  const { count, fileDirs } = changeCandidates(base);
  const need = c.touch + c.delete + c.rename;
  const out: string[] = [];
  if (need > count) out.push(`changes: touch + delete + rename = ${need} but the dataset has only ${count} plain files to change`);
  if (c.add > 0 && fileDirs.length === 0) out.push("changes.add: the dataset has no directory with files to add to");
  return out;
}

export async function prepareIncremental(
  base: DatasetHandle,
  workload: WorkloadSpec,
  datasetsRoot: string,
  onRegenerate?: (why: string) => void,
): Promise<IncrementalHandle> {
  if (workload.kind !== "incremental" || !workload.changes) {
    return { srcDir: base.dir, srcManifest: base.manifest, baseMirrorDir: base.dir, changes: workload.kind === "incremental" ? zeroSummary() : null };
  }
  const c = workload.changes;
  const problems = checkChanges(base.manifest, c);
  if (problems.length) throw new Error(`incremental change set on dataset ${base.manifest.specHash}: ${problems.join("; ")}`);
  const hash = changedTreeHash(base.manifest.specHash, c);
  const p = datasetPaths(datasetsRoot, hash);
  if (fs.existsSync(p.complete)) {
    try {
      const m = openManifest(p.dir);
      const summary = m.changeSummary as ChangeSummary | undefined;
      if (summary && !quickCheck(p.tree, m)) return { srcDir: p.tree, srcManifest: m, baseMirrorDir: base.dir, changes: summary };
    } catch {
      // fall through and rebuild
    }
  } else {
    const invalid = invalidReason(p.dir);
    if (invalid) onRegenerate?.(`marked invalid (${invalid})`);
  }
  removeEntry(p.dir);
  const needed = base.manifest.totalBytes + c.add * c.addBytes + base.manifest.entryCount * 4096;
  const { manifest } = await buildCached(datasetsRoot, hash, `base ${base.manifest.specHash} + changes ${JSON.stringify(c)}`, needed, async (tree, manifestFile) => {
    await new BaseMirror(base.dir, base.manifest).restore(tree);
    return applyChanges(tree, base.manifest, workload, hash, manifestFile);
  });
  return { srcDir: p.tree, srcManifest: manifest, baseMirrorDir: base.dir, changes: (manifest.changeSummary as ChangeSummary | undefined) ?? zeroSummary() };
}

function zeroSummary(): ChangeSummary {
  return { touched: 0, deleted: 0, added: 0, addedBytes: 0, renamed: 0, bytesChanged: 0 };
}

/** Apply the change set to `tree` (an exact copy of the base) and write its manifest: one pass to pick, one to write. */
export async function applyChanges(tree: string, base: Manifest, workload: WorkloadSpec, hash: string, manifestFile: string): Promise<Manifest> {
  const c = workload.changes!;
  const seed = workload.dataset.seed;
  const rng = new Rng(seed, 0x43484e47);
  const { positions, count, fileDirs } = changeCandidates(base);
  const cand = positions.subarray(0, count);
  for (let i = cand.length - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    const t = cand[i]!;
    cand[i] = cand[j]!;
    cand[j] = t;
  }
  const action = new Map<number, "touch" | "delete" | "rename">();
  cand.subarray(0, c.touch).forEach((at) => action.set(at, "touch"));
  cand.subarray(c.touch, c.touch + c.delete).forEach((at) => action.set(at, "delete"));
  cand.subarray(c.touch + c.delete, c.touch + c.delete + c.rename).forEach((at) => action.set(at, "rename"));
  const picked = new Map<number, ManifestEntry>();
  let at = 0;
  for (const e of base.entries()) if (action.has(at++)) picked.set(at - 1, e);

  const changedDirs = new Set<string>();
  const summary = zeroSummary();
  const pieces: WritePiece[] = [];
  const pieceEntries: ManifestEntry[] = [];
  const replaced = new Map<number, ManifestEntry>(); // touched, by base position
  const inserts: ManifestEntry[] = []; // renamed and added, new paths
  const touchedPaths = new Map<string, number>();
  for (const [pos, e] of picked) if (action.get(pos) === "touch") touchedPaths.set(e.path, pos);
  const descOf = new Map<string, ContentDesc>();
  if (touchedPaths.size) for (const f of planEntries(workload.dataset)) if (f.kind === "file" && touchedPaths.has(f.path)) descOf.set(f.path, f.desc);
  let k = 0;
  for (const [pos, e] of picked) {
    const what = action.get(pos)!;
    const dir = path.posix.dirname(e.path);
    if (what === "touch") {
      const d = descOf.get(e.path) ?? { content: "random", a: 0, b: 0, sizeBytes: e.size, compressRatio: 1 };
      pieces.push({ path: path.join(tree, e.path), desc: { ...d, a: TOUCH_STREAM, b: k++ }, offsetBytes: 0, lengthBytes: e.size, whole: true, mode: e.mode, mtimeMs: CHANGE_MTIME_MS });
      const ne = { ...e, mtimeMs: CHANGE_MTIME_MS };
      replaced.set(pos, ne);
      pieceEntries.push(ne);
      summary.touched++;
      summary.bytesChanged += e.size;
    } else if (what === "delete") {
      fs.unlinkSync(path.join(tree, e.path));
      changedDirs.add(dir);
      summary.deleted++;
    } else {
      const to = `${dir}/renamed-${path.posix.basename(e.path)}`;
      fs.renameSync(path.join(tree, e.path), path.join(tree, to));
      inserts.push({ ...e, path: to });
      changedDirs.add(dir);
      summary.renamed++;
    }
  }
  // Added files go to leaf dirs of the base's files, chosen by the seed.
  const addRng = new Rng(seed, 0x41444453);
  const width = String(Math.max(0, c.add - 1)).length;
  for (let k = 0; k < c.add; k++) {
    const dir = fileDirs[addRng.below(fileDirs.length)]!;
    const rel = `${dir}/added-${String(k).padStart(width, "0")}.dat`;
    const desc: ContentDesc = { content: "random", a: ADD_STREAM, b: k, sizeBytes: c.addBytes, compressRatio: 1 };
    pieces.push({ path: path.join(tree, rel), desc, offsetBytes: 0, lengthBytes: c.addBytes, whole: true, mode: 0o644, mtimeMs: CHANGE_MTIME_MS });
    const ne: ManifestEntry = { path: rel, type: "file", size: c.addBytes, mode: 0o644, mtimeMs: CHANGE_MTIME_MS };
    inserts.push(ne);
    pieceEntries.push(ne);
    changedDirs.add(dir);
    summary.added++;
    summary.addedBytes += c.addBytes;
  }
  if (pieces.length) {
    // Touched files are rewritten in place: unlink first so the base tree's inode is never shared.
    for (const p of pieces) fs.rmSync(p.path, { force: true });
    const key = contentKey(seed, 0x434f4e54);
    const pool = poolFor(pieces.length, summary.bytesChanged + summary.addedBytes);
    try {
      await Promise.all(
        batchBySize(
          pieces.map((p, i) => i),
          (i) => pieces[i]!.lengthBytes,
          2000,
          64 << 20,
        ).map(async (batch) => {
          const r = await pool.run({ op: "write", key, pieces: batch.map((i) => pieces[i]!) });
          if (!r.ok) throw Object.assign(new Error(r.message), { code: r.code ?? undefined });
          batch.forEach((i, k) => (pieceEntries[i]!.hash = combineChunkHashes(r.hashes![k]!, pieces[i]!.lengthBytes)));
        }),
      );
    } finally {
      pool.close();
    }
  }
  for (const d of changedDirs) fs.utimesSync(path.join(tree, d), CHANGE_MTIME_MS / 1000, CHANGE_MTIME_MS / 1000);
  // The base's stream with the changes merged in, in tree order.
  inserts.sort((x, y) => cmpTreeOrder(x.path, y.path));
  const w = new ManifestWriter(manifestFile);
  try {
    let next = 0;
    let pos = 0;
    for (const e of base.entries()) {
      const here = pos++;
      while (next < inserts.length && cmpTreeOrder(inserts[next]!.path, e.path) < 0) w.add(inserts[next++]!);
      const what = action.get(here);
      if (what === "delete" || what === "rename") continue;
      const out = replaced.get(here) ?? e;
      w.add(out.type === "dir" && changedDirs.has(out.path) ? { ...out, mtimeMs: CHANGE_MTIME_MS } : out);
    }
    while (next < inserts.length) w.add(inserts[next++]!);
    return w.finish({ specHash: hash, hashAlgorithm: base.hashAlgorithm, changeSummary: summary });
  } catch (e) {
    w.abort();
    throw e;
  }
}
