// One generation request: a leaf directory's files named, filled and hashed in the worker from the group and an index range (no object per file crosses threads).
import { EXEC_MODE, FILE_MODE, FIXED_MTIME_MS, fileName, OLD_MTIME_MS } from "../layout.ts";
import type { FileGroup } from "../types.ts";
import { combinedHash, type DataContext, type WritePiece } from "./content.ts";

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

export function writeLeaf(ctx: DataContext, w: LeafWork): BigUint64Array {
  const out = new BigUint64Array(w.sizes.length);
  const g = w.group;
  for (let k = 0; k < w.sizes.length; k++) {
    const size = w.sizes[k]!;
    if (size > w.maxBytes) continue;
    const i = w.first + k;
    const flag = w.flags ? w.flags[k]! : 0;
    const piece: WritePiece = {
      path: `${w.dir}/${fileName(g, w.gi, i, w.fileDigits)}`,
      desc: { content: g.content, a: w.gi, b: i, sizeBytes: size, compressRatio: g.compressRatio },
      offsetBytes: 0,
      lengthBytes: size,
      whole: true,
      mode: flag & 1 ? EXEC_MODE : FILE_MODE,
      mtimeMs: flag & 2 ? OLD_MTIME_MS : FIXED_MTIME_MS,
    };
    out[k] = combinedHash(ctx.write(piece), size);
  }
  return out;
}

