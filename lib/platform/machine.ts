// The machine's room for a run: memory, and the free space (bytes, inodes) of the file system a path will live on.

import fs from "node:fs";
import os from "node:os";
import { nearestExisting } from "../safe-fs";

export interface FsSpace {
  /** The existing directory that was measured (the path itself or its nearest existing ancestor). */
  dir: string;
  freeBytes: number;
  /** Free inodes; null where the file system does not count them (statfs reports 0). */
  freeFiles: number | null;
}

/** What config load may ask of the machine; injectable so limits are testable without a 900 TiB disk. */
export interface Machine {
  totalMemBytes: number;
  space(p: string): FsSpace | null;
}

export function fsSpace(p: string): FsSpace | null {
  const dir = nearestExisting(p);
  try {
    const st = fs.statfsSync(dir);
    return { dir, freeBytes: Number(st.bavail) * Number(st.bsize), freeFiles: Number(st.files) > 0 ? Number(st.ffree) : null };
  } catch {
    return null;
  }
}


export const realMachine: Machine = { totalMemBytes: os.totalmem(), space: fsSpace };
