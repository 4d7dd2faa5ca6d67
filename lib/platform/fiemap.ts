// A file's extents through FS_IOC_FIEMAP (Linux, bun:ffi): shared extents mark a reflink/clone, not a copy.

import fs from "node:fs";
import { ERRNO, errnoName, loadLibc } from "./libc";

/** _IOWR('f', 11, struct fiemap): the ioctl number is the same on every Linux architecture that matters here. */
export const FS_IOC_FIEMAP = 0xc020660b;
export const FIEMAP_FLAG_SYNC = 0x1;
export const FIEMAP_EXTENT_LAST = 0x1;
export const FIEMAP_EXTENT_UNKNOWN = 0x2;
export const FIEMAP_EXTENT_DELALLOC = 0x4;
export const FIEMAP_EXTENT_SHARED = 0x2000;

/** struct fiemap: u64 start, u64 length, u32 flags, u32 mapped, u32 count, u32 reserved = 32 bytes; then struct fiemap_extent[]. */
const HEADER_BYTES = 32;
/** struct fiemap_extent: u64 logical, u64 physical, u64 length, u64 reserved[2], u32 flags, u32 reserved[3] = 56 bytes. */
const EXTENT_BYTES = 56;
const BATCH = 128;
const FIEMAP_MAX_OFFSET = 0xffffffffffffffffn;

export interface Extent {
  logicalBytes: number;
  physicalBytes: number;
  lengthBytes: number;
  flags: number;
}

export type ExtentsResult = { ok: true; extents: Extent[] } | { ok: false; reason: string; unsupported: boolean };

export interface FiemapSys {
  open(p: string): number;
  close(fd: number): void;
  /** ioctl(fd, FS_IOC_FIEMAP, buf): 0 or the errno name. */
  fiemap(fd: number, buf: Uint8Array): { ok: true } | { ok: false; errno: number };
}

function realSys(): FiemapSys | string {
  const { libc, error } = loadLibc();
  if (!libc) return error ?? "libc unavailable";
  return {
    open: (p) => fs.openSync(p, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW),
    close: (fd) => fs.closeSync(fd),
    fiemap: (fd, buf) => (libc.ioctl(fd, FS_IOC_FIEMAP, buf) === 0 ? { ok: true } : { ok: false, errno: libc.errno() }),
  };
}

/**
 * Every extent of a regular file, in batches of 128 until FIEMAP_EXTENT_LAST. FIEMAP_FLAG_SYNC writes
 * dirty data back first, so a file that was just copied shows its real (not delayed-allocation) extents.
 * unsupported: the file system has no FIEMAP (tmpfs, some FUSE and network file systems).
 */
export function fileExtents(p: string, sys: FiemapSys | null = null): ExtentsResult {
  const s = sys ?? realSys();
  if (typeof s === "string") return { ok: false, reason: s, unsupported: true };
  let fd: number;
  try {
    fd = s.open(p);
  } catch (e) {
    return { ok: false, reason: `open ${p}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, unsupported: false };
  }
  try {
    const extents: Extent[] = [];
    let start = 0n;
    for (let round = 0; round < 1_000_000; round++) {
      const buf = new Uint8Array(HEADER_BYTES + BATCH * EXTENT_BYTES);
      const view = new DataView(buf.buffer);
      view.setBigUint64(0, start, true);
      view.setBigUint64(8, FIEMAP_MAX_OFFSET - start, true);
      view.setUint32(16, FIEMAP_FLAG_SYNC, true);
      view.setUint32(24, BATCH, true);
      const r = s.fiemap(fd, buf);
      if (!r.ok) {
        const unsupported = r.errno === ERRNO.EOPNOTSUPP || r.errno === ERRNO.ENOTTY;
        return { ok: false, reason: `FIEMAP on ${p}: ${errnoName(r.errno)}`, unsupported };
      }
      const mapped = view.getUint32(20, true);
      if (mapped === 0) break;
      let last = false;
      for (let i = 0; i < mapped; i++) {
        const o = HEADER_BYTES + i * EXTENT_BYTES;
        const e: Extent = {
          logicalBytes: Number(view.getBigUint64(o, true)),
          physicalBytes: Number(view.getBigUint64(o + 8, true)),
          lengthBytes: Number(view.getBigUint64(o + 16, true)),
          flags: view.getUint32(o + 40, true),
        };
        extents.push(e);
        if (e.flags & FIEMAP_EXTENT_LAST) last = true;
      }
      if (last) break;
      const tail = extents[extents.length - 1]!;
      start = BigInt(tail.logicalBytes + tail.lengthBytes);
    }
    return { ok: true, extents };
  } finally {
    s.close(fd);
  }
}

/** Bytes of the extents flagged FIEMAP_EXTENT_SHARED (shared with another file or a snapshot). */
export function sharedBytes(extents: readonly Extent[]): number {
  return extents.filter((e) => e.flags & FIEMAP_EXTENT_SHARED).reduce((a, e) => a + e.lengthBytes, 0);
}

/**
 * Bytes of `dst` extents that sit on the same physical blocks as `src` extents: a clone of this source
 * (a shared flag alone could also mean a snapshot shares the blocks). Extents with unknown placement
 * (FIEMAP_EXTENT_UNKNOWN, physical 0) never count.
 */
export function overlapBytes(src: readonly Extent[], dst: readonly Extent[]): number {
  const known = (e: Extent) => !(e.flags & FIEMAP_EXTENT_UNKNOWN) && e.physicalBytes > 0 && e.lengthBytes > 0;
  const a = src.filter(known).map((e) => [e.physicalBytes, e.physicalBytes + e.lengthBytes] as const).sort((x, y) => x[0] - y[0]);
  let total = 0;
  for (const e of dst.filter(known)) {
    const lo = e.physicalBytes;
    const hi = e.physicalBytes + e.lengthBytes;
    for (const [s, t] of a) {
      if (s >= hi) break;
      if (t > lo) total += Math.min(hi, t) - Math.max(lo, s);
    }
  }
  return total;
}
