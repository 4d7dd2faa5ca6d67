// Generating a dataset: the planned tree streamed to the data workers in tree order, its manifest written by a second pass over the plan with the hashes they returned.
//
// Memory: 8 bytes per file (its hash, in a BigUint64Array by global file index), a bounded number
// of write batches in flight, and the extras' links; the plan itself is regenerated per pass.
import * as fs from "node:fs";
import * as path from "node:path";
import { DIR_MODE, EXEC_MODE, FILE_MODE, FIXED_MTIME_MS, fileName, OLD_MTIME_MS, pad } from "../layout";
import { contentKey } from "../prng";
import type { DatasetSpec } from "../types";
import { formatBytes } from "../units";
import { combinedHash, hex64, needsChmod, type WritePiece } from "./content";
import { HASH_ALGORITHM, ManifestWriter, type Manifest } from "./manifest";
import { nativeWriterFor } from "./native-writer";
import { PIECE_BYTES, poolFor, type DataPool, type WorkerResponse } from "./pool";
import type { Progress } from "./progress";
import { collectAfter, releaseHeap, scaleCollection } from "./collect";
import { datasetTotals } from "./totals";
import { filePath, leafOrder, planDirs, planLeaves } from "./tree";

export function describeSpec(spec: DatasetSpec): string {
  const gs = spec.groups.map((g) => {
    const size = g.minBytes === g.maxBytes ? formatBytes(g.minBytes) : `${formatBytes(g.minBytes)}..${formatBytes(g.maxBytes)} ${g.distribution}`;
    return `${g.name}: ${g.count} x ${size} ${g.content}`;
  });
  return `seed ${spec.seed}; ${gs.join("; ")}`;
}

/** Files per writeLeaf request (a leaf directory, or a slice of a bigger one). */
const LEAF_SLICE_FILES = 2000;

const fail = (r: WorkerResponse & { ok: false }): never => {
  const e = new Error(r.message) as NodeJS.ErrnoException;
  e.code = r.code ?? undefined;
  e.path = r.path ?? undefined;
  throw e;
};

/** Write jobs with a bounded number in flight; the first failure is thrown once all have settled. */
class Jobs {
  private live = new Set<Promise<void>>();
  private failure: unknown = null;
  constructor(private readonly max: number) {}
  async add(p: Promise<void>): Promise<void> {
    const tracked = p.catch((e) => void (this.failure ??= e)).finally(() => this.live.delete(tracked));
    this.live.add(tracked);
    while (this.live.size >= this.max) await Promise.race(this.live);
    if (this.failure) {
      await this.settle();
    }
  }
  async settle(): Promise<void> {
    // Settle everything before failing, so no worker still writes into a dir about to be removed.
    while (this.live.size) await Promise.race(this.live);
    if (this.failure) throw this.failure;
  }
}

/**
 * Generate the planned tree into `treeDir` (which must exist and be empty); writes its manifest to `manifestFile`.
 * `note` gets a line for the log when generation could not go the way it meant to (the native writer unavailable).
 */
export async function generateTree(spec: DatasetSpec, treeDir: string, hash: string, manifestFile: string, progress?: Progress, note?: (line: string) => void): Promise<Manifest> {
  const totals = datasetTotals(spec);
  scaleCollection(totals.files);
  const fileSlots = spec.groups.reduce((s, g) => s + Math.max(0, g.count), 0);
  progress?.start(`dataset ${hash}`, totals.files, totals.bytes);
  const key = contentKey(spec.seed, 0x434f4e54);
  // What planning and the checks left on the heap goes before the writer threads start: generation is a
  // small-file run's peak (100k files through the CLI: 73.3-74.5 MiB with this, 77.1-77.8 without).
  releaseHeap(totals.files);
  const pool = poolFor(totals.files, totals.bytes);
  const native = nativeWriterFor(totals.files);
  let noted = false;
  const hashes = new BigUint64Array(fileSlots);
  const links: { path: string; file: number }[] = [];
  const symlinks: { path: string; target: string }[] = [];
  const jobs = new Jobs(2 * pool.size + 2);
  try {
    // One request per leaf directory: the worker names and fills its files (no object per file here).
    // Every directory first (one pass over directories only), then the files: measured 3-10x less
    // system time than creating each leaf directory just before its files while workers fill others.
    for (const e of planDirs(spec)) {
      const abs = path.join(treeDir, e);
      fs.mkdirSync(abs, DIR_MODE);
      if (needsChmod(DIR_MODE)) fs.chmodSync(abs, DIR_MODE);
    }
    for (const e of planLeaves(spec)) {
      const abs = path.join(treeDir, e.path);
      if (e.kind === "dir") continue;
      else if (e.kind === "symlink") symlinks.push({ path: e.path, target: e.target });
      else if (e.kind === "hardlink") links.push({ path: e.path, file: e.file });
      else {
        const g = spec.groups[e.gi]!;
        // A huge leaf (per_dir: 1000000) goes out in slices, so every worker gets a share.
        for (let lo = 0; lo < e.sizes.length; lo += LEAF_SLICE_FILES) {
          const hi = Math.min(e.sizes.length, lo + LEAF_SLICE_FILES);
          const sizes = e.sizes.slice(lo, hi);
          const leaf = { dir: abs, group: g, gi: e.gi, first: e.first + lo, fileDigits: e.fileDigits, sizes, flags: e.flags ? e.flags.slice(lo, hi) : null, maxBytes: PIECE_BYTES, native };
          await jobs.add(
            pool.run({ op: "writeLeaf", key, leaf }).then((r) => {
              if (!r.ok) return fail(r);
              if (r.nativeWhyNot && !noted) {
                noted = true;
                note?.(`Generating dataset ${hash} through node:fs, not the native run writer: ${r.nativeWhyNot}`);
              }
              let bytes = 0;
              let files = 0;
              const got = r.leafHashes!;
              let big = false;
              for (let k = 0; k < sizes.length; k++) {
                if (sizes[k]! > PIECE_BYTES) big = true; // writeBig's: its slot here is 0
                else (bytes += sizes[k]!), files++;
              }
              // One copy of the slice's hashes (no bigint per file on this thread), unless a big file's slot is in it.
              if (!big) hashes.set(got, e.offset + lo);
              else for (let k = 0; k < got.length; k++) if (sizes[k]! <= PIECE_BYTES) hashes[e.offset + lo + k] = got[k]!;
              progress?.tick(files, bytes);
            }),
          );
        }
        for (let k = 0; k < e.sizes.length; k++) {
          if (e.sizes[k]! <= PIECE_BYTES) continue;
          const i = e.first + k;
          const flag = e.flags ? e.flags[k]! : 0;
          const desc = { content: g.content, a: e.gi, b: i, sizeBytes: e.sizes[k]!, compressRatio: g.compressRatio };
          const big = { file: e.offset + k, sizeBytes: e.sizes[k]!, desc, mode: flag & 1 ? EXEC_MODE : FILE_MODE, mtimeMs: flag & 2 ? OLD_MTIME_MS : FIXED_MTIME_MS };
          await jobs.add(writeBig(pool, key, path.join(abs, fileName(g, e.gi, i, e.fileDigits)), big, hashes, progress));
        }
      }
    }
    await jobs.settle();
  } finally {
    pool.close();
  }
  // Hard links and symlinks once every file exists (a link's name may sort before its target).
  const w = new ManifestWriter(manifestFile);
  try {
    for (const l of links) {
      fs.linkSync(path.join(treeDir, filePath(spec, l.file)), path.join(treeDir, l.path));
      progress?.tick(1, 0);
    }
    for (const s of symlinks) {
      const abs = path.join(treeDir, s.path);
      fs.symlinkSync(s.target, abs);
      fs.lutimesSync(abs, FIXED_MTIME_MS / 1000, FIXED_MTIME_MS / 1000);
    }
    // Second pass: the manifest in tree order, and dir mtimes (nothing is created after this, so order does not matter).
    // Leaf by leaf, a file costs its path string and nothing else: no plan object, no bigint, no hex string.
    const t = FIXED_MTIME_MS / 1000;
    // Each hash as two 32-bit words, low word first (little-endian, as on every platform Bun runs on).
    const words = new Uint32Array(hashes.buffer, hashes.byteOffset, hashes.length * 2);
    for (const e of planLeaves(spec)) {
      collectAfter(1);
      if (e.kind === "dir") {
        fs.utimesSync(path.join(treeDir, e.path), t, t);
        w.add({ path: e.path, type: "dir", size: 0, mode: DIR_MODE, mtimeMs: FIXED_MTIME_MS });
      } else if (e.kind === "symlink") {
        w.add({ path: e.path, type: "symlink", size: Buffer.byteLength(e.target), mode: 0o777, mtimeMs: FIXED_MTIME_MS, target: e.target });
      } else if (e.kind === "hardlink") {
        const entry = { path: e.path, type: "file" as const, size: e.sizeBytes, mode: e.mode, mtimeMs: e.mtimeMs, hash: hex64(hashes[e.file]!) };
        w.add(e.linkOf ? { ...entry, linkOf: e.linkOf } : e.linked ? { ...entry, linked: true } : entry);
      } else if (e.kind === "leaf") {
        const g = spec.groups[e.gi]!;
        const order = leafOrder(g, e.gi, e);
        const plain = g.names === "short" || g.names === "deep";
        for (let j = 0; j < e.sizes.length; j++) {
          const k = order ? order[j]! : j;
          const i = e.first + k;
          const f = e.offset + k;
          const flag = e.flags ? e.flags[k]! : 0;
          const name = plain ? `f${pad(i, e.fileDigits)}.dat` : fileName(g, e.gi, i, e.fileDigits);
          w.addFile(`${e.path}/${name}`, e.sizes[k]!, flag & 1 ? EXEC_MODE : FILE_MODE, flag & 2 ? OLD_MTIME_MS : FIXED_MTIME_MS, words[2 * f + 1]!, words[2 * f]!, e.links?.get(k));
          collectAfter(1);
        }
      }
    }
    progress?.end();
    return w.finish({ specHash: hash, hashAlgorithm: HASH_ALGORITHM });
  } catch (err) {
    w.abort();
    throw err;
  }
}

/** A file over PIECE_BYTES: created here, written in pieces by several workers, then sized, moded and timed. */
async function writeBig(pool: DataPool, key: Uint8Array, abs: string, e: { file: number; sizeBytes: number; desc: WritePiece["desc"]; mode: number; mtimeMs: number }, hashes: BigUint64Array, progress?: Progress): Promise<void> {
  fs.closeSync(fs.openSync(abs, "w", e.mode));
  const parts: Promise<WorkerResponse>[] = [];
  for (let off = 0; off < e.sizeBytes; off += PIECE_BYTES) {
    const piece: WritePiece = { path: abs, desc: e.desc, offsetBytes: off, lengthBytes: Math.min(PIECE_BYTES, e.sizeBytes - off), whole: false, mode: e.mode, mtimeMs: e.mtimeMs };
    parts.push(pool.run({ op: "write", key, pieces: [piece] }));
  }
  const chunks: bigint[] = [];
  for (const r of await Promise.all(parts)) {
    if (!r.ok) fail(r);
    chunks.push(...(r as { hashes: bigint[][] }).hashes[0]!);
  }
  // Sparse: pwrite only wrote data blocks, so make sure the apparent size is right.
  fs.truncateSync(abs, e.sizeBytes);
  if (needsChmod(e.mode)) fs.chmodSync(abs, e.mode);
  fs.utimesSync(abs, e.mtimeMs / 1000, e.mtimeMs / 1000);
  hashes[e.file] = combinedHash(chunks, e.sizeBytes);
  progress?.tick(1, e.sizeBytes);
}
