// Restore's per-file work: a base-mirror file copied into a destination (never through a link), its mode and time set, and the mark that tells later whether it changed.
import * as fs from "node:fs";
import { needsChmod, readAll, writeAll } from "./content";

export interface CopyItem {
  src: string;
  dst: string;
  mode: number;
  mtimeMs: number;
}

/** Files up to this size are copied through one reused buffer on open descriptors; bigger ones by the kernel (copyFileSync: copy_file_range, a reflink where the file system can). */
const COPY_SMALL_BYTES = 1 << 20;
const copyBuf = Buffer.allocUnsafe(COPY_SMALL_BYTES);
const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;

/**
 * Copy files (dst must not exist: EXCL never writes through a link or an inode left there), then set
 * mode and mtime; returns each copy's mark (inodeMark). A small file is read and written on its two
 * descriptors, its mode, time and mark set and read through the new one (no path looked up again):
 * 0.84-0.87 s for 50k files of 1 B-1 KiB on one thread, against 0.96-1.11 s with copyFileSync + chmod +
 * utimes + lstat by path (measured side by side on /mnt/bench; restore into an empty destination, 100k
 * files on four workers: 2.06 s against 2.15 s, within that day's noise).
 */
export function copyFiles(items: CopyItem[]): bigint[] {
  const marks: bigint[] = [];
  for (const it of items) {
    const mode = it.mode & 0o7777;
    const s = it.mtimeMs / 1000;
    const src = fs.openSync(it.src, O_RDONLY | O_NOFOLLOW);
    try {
      const size = fs.fstatSync(src).size;
      if (size > COPY_SMALL_BYTES) {
        fs.copyFileSync(it.src, it.dst, fs.constants.COPYFILE_EXCL);
        fs.chmodSync(it.dst, mode);
        fs.utimesSync(it.dst, s, s);
        marks.push(inodeMark(fs.lstatSync(it.dst, { bigint: true })));
        continue;
      }
      const dst = fs.openSync(it.dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode & 0o777);
      try {
        const n = readAll(src, copyBuf.subarray(0, size), 0);
        writeAll(dst, copyBuf.subarray(0, n), 0);
        if (needsChmod(mode)) fs.fchmodSync(dst, mode);
        fs.futimesSync(dst, s, s);
        marks.push(inodeMark(fs.fstatSync(dst, { bigint: true })));
      } finally {
        fs.closeSync(dst);
      }
    } finally {
      fs.closeSync(src);
    }
  }
  return marks;
}

/**
 * 64 bits that change whenever a file may have: its inode and ctime mixed (any write, chmod, utimes
 * or rename moves ctime). 0 is never a mark, so a zeroed slot means "not known".
 */
export function inodeMark(st: { ino: bigint; ctimeNs: bigint }): bigint {
  const m = (st.ino * 0x9e3779b97f4a7c15n + st.ctimeNs) & 0xffffffffffffffffn;
  return m === 0n ? 1n : m;
}
