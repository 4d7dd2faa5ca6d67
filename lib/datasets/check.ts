// A cached dataset's integrity beyond its content hashes: its structure against the manifest, and the `invalid` marker a damaged one carries.
//
// The content hashes (deepCheck) miss what a vandal can add without touching a listed file's bytes:
// extra entries, a changed type, permission bits, a symlink's target, a broken or added hard link.
// Directory mtimes are not compared: incremental trees rewrite files in place, which moves them.
import fs from "node:fs";
import path from "node:path";
import { removeEntry } from "../safe-fs";
import type { Manifest } from "./manifest";
import { cmpTreeOrder } from "./records";
import { SortedWalk } from "./walk-sorted";

const INVALID = "invalid";

/** Marks a cached dataset damaged: the reason is kept for the log, `complete` goes, so the next use regenerates it. */
export function invalidateDataset(datasetDir: string, reason: string): void {
  const marker = path.join(datasetDir, INVALID);
  removeEntry(marker);
  fs.writeFileSync(marker, `${new Date().toISOString()} ${reason}\n`, { flag: "wx" });
  removeEntry(path.join(datasetDir, "complete"));
}

/** Why the dataset was marked invalid, or null. */
export function invalidReason(datasetDir: string): string | null {
  try {
    return fs.readFileSync(path.join(datasetDir, INVALID), "utf8").trim().replace(/^\S+ /, "");
  } catch {
    return null;
  }
}

/** First difference between the tree and its manifest in entries, types, modes, symlink targets and hard links; null when they agree. One merge walk. */
export function structureCheck(treeDir: string, manifest: Manifest): string | null {
  // Hard links: names of one manifest group (linkOf) share one inode, and no two groups share one.
  // Only inodes with more than one name, or names the manifest links, are remembered.
  const groupOfInode = new Map<string, string>();
  const inodeOfGroup = new Map<string, string>();
  const walk = new SortedWalk(treeDir);
  const it = manifest.entries();
  let d = walk.next();
  let n = it.next();
  while (d || !n.done) {
    const e = n.done ? null : n.value;
    const c = !d ? -1 : !e ? 1 : cmpTreeOrder(e.path, d.rel);
    if (c < 0) return `${e!.path} is missing`;
    if (c > 0) return `${d!.rel} is not in the manifest (extra ${d!.kind})`;
    const { rel, kind, abs } = d!;
    n = it.next();
    d = walk.next();
    if (kind !== e!.type) return `${rel} is a ${kind}, expected a ${e!.type}`;
    if (kind === "symlink") {
      const target = fs.readlinkSync(abs);
      if (target !== e!.target) return `${rel} points to ${target}, expected ${e!.target}`;
      continue;
    }
    const st = fs.lstatSync(abs);
    if ((st.mode & 0o7777) !== (e!.mode & 0o7777)) return `${rel} has mode ${(st.mode & 0o7777).toString(8)}, expected ${(e!.mode & 0o7777).toString(8)}`;
    if (kind !== "file" || (st.nlink < 2 && !e!.linked && !e!.linkOf)) continue;
    const inode = `${st.dev}:${st.ino}`;
    const group = e!.linkOf ?? rel;
    const g = groupOfInode.get(inode);
    const i = inodeOfGroup.get(group);
    if (g !== undefined && g !== group) return `${rel} is a hard link of ${g}, expected a file of its own`;
    if (i !== undefined && i !== inode) return `${rel} is no longer a hard link of ${group}`;
    groupOfInode.set(inode, group);
    inodeOfGroup.set(group, inode);
  }
  return null;
}
