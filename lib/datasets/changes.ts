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
import { quickCheck, readManifest, type Manifest, type ManifestEntry } from "./manifest";
import { batchBySize, poolFor } from "./pool";
import { BaseMirror } from "./restore";
import { buildCached, type DatasetHandle } from "./store";
import { planDataset } from "./tree";
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

/** Manifest of a changed tree carries its change summary so a cached one can be reused as is. */
type ChangedManifest = Manifest & { changeSummary?: ChangeSummary };

export const CHANGE_MTIME_MS = FIXED_MTIME_MS + 86_400_000;
/** Keystream stream ids of changed content, far from the generator's (group index, file index). */
const TOUCH_STREAM = 0x7f000001;
const ADD_STREAM = 0x7f000002;

/** Problems with a change set against its base (too many changes for the files available). */
export function checkChanges(base: Manifest, c: ChangeSetSpec): string[] {
  const n = changeCandidates(base).length;
  const need = c.touch + c.delete + c.rename;
  const out: string[] = [];
  if (need > n) out.push(`changes: touch + delete + rename = ${need} but the dataset has only ${n} plain files to change`);
  if (c.add > 0 && !base.entries.some((e) => e.type === "file")) out.push("changes.add: the dataset has no directory with files to add to");
  return out;
}

function changeCandidates(m: Manifest): ManifestEntry[] {
  const linked = new Set<string>();
  for (const e of m.entries) {
    if (e.linkOf) {
      linked.add(e.linkOf);
      linked.add(e.path);
    }
    if (e.type === "symlink" && e.target) linked.add(path.posix.normalize(path.posix.join(path.posix.dirname(e.path), e.target)));
  }
  return m.entries.filter((e) => e.type === "file" && !linked.has(e.path));
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
      const m = readManifest(p.manifest) as ChangedManifest;
      if (m.changeSummary && !quickCheck(p.tree, m)) {
        return { srcDir: p.tree, srcManifest: m, baseMirrorDir: base.dir, changes: m.changeSummary };
      }
    } catch {
      // fall through and rebuild
    }
  } else {
    const invalid = invalidReason(p.dir);
    if (invalid) onRegenerate?.(`marked invalid (${invalid})`);
  }
  removeEntry(p.dir);
  const needed = base.manifest.totalBytes + c.add * c.addBytes + base.manifest.entries.length * 4096;
  const { manifest } = await buildCached(datasetsRoot, hash, `base ${base.manifest.specHash} + changes ${JSON.stringify(c)}`, needed, async (tree) => {
    await new BaseMirror(base.dir).restore(tree);
    return applyChanges(tree, base.manifest, workload, hash);
  });
  const m = manifest as ChangedManifest;
  return { srcDir: p.tree, srcManifest: m, baseMirrorDir: base.dir, changes: m.changeSummary ?? zeroSummary() };
}

function zeroSummary(): ChangeSummary {
  return { touched: 0, deleted: 0, added: 0, addedBytes: 0, renamed: 0, bytesChanged: 0 };
}

/** Apply the change set to `tree` (an exact copy of the base) and return its manifest. */
export async function applyChanges(tree: string, base: Manifest, workload: WorkloadSpec, hash: string): Promise<ChangedManifest> {
  const c = workload.changes!;
  const seed = workload.dataset.seed;
  const rng = new Rng(seed, 0x43484e47);
  const cand = changeCandidates(base);
  for (let i = cand.length - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    [cand[i], cand[j]] = [cand[j]!, cand[i]!];
  }
  const touch = cand.slice(0, c.touch);
  const del = cand.slice(c.touch, c.touch + c.delete);
  const ren = cand.slice(c.touch + c.delete, c.touch + c.delete + c.rename);
  const descOf = new Map<string, ContentDesc>();
  if (touch.length) for (const f of planDataset(workload.dataset).files) descOf.set(f.path, f.desc);

  const entries = new Map<string, ManifestEntry>(base.entries.map((e) => [e.path, { ...e }]));
  const changedDirs = new Set<string>();
  const summary = zeroSummary();
  const pieces: WritePiece[] = [];
  const pieceEntries: ManifestEntry[] = [];

  touch.forEach((e, k) => {
    const d = descOf.get(e.path) ?? { content: "random", a: 0, b: 0, sizeBytes: e.size, compressRatio: 1 };
    const desc: ContentDesc = { ...d, a: TOUCH_STREAM, b: k };
    pieces.push({ path: path.join(tree, e.path), desc, offsetBytes: 0, lengthBytes: e.size, whole: true, mode: e.mode, mtimeMs: CHANGE_MTIME_MS });
    const ne = entries.get(e.path)!;
    ne.mtimeMs = CHANGE_MTIME_MS;
    pieceEntries.push(ne);
    summary.touched++;
    summary.bytesChanged += e.size;
  });
  for (const e of del) {
    fs.unlinkSync(path.join(tree, e.path));
    entries.delete(e.path);
    changedDirs.add(path.posix.dirname(e.path));
    summary.deleted++;
  }
  for (const e of ren) {
    const dir = path.posix.dirname(e.path);
    const to = `${dir}/renamed-${path.posix.basename(e.path)}`;
    fs.renameSync(path.join(tree, e.path), path.join(tree, to));
    entries.delete(e.path);
    entries.set(to, { ...e, path: to });
    changedDirs.add(dir);
    summary.renamed++;
  }
  // Added files go to leaf dirs of the base's files, chosen by the seed.
  const fileDirs = [...new Set(base.entries.filter((e) => e.type === "file" && !e.linkOf).map((e) => path.posix.dirname(e.path)))];
  const addRng = new Rng(seed, 0x41444453);
  const width = String(Math.max(0, c.add - 1)).length;
  for (let k = 0; k < c.add; k++) {
    const dir = fileDirs[addRng.below(fileDirs.length)]!;
    const rel = `${dir}/added-${String(k).padStart(width, "0")}.dat`;
    const desc: ContentDesc = { content: "random", a: ADD_STREAM, b: k, sizeBytes: c.addBytes, compressRatio: 1 };
    pieces.push({ path: path.join(tree, rel), desc, offsetBytes: 0, lengthBytes: c.addBytes, whole: true, mode: 0o644, mtimeMs: CHANGE_MTIME_MS });
    const ne: ManifestEntry = { path: rel, type: "file", size: c.addBytes, mode: 0o644, mtimeMs: CHANGE_MTIME_MS };
    entries.set(rel, ne);
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
  for (const d of changedDirs) {
    fs.utimesSync(path.join(tree, d), CHANGE_MTIME_MS / 1000, CHANGE_MTIME_MS / 1000);
    const de = entries.get(d);
    if (de) de.mtimeMs = CHANGE_MTIME_MS;
  }
  const list = [...entries.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  let totalBytes = 0;
  let fileCount = 0;
  for (const e of list) {
    if (e.type !== "file") continue;
    fileCount++;
    if (!e.linkOf) totalBytes += e.size;
  }
  return { version: 1, specHash: hash, fileCount, totalBytes, entries: list, hashAlgorithm: base.hashAlgorithm, changeSummary: summary };
}

