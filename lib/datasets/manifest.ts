// A dataset's manifest: every entry of the tree (type, size, mode, mtime, content hash, link), read back and checked quickly.
//
// fileCount counts every regular-file name (hard-link names too); totalBytes counts the bytes of
// distinct files (a hard link adds no data). datasetTotals returns the same two numbers.
// Content hash: wyhash64 (Bun.hash.wyhash) of each 1 MiB chunk seeded with the chunk index, then
// for files over 1 MiB a wyhash of the chunk hashes seeded with the size (see content.ts).
import * as fs from "node:fs";
import * as path from "node:path";
import { DIR_MODE, FIXED_MTIME_MS } from "../layout";
import type { DatasetPlan } from "./tree";

export interface ManifestEntry {
  path: string; // posix, relative
  type: "file" | "dir" | "symlink";
  size: number;
  mode: number;
  mtimeMs: number;
  hash?: string;
  target?: string;
  linkOf?: string;
}
export interface Manifest {
  version: 1;
  specHash: string;
  fileCount: number;
  totalBytes: number;
  entries: ManifestEntry[];
  /** How `hash` was computed, so a reader never compares hashes of different kinds. */
  hashAlgorithm?: string;
}

export const HASH_ALGORITHM = "wyhash64-1MiB-chunks-v1";

export function buildManifest(hash: string, plan: DatasetPlan, hashes: string[]): Manifest {
  const entries: ManifestEntry[] = [];
  let totalBytes = 0;
  const byPath = new Map<string, ManifestEntry>();
  for (const d of plan.dirs) entries.push({ path: d, type: "dir", size: 0, mode: DIR_MODE, mtimeMs: FIXED_MTIME_MS });
  plan.files.forEach((f, i) => {
    const e: ManifestEntry = { path: f.path, type: "file", size: f.sizeBytes, mode: f.mode, mtimeMs: f.mtimeMs, hash: hashes[i] };
    entries.push(e);
    byPath.set(f.path, e);
    totalBytes += f.sizeBytes;
  });
  for (const l of plan.hardlinks) {
    const t = byPath.get(l.linkOf)!;
    entries.push({ ...t, path: l.path, linkOf: l.linkOf });
  }
  for (const s of plan.symlinks) {
    entries.push({ path: s.path, type: "symlink", size: Buffer.byteLength(s.target), mode: 0o777, mtimeMs: FIXED_MTIME_MS, target: s.target });
  }
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  fixLinkOf(entries);
  return { version: 1, specHash: hash, fileCount: plan.files.length + plan.hardlinks.length, totalBytes, entries, hashAlgorithm: HASH_ALGORITHM };
}

/** linkOf must name the first entry (in manifest order) of the inode, whatever name was created first. */
export function fixLinkOf(entries: ManifestEntry[]): void {
  const groups = new Map<string, ManifestEntry[]>();
  for (const e of entries) {
    if (e.type !== "file") continue;
    const root = e.linkOf ?? e.path;
    if (e.linkOf || groups.has(root)) {
      const g = groups.get(root) ?? [];
      g.push(e);
      groups.set(root, g);
    } else groups.set(root, [e]);
  }
  for (const [, g] of groups) {
    if (g.length < 2) continue;
    const first = g[0]!.path;
    g[0]!.linkOf = undefined;
    delete g[0]!.linkOf;
    for (const e of g.slice(1)) e.linkOf = first;
  }
}

/** Quick check: every entry exists with the right type, size and mtime (1 ms); no extras looked for. */
export function quickCheck(treeDir: string, manifest: Manifest): string | null {
  for (const e of manifest.entries) {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(path.join(treeDir, e.path));
    } catch {
      return `${e.path} is missing`;
    }
    if (e.type === "file") {
      if (!st.isFile()) return `${e.path} is not a file`;
      if (st.size !== e.size) return `${e.path} has ${st.size} bytes, expected ${e.size}`;
      if (Math.abs(st.mtimeMs - e.mtimeMs) >= 1) return `${e.path} has a different mtime`;
    } else if (e.type === "dir") {
      if (!st.isDirectory()) return `${e.path} is not a directory`;
    } else if (!st.isSymbolicLink()) return `${e.path} is not a symlink`;
  }
  return null;
}

export function readManifest(file: string): Manifest {
  const m = JSON.parse(fs.readFileSync(file, "utf8")) as Manifest;
  if (m.version !== 1 || !Array.isArray(m.entries)) throw new Error(`${file}: not a mirrorbench manifest v1`);
  return m;
}
