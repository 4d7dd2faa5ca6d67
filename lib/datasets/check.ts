// A cached dataset's integrity beyond its content hashes: its structure against the manifest, and the `invalid` marker a damaged one carries.
//
// The content hashes (deepCheck) miss what a vandal can add without touching a listed file's bytes:
// extra entries, a changed type, permission bits, a symlink's target, a broken or added hard link.
// Directory mtimes are not compared: incremental trees rewrite files in place, which moves them.
import fs from "node:fs";
import path from "node:path";
import { removeEntry, walk, type Kind } from "../safe-fs";
import type { Manifest } from "./manifest";

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

/** First difference between the tree and its manifest in entries, types, modes, symlink targets and hard links; null when they agree. */
export function structureCheck(treeDir: string, manifest: Manifest): string | null {
  const want = new Map(manifest.entries.map((e) => [e.path, e]));
  // Hard links: names of one manifest group (linkOf) share one inode, and no two groups share one.
  const groupOfInode = new Map<string, string>();
  const inodeOfGroup = new Map<string, string>();
  const seen = new Set<string>();
  let problem: string | null = null;
  walk(
    treeDir,
    (rel, kind: Kind, abs) => {
      if (problem) return false;
      const e = want.get(rel);
      if (!e) return void (problem = `${rel} is not in the manifest (extra ${kind})`);
      seen.add(rel);
      if (kind !== e.type) return void (problem = `${rel} is a ${kind}, expected a ${e.type}`);
      if (kind === "symlink") {
        const target = fs.readlinkSync(abs);
        if (target !== e.target) problem = `${rel} points to ${target}, expected ${e.target}`;
        return;
      }
      const st = fs.lstatSync(abs);
      if ((st.mode & 0o7777) !== (e.mode & 0o7777)) return void (problem = `${rel} has mode ${(st.mode & 0o7777).toString(8)}, expected ${(e.mode & 0o7777).toString(8)}`);
      if (kind !== "file") return;
      const inode = `${st.dev}:${st.ino}`;
      const group = e.linkOf ?? rel;
      const g = groupOfInode.get(inode);
      const i = inodeOfGroup.get(group);
      if (g !== undefined && g !== group) problem = `${rel} is a hard link of ${g}, expected a file of its own`;
      else if (i !== undefined && i !== inode) problem = `${rel} is no longer a hard link of ${group}`;
      groupOfInode.set(inode, group);
      inodeOfGroup.set(group, inode);
    },
    { sorted: true },
  );
  if (problem) return problem;
  if (seen.size < want.size) for (const e of manifest.entries) if (!seen.has(e.path)) return `${e.path} is missing`;
  return null;
}
