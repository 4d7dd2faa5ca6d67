// The per-file work of the data layer (write generated content, hash, copy): synchronous, batch-oriented, run inline or in a Bun Worker.
// Synchronous and batched on purpose: per-file async overhead dominates with 100k small files, so a batch of thousands is one message and plain sync syscalls.
import * as fs from "node:fs";
import { processUmask } from "../platform/umask.ts";
import { KeyBlocks, KeyStream } from "../prng.ts";

/** Content hash chunking: hashes are per 1 MiB chunk so big files can be hashed by several workers. */
export const HASH_CHUNK_BYTES = 1 << 20;
/** Size of the read buffer; a multiple of HASH_CHUNK_BYTES. */
export const IO_CHUNK_BYTES = 4 << 20;
/** Size of the generate-hash-write step; a multiple of HASH_CHUNK_BYTES. */
const GEN_CHUNK_BYTES = HASH_CHUNK_BYTES;
export const SPARSE_BLOCK_BYTES = 4096;
export const SPARSE_MAX_BLOCKS = 8;
const COMPRESS_UNIT_BYTES = 512;

export type ContentCode = "random" | "zero" | "compressible" | "sparse";

/** How to produce the bytes of one file: stream (a, b) of the dataset's keystream. */
export interface ContentDesc {
  content: ContentCode;
  a: number;
  b: number;
  sizeBytes: number;
  compressRatio: number;
}

/** One unit of write work: a whole small file, or a 1 MiB-aligned range of a big file created beforehand. */
export interface WritePiece {
  path: string;
  desc: ContentDesc;
  offsetBytes: number;
  lengthBytes: number;
  /** Whole file: create, write, set mode and mtime, close. Otherwise pwrite into an existing file. */
  whole: boolean;
  mode: number;
  mtimeMs: number;
}

export interface HashPiece {
  path: string;
  offsetBytes: number;
  lengthBytes: number;
  /** Whole file: open, fstat, hash all; the result carries the stat fields. */
  whole: boolean;
}

export interface HashResult {
  /** Per 1 MiB chunk hashes of the piece (whole file: final hash in `hash`). */
  chunkHashes?: bigint[];
  hash?: string;
  size?: number;
  mode?: number;
  mtimeMs?: number;
  /** ino…blocks: the rest of the fstat taken while hashing a whole file, for the same-work checks (run/same-work-pass.ts). */
  ino?: number; dev?: number; nlink?: number; uid?: number; gid?: number; blocks?: number;
  error?: string;
}

/** Final content hash from the per-chunk hashes: the one definition used by manifest and verify. */
export function combineChunkHashes(chunkHashes: bigint[], sizeBytes: number): string {
  return hex64(combinedHash(chunkHashes, sizeBytes));
}

/** combineChunkHashes as a number (what the generator keeps per file, 8 bytes). */
export function combinedHash(chunkHashes: bigint[], sizeBytes: number): bigint {
  if (chunkHashes.length <= 1) return BigInt(chunkHashes[0] ?? Bun.hash.wyhash(new Uint8Array(0), 0n));
  const buf = Buffer.alloc(8 * chunkHashes.length);
  chunkHashes.forEach((h, i) => buf.writeBigUInt64LE(h, i * 8));
  return BigInt(Bun.hash.wyhash(buf, BigInt(sizeBytes)));
}

export function hex64(h: bigint | number): string {
  return BigInt(h).toString(16).padStart(16, "0");
}

export function chunkHash(data: Uint8Array, chunkIndex: number): bigint {
  return Bun.hash.wyhash(data, BigInt(chunkIndex)) as bigint;
}

/** Per-thread state: one keystream and reusable buffers. */
export class DataContext {
  readonly ks: KeyStream;
  /** Keystream of many small whole files at once (leaf.ts). */
  readonly blocks: KeyBlocks;
  private buf: Buffer = Buffer.alloc(0);
  private readonly pattern: Buffer;
  constructor(key: Buffer) {
    this.ks = new KeyStream(key, IO_CHUNK_BYTES);
    this.blocks = new KeyBlocks(key);
    // The repeated unit of "compressible" content; non-zero so it is not mistaken for a hole.
    this.pattern = Buffer.alloc(COMPRESS_UNIT_BYTES);
    this.ks.fill(0xffffffff, 0xffffffff, 0, this.pattern);
  }
  buffer(bytes: number): Buffer {
    if (this.buf.length < bytes) this.buf = Buffer.alloc(Math.max(bytes, 64 * 1024));
    return this.buf.subarray(0, bytes);
  }

  /** "compressible" content from its keystream in `out` (at `offsetBytes`, a multiple of the unit). */
  compress(out: Uint8Array, offsetBytes: number, ratio: number): void {
    if (!(ratio > 1)) return;
    // Unit u is random when floor((u+1)/ratio) > floor(u/ratio): ~1/ratio of the units, evenly
    // spread; the others repeat one pattern, which deflate reduces to almost nothing.
    const firstUnit = offsetBytes / COMPRESS_UNIT_BYTES;
    for (let pos = 0; pos < out.length; pos += COMPRESS_UNIT_BYTES) {
      const u = firstUnit + pos / COMPRESS_UNIT_BYTES;
      if (Math.floor((u + 1) / ratio) > Math.floor(u / ratio)) continue;
      out.set(this.pattern.subarray(0, Math.min(COMPRESS_UNIT_BYTES, out.length - pos)), pos);
    }
  }

  /** Fill `out` with the logical content of the file at `offsetBytes` (a multiple of 16). */
  fill(d: ContentDesc, offsetBytes: number, out: Buffer): void {
    switch (d.content) {
      case "zero":
        out.fill(0);
        return;
      case "random":
        this.ks.fill(d.a, d.b, offsetBytes, out);
        return;
      case "compressible": {
        this.ks.fill(d.a, d.b, offsetBytes, out);
        this.compress(out, offsetBytes, d.compressRatio);
        return;
      }
      case "sparse": {
        out.fill(0);
        for (const [blockOffset, blockLen] of sparseBlocks(d.sizeBytes)) {
          const lo = Math.max(blockOffset, offsetBytes);
          const hi = Math.min(blockOffset + blockLen, offsetBytes + out.length);
          if (lo >= hi) continue;
          const tmp = Buffer.alloc(Math.ceil((blockLen) / 16) * 16);
          this.ks.fill(d.a, d.b, blockOffset, tmp);
          out.set(tmp.subarray(lo - blockOffset, hi - blockOffset), lo - offsetBytes);
        }
        return;
      }
    }
  }

  /** Write one piece; returns the chunk hashes of its range. Throws the fs error (e.g. ENOSPC). */
  write(p: WritePiece): bigint[] {
    const hashes: bigint[] = [];
    const fd = p.whole ? fs.openSync(p.path, "w", p.mode) : fs.openSync(p.path, "r+");
    try {
      if (p.whole && p.desc.content === "sparse") fs.ftruncateSync(fd, p.desc.sizeBytes);
      let done = 0;
      while (done < p.lengthBytes || (done === 0 && p.lengthBytes === 0)) {
        // Generate 1 MiB at a time so it is still in the CPU cache when written (see WRITE_SLICE_BYTES).
        const n = Math.min(GEN_CHUNK_BYTES, p.lengthBytes - done);
        const off = p.offsetBytes + done;
        const buf = this.buffer(n);
        this.fill(p.desc, off, buf);
        for (let c = 0; c < n || (n === 0 && c === 0); c += HASH_CHUNK_BYTES) {
          hashes.push(chunkHash(buf.subarray(c, Math.min(n, c + HASH_CHUNK_BYTES)), (off + c) / HASH_CHUNK_BYTES));
        }
        if (p.desc.content === "sparse") {
          for (const [bo, bl] of sparseBlocks(p.desc.sizeBytes)) {
            const lo = Math.max(bo, off);
            const hi = Math.min(bo + bl, off + n);
            if (lo < hi) writeAll(fd, buf.subarray(lo - off, hi - off), lo);
          }
        } else if (n > 0) {
          writeAll(fd, buf, off);
        }
        if (n === 0) break;
        done += n;
      }
      if (p.whole) {
        const s = p.mtimeMs / 1000;
        fs.futimesSync(fd, s, s);
      }
    } finally {
      fs.closeSync(fd);
    }
    if (p.whole && needsChmod(p.mode)) fs.chmodSync(p.path, p.mode);
    return hashes;
  }

  /** Hash one piece of an existing file (dest or source). Errors are returned, not thrown. */
  hash(p: HashPiece): HashResult {
    let fd: number;
    try {
      fd = fs.openSync(p.path, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    } catch (e) {
      return { error: (e as NodeJS.ErrnoException).code ?? String(e) };
    }
    try {
      const out: HashResult = {};
      let length = p.lengthBytes;
      if (p.whole) {
        // Plain numbers, not bigint: a bigint stat is a dozen heap objects per file, and verification's 1 ms
        // mtime tolerance needs no nanoseconds (a double ms keeps ~0.2 µs at today's dates; inodes stay exact below 2^53).
        const st = fs.fstatSync(fd);
        out.size = st.size;
        out.mode = st.mode;
        out.mtimeMs = st.mtimeMs;
        out.ino = st.ino;
        out.dev = st.dev; out.nlink = st.nlink; out.uid = st.uid; out.gid = st.gid; out.blocks = st.blocks;
        length = out.size;
      }
      const hashes: bigint[] = [];
      let done = 0;
      while (true) {
        const want = Math.min(IO_CHUNK_BYTES, length - done);
        const buf = this.buffer(Math.max(want, 1));
        const n = want > 0 ? readAll(fd, buf.subarray(0, want), p.offsetBytes + done) : 0;
        const off = p.offsetBytes + done;
        for (let c = 0; c < n || (n === 0 && c === 0 && hashes.length === 0); c += HASH_CHUNK_BYTES) {
          hashes.push(chunkHash(buf.subarray(c, Math.min(n, c + HASH_CHUNK_BYTES)), (off + c) / HASH_CHUNK_BYTES));
        }
        done += n;
        if (n < want || n === 0) break; // short file: hash what is there, the size check reports it
      }
      if (p.whole) out.hash = combineChunkHashes(hashes, done);
      else out.chunkHashes = hashes;
      return out;
    } catch (e) {
      return { error: (e as NodeJS.ErrnoException).code ?? String(e) };
    } finally {
      fs.closeSync(fd);
    }
  }
}

/** Offsets and lengths of the data blocks of a sparse file; the rest is a hole. */
export function sparseBlocks(sizeBytes: number): [number, number][] {
  if (sizeBytes === 0) return [];
  const n = Math.min(SPARSE_MAX_BLOCKS, Math.ceil(sizeBytes / SPARSE_BLOCK_BYTES));
  const out: [number, number][] = [];
  let last = -1;
  for (let i = 0; i < n; i++) {
    const off = Math.floor((i * sizeBytes) / n / SPARSE_BLOCK_BYTES) * SPARSE_BLOCK_BYTES;
    if (off <= last) continue;
    out.push([off, Math.min(SPARSE_BLOCK_BYTES, sizeBytes - off)]);
    last = off;
  }
  return out;
}

/** open()/mkdir() modes go through the umask; only when it would strip bits is a chmod needed. */
const UMASK = processUmask();
export function needsChmod(mode: number): boolean {
  return (mode & UMASK & 0o777) !== 0 || (mode & 0o7000) !== 0;
}

/**
 * Largest single write(). Measured on the 2-core ext4 VM (4 GiB, one thread, zeros): 4 MiB writes
 * ~410 MiB/s, 1 MiB ~500, 128-256 KiB ~650-790; the page-cache copy of a slice that is still in
 * the CPU cache, and the smaller page-cache folios, are cheaper than one huge copy.
 */
const WRITE_SLICE_BYTES = 256 << 10;

export function writeAll(fd: number, buf: Uint8Array, position: number): void {
  let done = 0;
  while (done < buf.length) done += fs.writeSync(fd, buf, done, Math.min(WRITE_SLICE_BYTES, buf.length - done), position + done);
}

export function readAll(fd: number, buf: Uint8Array, position: number): number {
  let done = 0;
  while (done < buf.length) {
    const n = fs.readSync(fd, buf, done, buf.length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}
