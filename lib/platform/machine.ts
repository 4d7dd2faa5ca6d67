// The machine's room for a run: memory, the free space of the file system a path will live on, and freeing destinations left by an earlier run.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { removeInside } from "../safe-fs";
import { isOurs, workspaceReal } from "../workspace";

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

/** The path itself when it exists, else its nearest existing ancestor (lstat: a dangling link counts as existing). */
export function nearestExisting(p: string): string {
  let cur = path.resolve(p);
  for (;;) {
    try {
      fs.lstatSync(cur);
      return cur;
    } catch {
      const up = path.dirname(cur);
      if (up === cur) return cur;
      cur = up;
    }
  }
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

/**
 * Empties `<workspace>/dst`: copies left by an earlier run (every run re-creates its destination
 * anyway). A disk filled by a failed copy would otherwise stay full and fail the next run before
 * its first write. Only a real directory inside our own workspace is removed, never through a symlink.
 * Returns the bytes freed (0 when there was nothing).
 */
export function freeLeftoverDestinations(workspace: string): number {
  const dst = path.join(workspace, "dst");
  let st: fs.Stats;
  try {
    st = fs.lstatSync(dst);
  } catch {
    return 0;
  }
  if (!st.isDirectory() || !isOurs(workspace)) return 0;
  const before = fsSpace(workspace)?.freeBytes ?? 0;
  removeInside(workspaceReal(workspace), dst);
  return Math.max(0, (fsSpace(workspace)?.freeBytes ?? 0) - before);
}
