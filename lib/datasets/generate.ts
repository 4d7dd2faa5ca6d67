// Generating a dataset: the planned tree streamed to the data workers in tree order, its manifest written by a second pass over the plan with the hashes they returned.
//
// Memory: 8 bytes per file (its hash, in a BigUint64Array by global file index), a bounded number
// of write batches in flight, and the extras' links; the plan itself is regenerated per pass.
import * as fs from "node:fs";
import * as path from "node:path";
import { DIR_MODE, FIXED_MTIME_MS } from "../layout";
import { contentKey } from "../prng";
import type { DatasetSpec } from "../types";
import { formatBytes } from "../units";
import { combinedHash, hex64, needsChmod, type WritePiece } from "./content";
import { HASH_ALGORITHM, ManifestWriter, type Manifest } from "./manifest";
import { collectEvery, PIECE_BYTES, poolFor, type DataPool } from "./pool";
import type { Progress } from "./progress";
import { datasetTotals, filePath, planEntries } from "./tree";
import type { WorkerResponse } from "./worker";

export function describeSpec(spec: DatasetSpec): string {
  const gs = spec.groups.map((g) => {
    const size = g.minBytes === g.maxBytes ? formatBytes(g.minBytes) : `${formatBytes(g.minBytes)}..${formatBytes(g.maxBytes)} ${g.distribution}`;
    return `${g.name}: ${g.count} x ${size} ${g.content}`;
  });
  return `seed ${spec.seed}; ${gs.join("; ")}`;
}

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

/** Generate the planned tree into `treeDir` (which must exist and be empty); writes its manifest to `manifestFile`. */
export async function generateTree(spec: DatasetSpec, treeDir: string, hash: string, manifestFile: string, progress?: Progress): Promise<Manifest> {
  const totals = datasetTotals(spec);
  const fileSlots = spec.groups.reduce((s, g) => s + Math.max(0, g.count), 0);
  progress?.start(`dataset ${hash}`, totals.files, totals.bytes);
  const key = contentKey(spec.seed, 0x434f4e54);
  const pool = poolFor(totals.files, totals.bytes);
  const hashes = new BigUint64Array(fileSlots);
  const links: { path: string; file: number }[] = [];
  const symlinks: { path: string; target: string }[] = [];
  const jobs = new Jobs(2 * pool.size + 2);
  try {
    let batch: { piece: WritePiece; file: number }[] = [];
    let batchBytes = 0;
    const flush = async () => {
      if (!batch.length) return;
      const b = batch;
      batch = [];
      batchBytes = 0;
      collectEvery();
      await jobs.add(
        pool.run({ op: "write", key, pieces: b.map((x) => x.piece) }).then((r) => {
          if (!r.ok) return fail(r);
          let bytes = 0;
          b.forEach((x, k) => {
            hashes[x.file] = combinedHash(r.hashes![k]!, x.piece.lengthBytes);
            bytes += x.piece.lengthBytes;
          });
          progress?.tick(b.length, bytes);
        }),
      );
    };
    for (const e of planEntries(spec)) {
      const abs = path.join(treeDir, e.path);
      if (e.kind === "dir") {
        fs.mkdirSync(abs);
        if (needsChmod(DIR_MODE)) fs.chmodSync(abs, DIR_MODE);
      } else if (e.kind === "symlink") symlinks.push({ path: e.path, target: e.target });
      else if (e.kind === "hardlink") links.push({ path: e.path, file: e.file });
      else if (e.sizeBytes <= PIECE_BYTES) {
        batch.push({ piece: { path: abs, desc: e.desc, offsetBytes: 0, lengthBytes: e.sizeBytes, whole: true, mode: e.mode, mtimeMs: e.mtimeMs }, file: e.file });
        batchBytes += e.sizeBytes;
        if (batch.length >= 2000 || batchBytes >= 64 << 20) await flush();
      } else await jobs.add(writeBig(pool, key, abs, e, hashes, progress));
    }
    await flush();
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
    const t = FIXED_MTIME_MS / 1000;
    for (const e of planEntries(spec)) {
      if (e.kind === "dir") {
        fs.utimesSync(path.join(treeDir, e.path), t, t);
        w.add({ path: e.path, type: "dir", size: 0, mode: DIR_MODE, mtimeMs: FIXED_MTIME_MS });
      } else if (e.kind === "symlink") {
        w.add({ path: e.path, type: "symlink", size: Buffer.byteLength(e.target), mode: 0o777, mtimeMs: FIXED_MTIME_MS, target: e.target });
      } else {
        const entry = { path: e.path, type: "file" as const, size: e.sizeBytes, mode: e.mode, mtimeMs: e.mtimeMs, hash: hex64(hashes[e.file]!) };
        w.add(e.linkOf ? { ...entry, linkOf: e.linkOf } : e.linked ? { ...entry, linked: true } : entry);
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
