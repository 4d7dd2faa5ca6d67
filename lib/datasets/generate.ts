// Generating a dataset: the planned tree written deterministically on the data workers, its manifest built from the hashes they return.
import * as fs from "node:fs";
import * as path from "node:path";
import { DIR_MODE, FIXED_MTIME_MS } from "../layout";
import { contentKey } from "../prng";
import type { DatasetSpec } from "../types";
import { formatBytes } from "../units";
import { buildManifest, type Manifest } from "./manifest";
import { batchBySize, PIECE_BYTES, poolFor } from "./pool";
import type { Progress } from "./progress";
import { datasetTotals, planDataset } from "./tree";
import { combineChunkHashes, needsChmod, type WritePiece } from "./content";
import type { WorkerResponse } from "./worker";

export function describeSpec(spec: DatasetSpec): string {
  const gs = spec.groups.map((g) => {
    const size = g.minBytes === g.maxBytes ? formatBytes(g.minBytes) : `${formatBytes(g.minBytes)}..${formatBytes(g.maxBytes)} ${g.distribution}`;
    return `${g.name}: ${g.count} x ${size} ${g.content}`;
  });
  return `seed ${spec.seed}; ${gs.join("; ")}`;
}

/** Generate the planned tree into `treeDir` (which must exist and be empty); returns the manifest. */
export async function generateTree(spec: DatasetSpec, treeDir: string, hash: string, progress?: Progress, plan = planDataset(spec)): Promise<Manifest> {
  const totals = datasetTotals(spec);
  progress?.start(`dataset ${hash}`, totals.files, totals.bytes);
  for (const d of plan.dirs) {
    fs.mkdirSync(path.join(treeDir, d));
    if (needsChmod(DIR_MODE)) fs.chmodSync(path.join(treeDir, d), DIR_MODE);
  }
  const key = contentKey(spec.seed, 0x434f4e54);
  const pool = poolFor(plan.files.length, totals.bytes);
  const hashes: string[] = new Array(plan.files.length);
  try {
    const jobs: Promise<void>[] = [];
    const smallIdx: number[] = [];
    const fail = (r: WorkerResponse & { ok: false }): never => {
      const e = new Error(r.message) as NodeJS.ErrnoException;
      e.code = r.code ?? undefined;
      e.path = r.path ?? undefined;
      throw e;
    };
    plan.files.forEach((f, i) => {
      if (f.sizeBytes <= PIECE_BYTES) {
        smallIdx.push(i);
        return;
      }
      const abs = path.join(treeDir, f.path);
      const fd = fs.openSync(abs, "w", f.mode);
      fs.closeSync(fd);
      const parts: Promise<WorkerResponse>[] = [];
      for (let off = 0; off < f.sizeBytes; off += PIECE_BYTES) {
        const piece: WritePiece = { path: abs, desc: f.desc, offsetBytes: off, lengthBytes: Math.min(PIECE_BYTES, f.sizeBytes - off), whole: false, mode: f.mode, mtimeMs: f.mtimeMs };
        parts.push(pool.run({ op: "write", key, pieces: [piece] }));
      }
      jobs.push(
        Promise.all(parts).then((rs) => {
          const chunks: bigint[] = [];
          for (const r of rs) {
            if (!r.ok) fail(r);
            chunks.push(...(r as { hashes: bigint[][] }).hashes[0]!);
          }
          // Sparse: pwrite only wrote data blocks, so make sure the apparent size is right.
          fs.truncateSync(abs, f.sizeBytes);
          if (needsChmod(f.mode)) fs.chmodSync(abs, f.mode);
          fs.utimesSync(abs, f.mtimeMs / 1000, f.mtimeMs / 1000);
          hashes[i] = combineChunkHashes(chunks, f.sizeBytes);
          progress?.tick(1, f.sizeBytes);
        }),
      );
    });
    for (const batch of batchBySize(smallIdx, (i) => plan.files[i]!.sizeBytes, 2000, 64 << 20)) {
      const pieces: WritePiece[] = batch.map((i) => {
        const f = plan.files[i]!;
        return { path: path.join(treeDir, f.path), desc: f.desc, offsetBytes: 0, lengthBytes: f.sizeBytes, whole: true, mode: f.mode, mtimeMs: f.mtimeMs };
      });
      jobs.push(
        pool.run({ op: "write", key, pieces }).then((r) => {
          if (!r.ok) return fail(r);
          let bytes = 0;
          batch.forEach((i, k) => {
            hashes[i] = combineChunkHashes(r.hashes![k]!, plan.files[i]!.sizeBytes);
            bytes += plan.files[i]!.sizeBytes;
          });
          progress?.tick(batch.length, bytes);
        }),
      );
    }
    // Settle everything before failing, so no worker still writes into a dir we are about to remove.
    const settled = await Promise.allSettled(jobs);
    const bad = settled.find((s) => s.status === "rejected") as PromiseRejectedResult | undefined;
    if (bad) throw bad.reason;
  } finally {
    pool.close();
  }
  for (const l of plan.hardlinks) {
    fs.linkSync(path.join(treeDir, l.linkOf), path.join(treeDir, l.path));
    progress?.tick(1, 0);
  }
  for (const s of plan.symlinks) {
    const abs = path.join(treeDir, s.path);
    fs.symlinkSync(s.target, abs);
    fs.lutimesSync(abs, FIXED_MTIME_MS / 1000, FIXED_MTIME_MS / 1000);
  }
  // Dir mtimes last, children before parents, since creating entries changes them.
  for (let k = plan.dirs.length - 1; k >= 0; k--) {
    fs.utimesSync(path.join(treeDir, plan.dirs[k]!), FIXED_MTIME_MS / 1000, FIXED_MTIME_MS / 1000);
  }
  progress?.end();
  return buildManifest(hash, plan, hashes);
}

