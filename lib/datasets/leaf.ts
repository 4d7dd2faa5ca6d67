// One generation request: a leaf directory's files named, filled and hashed in the worker from the group and an index range (no object per file crosses threads).
import * as fs from "node:fs";
import { EXEC_MODE, FILE_MODE, FIXED_MTIME_MS, fileName, OLD_MTIME_MS, pad } from "../layout.ts";
import type { FileGroup } from "../types.ts";
import { KEYSTREAM_SLICE_BYTES } from "../prng.ts";
import { chunkHash, combinedHash, needsChmod, type DataContext, type WritePiece } from "./content.ts";

/**
 * A leaf directory's files written in one request: names and content derived here from the group and
 * the index range, so a batch costs the sender no object per file. Files over `maxBytes` are skipped
 * (the sender writes them in pieces); their slots stay 0.
 */
export interface LeafWork {
  dir: string;
  group: FileGroup;
  gi: number;
  first: number;
  fileDigits: number;
  sizes: Float64Array;
  flags: Uint8Array | null;
  maxBytes: number;
}

/**
 * Keystream bytes per KeyBlocks call (its slice limit): a run of small files shares one cipher call.
 * A file bigger than this goes through DataContext.write on its own.
 */
const RUN_BYTES = KEYSTREAM_SLICE_BYTES;
const ZEROS = Buffer.alloc(RUN_BYTES);
const FIXED_S = FIXED_MTIME_MS / 1000;
const OLD_S = OLD_MTIME_MS / 1000;

export function writeLeaf(ctx: DataContext, w: LeafWork): BigUint64Array {
  const n = w.sizes.length;
  const out = new BigUint64Array(n);
  const g = w.group;
  const sizes = w.sizes;
  // Sparse files need their holes (ftruncate, block writes): DataContext.write does those.
  const runs = g.content === "random" || g.content === "compressible" || g.content === "zero";
  // fileName for these styles is "f" + index + ".dat"; the rest (long, unicode) are built by it.
  const plain = g.names === "short" || g.names === "deep";
  const prefix = `${w.dir}/`;
  const name = (i: number): string => (plain ? `${prefix}f${pad(i, w.fileDigits)}.dat` : prefix + fileName(g, w.gi, i, w.fileDigits));
  let k = 0;
  while (k < n) {
    let end = k;
    let bytes = 0;
    while (runs && end < n && sizes[end]! <= RUN_BYTES && bytes + Math.ceil(sizes[end]! / 16) * 16 <= RUN_BYTES) bytes += Math.ceil(sizes[end++]! / 16) * 16;
    if (end === k) {
      const size = sizes[k]!;
      if (size <= w.maxBytes) out[k] = combinedHash(ctx.write(piece(w, k, name(w.first + k))), size);
      k++;
      continue;
    }
    const ks = g.content === "zero" ? ZEROS : ctx.blocks.fill(w.gi, w.first + k, sizes, k, end - k);
    let at = 0;
    for (; k < end; k++) {
      const size = sizes[k]!;
      const data = ks.subarray(at, at + size);
      at += Math.ceil(size / 16) * 16;
      if (g.content === "compressible") ctx.compress(data, 0, g.compressRatio);
      // One chunk (≤ 64 KiB here): hashed by the rule DataContext.write and verification use.
      out[k] = combinedHash([chunkHash(data, 0)], size);
      const flag = w.flags ? w.flags[k]! : 0;
      writeWhole(name(w.first + k), data, flag & 1 ? EXEC_MODE : FILE_MODE, flag & 2 ? OLD_S : FIXED_S);
    }
  }
  return out;
}

/** What DataContext.write does for a whole file, without the piece object: create, write, time, close, chmod if the umask took bits. */
function writeWhole(path: string, data: Buffer, mode: number, mtimeS: number): void {
  const fd = fs.openSync(path, "w", mode);
  try {
    let done = 0;
    while (done < data.length) done += fs.writeSync(fd, data, done, data.length - done, done);
    fs.futimesSync(fd, mtimeS, mtimeS);
  } finally {
    fs.closeSync(fd);
  }
  if (needsChmod(mode)) fs.chmodSync(path, mode);
}

function piece(w: LeafWork, k: number, path: string): WritePiece {
  const g = w.group;
  const size = w.sizes[k]!;
  const flag = w.flags ? w.flags[k]! : 0;
  const desc = { content: g.content, a: w.gi, b: w.first + k, sizeBytes: size, compressRatio: g.compressRatio };
  return { path, desc, offsetBytes: 0, lengthBytes: size, whole: true, mode: flag & 1 ? EXEC_MODE : FILE_MODE, mtimeMs: flag & 2 ? OLD_MTIME_MS : FIXED_MTIME_MS };
}
