// One generation request: a leaf directory's files named, filled and hashed in the worker from the group and an index range (no object per file crosses threads).
import * as fs from "node:fs";
import { EXEC_MODE, FILE_MODE, FIXED_MTIME_MS, fileName, OLD_MTIME_MS, pad } from "../layout.ts";
import type { FileGroup } from "../types.ts";
import { KEYSTREAM_SLICE_BYTES } from "../prng.ts";
import { chunkHash, combinedHash, needsChmod, type DataContext, type WritePiece } from "./content.ts";
import type { RunWriter } from "./native-writer.ts";

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
  /** Through the native run writer when this thread has one (generate.ts decides by the dataset's size). */
  native: boolean;
}

/**
 * Keystream bytes per KeyBlocks call (its slice limit): a run of small files shares one cipher call.
 * A file bigger than this goes through DataContext.write on its own.
 */
const RUN_BYTES = KEYSTREAM_SLICE_BYTES;
const ZEROS = Buffer.alloc(RUN_BYTES);
const FIXED_S = FIXED_MTIME_MS / 1000;
const OLD_S = OLD_MTIME_MS / 1000;

/** `native`: the run writer to use (this thread's when the work asks for it; null = node:fs only; tests pass either). */
export function writeLeaf(ctx: DataContext, w: LeafWork, native: RunWriter | null = w.native ? nativeWriter() : null): BigUint64Array {
  const n = w.sizes.length;
  const out = new BigUint64Array(n);
  const g = w.group;
  const sizes = w.sizes;
  // Sparse files need their holes (ftruncate, block writes): DataContext.write does those.
  const runs = g.content === "random" || g.content === "compressible" || g.content === "zero";
  // fileName for these styles is "f" + index + ".dat"; the rest (long, unicode) are built by it.
  const plain = g.names === "short" || g.names === "deep";
  const base = (i: number): string => (plain ? `f${pad(i, w.fileDigits)}.dat` : fileName(g, w.gi, i, w.fileDigits));
  let dirFd = -1;
  try {
    let k = 0;
    while (k < n) {
      let end = k;
      let bytes = 0;
      while (runs && end < n && sizes[end]! <= RUN_BYTES && bytes + Math.ceil(sizes[end]! / 16) * 16 <= RUN_BYTES) bytes += Math.ceil(sizes[end++]! / 16) * 16;
      if (end === k) {
        const size = sizes[k]!;
        if (size <= w.maxBytes) out[k] = combinedHash(ctx.write(piece(w, k, `${w.dir}/${base(w.first + k)}`)), size);
        k++;
        continue;
      }
      const ks = g.content === "zero" ? ZEROS : ctx.blocks.fill(w.gi, w.first + k, sizes, k, end - k);
      const names: string[] = [];
      let at = 0;
      for (let j = k; j < end; j++) {
        const size = sizes[j]!;
        const data = ks.subarray(at, at + size);
        at += Math.ceil(size / 16) * 16;
        if (g.content === "compressible") ctx.compress(data, 0, g.compressRatio);
        // One chunk (≤ 64 KiB here): hashed by the rule DataContext.write and verification use.
        out[j] = combinedHash([chunkHash(data, 0)], size);
        names.push(base(w.first + j));
      }
      let from = 0;
      if (native) {
        if (dirFd < 0) dirFd = native.openDir(w.dir);
        from = writeNative(native, w.dir, dirFd, names, sizes.subarray(k, end), ks, w.flags ? w.flags.subarray(k, end) : null);
      }
      // node:fs writes what the native writer did not: everything without it, or from the file it failed on
      // (so the error thrown is the system's own, e.g. ENOSPC, with its path).
      at = 0;
      for (let j = 0; j < names.length; j++) {
        const size = sizes[k + j]!;
        const flag = w.flags ? w.flags[k + j]! : 0;
        if (j >= from) writeWhole(`${w.dir}/${names[j]}`, ks.subarray(at, at + size), flag & 1 ? EXEC_MODE : FILE_MODE, flag & 2 ? OLD_S : FIXED_S);
        at += Math.ceil(size / 16) * 16;
      }
      k = end;
    }
  } finally {
    if (dirFd >= 0) fs.closeSync(dirFd);
  }
  return out;
}

/**
 * This thread's native writer, its module loaded on first use: a thread that never asks for it does not pay for
 * importing it (1.3 MiB more at the 100k-file peak through the CLI when every data thread imported it; measured).
 */
const nativeModule = () => require("./native-writer.ts") as typeof import("./native-writer.ts");
function nativeWriter(): RunWriter | null {
  return nativeModule().runWriter().writer;
}

/** Why a leaf that asked for the native writer was written through node:fs instead ("" when it was not, or did not ask). */
export function nativeWhyNot(w: LeafWork): string {
  return w.native ? nativeModule().runWriter().why : "";
}

/** A run through the native writer; returns how many files it wrote (all of them, or up to the one it failed on). */
function writeNative(native: RunWriter, dir: string, dirFd: number, names: string[], sizes: Float64Array, data: Uint8Array, kinds: Uint8Array | null): number {
  const failed = native.write(dirFd, names, Uint32Array.from(sizes), data, kinds, { file: FILE_MODE, exec: EXEC_MODE }, { fixed: FIXED_MTIME_MS, old: OLD_MTIME_MS });
  const done = failed < 0 ? names.length : failed;
  // open() applies the umask; only a umask that strips bits needs the chmod (as writeWhole does).
  for (let j = 0; j < done; j++) {
    const mode = kinds && kinds[j]! & 1 ? EXEC_MODE : FILE_MODE;
    if (needsChmod(mode)) fs.chmodSync(`${dir}/${names[j]}`, mode);
  }
  return done;
}

const CREATE = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | (fs.constants.O_NOFOLLOW ?? 0);

/** What DataContext.write does for a whole file, without the piece object: create (a new file, never through a link), write, time, close, chmod if the umask took bits. */
function writeWhole(path: string, data: Buffer, mode: number, mtimeS: number): void {
  const fd = fs.openSync(path, CREATE, mode);
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
