// Incremental and resync sources: the deterministic change set over a base dataset, and fast restore of a destination to the base mirror.
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
// - restoreMirror never hard-links (tools may write in place). It remembers, per destination, the
//   inode and ctime of every file it left behind: a file whose (ino, ctime) is unchanged since the
//   last restore cannot have been modified (any write, chmod or utimes moves ctime), so only
//   changed, missing and extra entries cost I/O. Without that memory (first restore in a process),
//   existing files are compared by size, mode, mtime and content hash before being kept.
// - restoreMirror never writes through a link or an inode it did not create: the destination root
//   must be a real directory, its walk never follows a link, anything replaced is unlinked first,
//   and copies are created exclusively (COPYFILE_EXCL).
import * as fs from "node:fs";
import * as path from "node:path";
import { createHash } from "node:crypto";
import type { ChangeSetSpec, WorkloadSpec } from "../types.ts";
import { Rng, contentKey } from "../prng.ts";
import {
  FIXED_MTIME_MS,
  batchBySize,
  buildCached,
  datasetPaths,
  hashFiles,
  planDataset,
  poolFor,
  quickCheck,
  readManifest,
  type DatasetHandle,
  type Manifest,
  type ManifestEntry,
} from "./generate.ts";
import { combineChunkHashes, type ContentDesc, type CopyItem, type WritePiece } from "./worker.ts";
import { invalidReason } from "./check.ts";
import { listKinds, removeEntry, walk } from "../safe-fs.ts";

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
const CHANGE_VERSION = 1;
/** Keystream stream ids of changed content, far from the generator's (group index, file index). */
const TOUCH_STREAM = 0x7f000001;
const ADD_STREAM = 0x7f000002;

function changesHash(baseHash: string, c: ChangeSetSpec): string {
  const canon = JSON.stringify([CHANGE_VERSION, baseHash, c.touch, c.delete, c.add, c.addBytes, c.rename]);
  return createHash("sha256").update(canon).digest("hex").slice(0, 12);
}

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
  const hash = `${base.manifest.specHash}-c${changesHash(base.manifest.specHash, c)}`;
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
    await restoreMirror(base.dir, tree);
    forget(tree);
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

// ---- restore ----------------------------------------------------------------------------------

interface BaseEntry {
  path: string;
  kind: "file" | "dir" | "symlink";
  size: number;
  mode: number;
  mtimeNs: bigint;
  ino: bigint;
  target?: string;
  /** Hard link: earlier path of the same inode. */
  linkOf?: string;
}
interface BaseListing {
  key: string;
  entries: BaseEntry[]; // parents before children
  byPath: Map<string, BaseEntry>;
  rootMode: number;
  rootMtimeNs: bigint;
  hashes: Map<string, string> | null;
}
interface DstState {
  baseKey: string;
  files: Map<string, { ino: bigint; ctimeNs: bigint }>;
}

const baseListings = new Map<string, BaseListing>();
const dstStates = new Map<string, DstState>();

function baseKeyOf(dir: string): string {
  const st = fs.lstatSync(dir, { bigint: true });
  return `${path.resolve(dir)}:${st.ino}:${st.ctimeNs}`;
}

function listBase(dir: string): BaseListing {
  const key = baseKeyOf(dir);
  const cached = baseListings.get(path.resolve(dir));
  if (cached && cached.key === key) return cached;
  const entries: BaseEntry[] = [];
  const firstOfIno = new Map<bigint, string>();
  walk(
    dir,
    (p, _kind, abs) => {
      const st = fs.lstatSync(abs, { bigint: true });
      const base = { path: p, size: Number(st.size), mode: Number(st.mode & 0o7777n), mtimeNs: st.mtimeNs, ino: st.ino };
      if (st.isDirectory()) {
        entries.push({ ...base, kind: "dir" });
      } else if (st.isSymbolicLink()) {
        entries.push({ ...base, kind: "symlink", target: fs.readlinkSync(abs) });
      } else if (st.isFile()) {
        const e: BaseEntry = { ...base, kind: "file" };
        if (st.nlink > 1n) {
          const first = firstOfIno.get(st.ino);
          if (first) e.linkOf = first;
          else firstOfIno.set(st.ino, p);
        }
        entries.push(e);
      }
      return st.isDirectory();
    },
    { sorted: true },
  );
  const root = fs.lstatSync(dir, { bigint: true });
  // A dataset tree has its manifest beside it: its hashes save hashing the base.
  let hashes: Map<string, string> | null = null;
  try {
    const parent = path.dirname(path.resolve(dir));
    if (fs.existsSync(path.join(parent, "complete"))) {
      const m = readManifest(path.join(parent, "manifest.json"));
      hashes = new Map(m.entries.filter((e) => e.hash).map((e) => [e.path, e.hash!]));
    }
  } catch {
    hashes = null;
  }
  const listing: BaseListing = { key, entries, byPath: new Map(entries.map((e) => [e.path, e])), rootMode: Number(root.mode & 0o7777n), rootMtimeNs: root.mtimeNs, hashes };
  baseListings.set(path.resolve(dir), listing);
  return listing;
}

/** Drop what restoreMirror remembers about a destination (e.g. after it was handed to something else). */
export function forget(dstDir: string): void {
  dstStates.delete(path.resolve(dstDir));
}

function setTimesNs(abs: string, mtimeNs: bigint, link = false): void {
  const s = Number(mtimeNs / 1000n) / 1e6;
  if (link) fs.lutimesSync(abs, s, s);
  else fs.utimesSync(abs, s, s);
}

export async function restoreMirror(baseMirrorDir: string, dstDir: string): Promise<void> {
  const base = listBase(baseMirrorDir);
  fs.mkdirSync(dstDir, { recursive: true });
  // Everything below is written through this path: a link here would make us empty and fill its target.
  const root = fs.lstatSync(dstDir);
  if (!root.isDirectory()) throw new Error(`restore ${dstDir}: it is ${root.isSymbolicLink() ? `a symlink to ${fs.readlinkSync(dstDir)}` : "not a directory"}; refusing to write through it`);
  const dstKey = path.resolve(dstDir);
  const prior = dstStates.get(dstKey);
  const state = prior && prior.baseKey === base.key ? prior : null;
  const dstKinds = listKinds(dstDir);

  // 1. Remove what the base does not have (or has with another type), outermost first.
  const removed = new Set<string>();
  const underRemoved = (p: string): boolean => {
    for (let d = path.posix.dirname(p); d !== "."; d = path.posix.dirname(d)) if (removed.has(d)) return true;
    return false;
  };
  for (const [p, kind] of [...dstKinds].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (removed.size && underRemoved(p)) {
      dstKinds.delete(p);
      continue;
    }
    const b = base.byPath.get(p);
    if (b && b.kind === kind) continue;
    removeEntry(path.join(dstDir, p));
    dstKinds.delete(p);
    if (kind === "dir") removed.add(p);
  }

  // 2. Decide per base entry; collect copies.
  const toCopy: CopyItem[] = [];
  const unsure: { e: BaseEntry; st: fs.BigIntStats }[] = [];
  const kept = new Map<string, { ino: bigint; ctimeNs: bigint }>();
  const links: BaseEntry[] = [];
  for (const e of base.entries) {
    const abs = path.join(dstDir, e.path);
    const present = dstKinds.has(e.path);
    if (e.kind === "dir") {
      if (!present) fs.mkdirSync(abs);
      continue;
    }
    if (e.kind === "symlink") {
      if (present && fs.readlinkSync(abs) === e.target) {
        const st = fs.lstatSync(abs, { bigint: true });
        if (st.mtimeNs === e.mtimeNs) continue;
        setTimesNs(abs, e.mtimeNs, true);
        continue;
      }
      if (present) fs.unlinkSync(abs);
      fs.symlinkSync(e.target!, abs);
      setTimesNs(abs, e.mtimeNs, true);
      continue;
    }
    if (e.linkOf) {
      links.push(e);
      continue;
    }
    const item: CopyItem = { src: path.join(baseMirrorDir, e.path), dst: abs, mode: e.mode, mtimeMs: Number(e.mtimeNs / 1000n) / 1000 };
    if (!present) {
      toCopy.push(item);
      continue;
    }
    const st = fs.lstatSync(abs, { bigint: true });
    const known = state?.files.get(e.path);
    if (known && known.ino === st.ino && known.ctimeNs === st.ctimeNs && st.nlink === 1n) {
      kept.set(e.path, known);
      continue;
    }
    if (Number(st.size) !== e.size || Number(st.mode & 0o7777n) !== e.mode || st.mtimeNs !== e.mtimeNs || st.nlink !== 1n) {
      fs.unlinkSync(abs);
      toCopy.push(item);
      continue;
    }
    unsure.push({ e, st });
  }

  const pool = poolFor(toCopy.length + unsure.length, unsure.reduce((s, u) => s + u.e.size, 0) + toCopy.length * 4096);
  try {
    // 3. Files that look right but were never seen by us: compare content.
    if (unsure.length) {
      const dstH = await hashFiles(pool, unsure.map((u) => ({ path: path.join(dstDir, u.e.path), sizeHint: u.e.size })));
      let baseH: (string | undefined)[];
      if (base.hashes) baseH = unsure.map((u) => base.hashes!.get(u.e.path));
      else baseH = (await hashFiles(pool, unsure.map((u) => ({ path: path.join(baseMirrorDir, u.e.path), sizeHint: u.e.size })))).map((r) => r.hash);
      unsure.forEach((u, i) => {
        if (dstH[i]!.hash && dstH[i]!.hash === baseH[i]) kept.set(u.e.path, { ino: u.st.ino, ctimeNs: u.st.ctimeNs });
        else {
          const abs = path.join(dstDir, u.e.path);
          fs.unlinkSync(abs);
          toCopy.push({ src: path.join(baseMirrorDir, u.e.path), dst: abs, mode: u.e.mode, mtimeMs: Number(u.e.mtimeNs / 1000n) / 1000 });
        }
      });
    }
    // 4. Copy in parallel batches.
    await Promise.all(
      batchBySize(toCopy, () => 1, 1000, Infinity).map(async (items) => {
        const r = await pool.run({ op: "copy", items });
        if (!r.ok) throw Object.assign(new Error(`restore ${dstDir}: ${r.message}`), { code: r.code ?? undefined });
      }),
    );
  } finally {
    pool.close();
  }
  // mtimes from copyFiles are set with ms precision; fix the rare sub-ms ones exactly.
  for (const it of toCopy) {
    const e = base.byPath.get(path.relative(dstDir, it.dst).split(path.sep).join("/"))!;
    if (e.mtimeNs % 1_000_000n !== 0n) setTimesNs(it.dst, e.mtimeNs);
  }
  // 5. Hard links: second names point at the first name's inode in dst.
  for (const e of links) {
    const abs = path.join(dstDir, e.path);
    const first = fs.lstatSync(path.join(dstDir, e.linkOf!), { bigint: true });
    try {
      const st = fs.lstatSync(abs, { bigint: true });
      if (st.ino === first.ino) continue;
      fs.unlinkSync(abs);
    } catch {
      // missing: link below
    }
    fs.linkSync(path.join(dstDir, e.linkOf!), abs);
  }
  // 6. Dir metadata, children before parents (creating entries changed parents' mtimes).
  for (let i = base.entries.length - 1; i >= 0; i--) {
    const e = base.entries[i]!;
    if (e.kind !== "dir") continue;
    fixDir(path.join(dstDir, e.path), e.mode, e.mtimeNs);
  }
  fixDir(dstDir, base.rootMode, base.rootMtimeNs);
  // 7. Remember every plain file's (ino, ctime) for the next restore.
  const files = new Map(kept);
  const linked = new Set(links.flatMap((l) => [l.path, l.linkOf!]));
  for (const it of toCopy) {
    const rel = path.relative(dstDir, it.dst).split(path.sep).join("/");
    if (linked.has(rel)) continue;
    const st = fs.lstatSync(it.dst, { bigint: true });
    files.set(rel, { ino: st.ino, ctimeNs: st.ctimeNs });
  }
  for (const l of linked) files.delete(l);
  dstStates.set(dstKey, { baseKey: base.key, files });
}

function fixDir(abs: string, mode: number, mtimeNs: bigint): void {
  const st = fs.lstatSync(abs, { bigint: true });
  if (Number(st.mode & 0o7777n) !== mode) fs.chmodSync(abs, mode);
  if (st.mtimeNs !== mtimeNs) setTimesNs(abs, mtimeNs);
}
