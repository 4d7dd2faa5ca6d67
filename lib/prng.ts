// Deterministic numbers and byte streams for dataset generation: same inputs give the same output on every machine.
//
// Only integer ops (Math.imul, shifts) and IEEE-754 basic arithmetic (+ - * /, which are correctly
// rounded everywhere) are used for anything that decides a size, a name or a choice: Math.log/exp
// are not guaranteed bit-identical across engines/platforms, so log-uniform sizes use detLn/detExp.
import { createCipheriv } from "node:crypto";

/** Finalizer of a 32-bit hash (lowbias32): good avalanche, pure integer math. */
export function mix32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  x = (x ^ (x >>> 16)) >>> 0;
  return x;
}

/** Hash of a list of 32-bit words (numbers are taken modulo 2^32; larger seeds fold their high part in). */
export function hashWords(...words: number[]): number {
  let h = 0x9e3779b9;
  for (const w of words) {
    const lo = w >>> 0;
    const hi = Math.floor(w / 4294967296) >>> 0;
    h = mix32((h ^ lo) >>> 0);
    h = mix32((h + Math.imul(hi, 0x85ebca6b) + 0x27d4eb2f) >>> 0);
  }
  return h;
}

/** xoshiro128** seeded from words through hashWords; yields uint32 and 53-bit fractions. */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  constructor(...seedWords: number[]) {
    const h = hashWords(...seedWords);
    this.s0 = mix32(h ^ 0x1);
    this.s1 = mix32(h ^ 0x2);
    this.s2 = mix32(h ^ 0x3);
    this.s3 = mix32(h ^ 0x4) | 1; // never all-zero state
  }
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }
  /** Uniform in [0, 1) with 53 bits. */
  nextFloat(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }
  /** Uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.nextFloat() * n);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

const LN2 = 0.6931471805599453;

/** Natural log with basic arithmetic only (x > 0). Accurate to ~1e-15 relative, identical everywhere. */
export function detLn(x: number): number {
  let k = 0;
  while (x >= 2) { x /= 2; k++; }
  while (x < 1) { x *= 2; k--; }
  // ln(x) = 2 atanh((x-1)/(x+1)), x in [1,2) -> z in [0, 1/3)
  const z = (x - 1) / (x + 1);
  const z2 = z * z;
  let term = z;
  let sum = 0;
  for (let n = 1; n < 80; n += 2) {
    sum += term / n;
    term *= z2;
  }
  return 2 * sum + k * LN2;
}

/** e^x with basic arithmetic only. */
export function detExp(x: number): number {
  const k = Math.floor(x / LN2);
  const r = x - k * LN2; // in [0, ln2)
  let term = 1;
  let sum = 1;
  for (let n = 1; n < 30; n++) {
    term = (term * r) / n;
    sum += term;
  }
  let out = sum;
  if (k > 0) for (let i = 0; i < k; i++) out *= 2;
  else for (let i = 0; i < -k; i++) out /= 2;
  return out;
}

/** 16-byte AES key derived from the dataset seed and a purpose tag. */
export function contentKey(seed: number, tag: number): Buffer {
  const key = Buffer.alloc(16);
  for (let i = 0; i < 4; i++) key.writeUInt32BE(hashWords(seed, tag, i), i * 4);
  return key;
}

/**
 * Bytes per cipher.update call. update() returns a fresh buffer each time; at 4 MiB those buffers
 * kept coming from new memory (4 GiB of keystream: ~235k minor faults vs ~14k with 64 KiB slices),
 * and first-touched memory is slow on a VM with free-page reporting (~0.5 GB/s, the same limit
 * `dd` hits). Slices this small are recycled by the allocator; the extra copy costs little.
 */
export const KEYSTREAM_SLICE_BYTES = 64 << 10;

/**
 * Random bytes of one stream (identified by two words) starting at byte `offsetBytes`:
 * AES-128-CTR keystream, which is incompressible, ~4 GB/s per core, and seekable so
 * workers can write disjoint parts of one large file.
 */
export class KeyStream {
  private readonly key: Buffer;
  private readonly zeros: Buffer;
  constructor(key: Buffer, maxChunkBytes: number) {
    this.key = key;
    this.zeros = Buffer.alloc(Math.min(maxChunkBytes, KEYSTREAM_SLICE_BYTES));
  }
  /** Fill `out` with the keystream of stream (a, b) from byte offset `offsetBytes` (multiple of 16). */
  fill(a: number, b: number, offsetBytes: number, out: Uint8Array): void {
    if (offsetBytes % 16 !== 0) throw new Error("KeyStream offset must be a multiple of 16");
    const block = offsetBytes / 16; // counter in the low 64 bits of the IV
    const iv = Buffer.alloc(16);
    iv.writeUInt32BE(a >>> 0, 0);
    iv.writeUInt32BE(b >>> 0, 4);
    iv.writeUInt32BE(Math.floor(block / 4294967296) >>> 0, 8);
    iv.writeUInt32BE(block >>> 0, 12);
    const cipher = createCipheriv("aes-128-ctr", this.key, iv);
    let done = 0;
    while (done < out.length) {
      const n = Math.min(this.zeros.length, out.length - done);
      const ks = cipher.update(this.zeros.subarray(0, n));
      out.set(ks, done);
      done += n;
    }
  }
}

/**
 * KeyStream's bytes for many short streams (a, b0), (a, b0+1), … from offset 0, in one cipher call.
 * AES-CTR is AES-ECB of the counter blocks, so every stream's counter blocks are laid out back to
 * back (stream k's bytes start at the sum of the previous sizes rounded up to 16) and encrypted at
 * once: a cipher per small file (createCipheriv + update) cost ~3 µs, more than the file's write.
 * Callers keep one call's output to KEYSTREAM_SLICE_BYTES (see there).
 */
export class KeyBlocks {
  private readonly ecb;
  private ctr = new DataView(new ArrayBuffer(KEYSTREAM_SLICE_BYTES));
  constructor(key: Buffer) {
    this.ecb = createCipheriv("aes-128-ecb", key, null);
    this.ecb.setAutoPadding(false);
  }
  /** Streams b0 .. b0+n-1 of `a`, with sizes[from .. from+n-1]; the output's length is the sum of those sizes rounded up to 16. */
  fill(a: number, b0: number, sizes: ArrayLike<number>, from: number, n: number): Buffer {
    let bytes = 0;
    for (let k = from; k < from + n; k++) bytes += Math.ceil(sizes[k]! / 16) * 16;
    if (this.ctr.byteLength < bytes) this.ctr = new DataView(new ArrayBuffer(bytes));
    const v = this.ctr;
    let p = 0;
    for (let k = 0; k < n; k++) {
      const blocks = Math.ceil(sizes[from + k]! / 16);
      const b = (b0 + k) >>> 0;
      // The IV KeyStream.fill builds for offset 0 (a, b, 0, 0), then the counter in its low words.
      for (let j = 0; j < blocks; j++, p += 16) {
        v.setUint32(p, a >>> 0);
        v.setUint32(p + 4, b);
        v.setUint32(p + 8, 0);
        v.setUint32(p + 12, j);
      }
    }
    return this.ecb.update(new Uint8Array(v.buffer, 0, bytes));
  }
}
