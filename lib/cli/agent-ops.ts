// The agent's operations on this host: what it is (probe), a dataset built from its spec (generate), a tree's manifest hash, a cache drop; each returns one JSON-able object.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ensureDataset } from "../datasets/store";
import { hashFiles, poolFor } from "../datasets/pool";
import type { Manifest } from "../datasets/manifest";
import { fsSpace } from "../platform/machine";
import type { Platform } from "../platform/index";
import type { DatasetSpec } from "../types";
import { claimWorkspace, inWorkspace } from "../workspace";

/** A line per entry, sorted by path; only what makes the bytes the same (no mtimes, no directory sizes). */
export interface DigestEntry {
  path: string;
  type: "file" | "dir" | "symlink";
  size: number;
  mode: number;
  hash?: string;
  target?: string;
  linkOf?: string;
}

/**
 * The manifest hash: sha256 over every entry's type, path, and for files size, permission bits, content hash
 * (the manifests' wyhash chunks) and hard-link partner, for symlinks the target. Equal hashes on two hosts mean the
 * same tree of the same bytes; mtimes are left out (keeping them is the copy's verify step's business).
 */
export function manifestDigest(entries: Iterable<DigestEntry>): string {
  const h = new Bun.CryptoHasher("sha256");
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const e of sorted) {
    if (e.type === "dir") h.update(`d\t${e.path}\n`);
    else if (e.type === "symlink") h.update(`l\t${e.path}\t${e.target ?? ""}\n`);
    else h.update(`f\t${e.path}\t${e.size}\t${(e.mode & 0o7777).toString(8)}\t${e.hash ?? ""}\t${e.linkOf ?? ""}\n`);
  }
  return h.digest("hex");
}

/** The entries of a real tree, by lstat (links are never followed), files hashed as the dataset manifests are. */
export async function treeEntries(root: string): Promise<DigestEntry[]> {
  if (!fs.lstatSync(root).isDirectory()) throw new Error(`${root} is not a directory`);
  const out: DigestEntry[] = [];
  const inodes = new Map<string, DigestEntry[]>();
  const walk = (dir: string, rel: string) => {
    for (const name of fs.readdirSync(dir)) {
      const abs = path.join(dir, name);
      const p = rel ? `${rel}/${name}` : name;
      const st = fs.lstatSync(abs);
      if (st.isDirectory()) {
        out.push({ path: p, type: "dir", size: 0, mode: st.mode });
        walk(abs, p);
      } else if (st.isSymbolicLink()) out.push({ path: p, type: "symlink", size: st.size, mode: st.mode, target: fs.readlinkSync(abs) });
      else if (st.isFile()) {
        const e: DigestEntry = { path: p, type: "file", size: st.size, mode: st.mode };
        out.push(e);
        if (st.nlink > 1) inodes.set(`${st.dev}:${st.ino}`, [...(inodes.get(`${st.dev}:${st.ino}`) ?? []), e]);
      } else throw new Error(`${p} is neither a file, a directory nor a symlink`);
    }
  };
  walk(root, "");
  // Hard links: every later name (in path order) points at the first, as fixLinkOf writes manifests.
  for (const group of inodes.values()) {
    group.sort((a, b) => (a.path < b.path ? -1 : 1));
    for (const e of group.slice(1)) e.linkOf = group[0]!.path;
  }
  const files = out.filter((e) => e.type === "file" && !e.linkOf);
  const pool = poolFor(files.length, files.reduce((n, e) => n + e.size, 0));
  try {
    const rs = await hashFiles(pool, files.map((e) => ({ path: path.join(root, e.path), sizeHint: e.size })));
    rs.forEach((r, i) => {
      if (r.error) throw new Error(`${files[i]!.path}: ${r.error}`);
      files[i]!.hash = r.hash;
    });
  } finally {
    pool.close();
  }
  const byPath = new Map(out.map((e) => [e.path, e]));
  for (const e of out) if (e.linkOf) e.hash = byPath.get(e.linkOf)!.hash;
  return out;
}

export function manifestHashOf(m: Manifest): string {
  return manifestDigest(m.entries());
}

function machineId(): string | null {
  try {
    return fs.readFileSync("/etc/machine-id", "utf8").trim() || null;
  } catch {
    const r = Bun.spawnSync(["ioreg", "-rd1", "-c", "IOPlatformExpertDevice"], { stdout: "pipe", stderr: "ignore" });
    return /"IOPlatformUUID" = "([^"]+)"/.exec(r.stdout?.toString() ?? "")?.[1] ?? null;
  }
}

/** What this host is and can do: uname's words, uid, machine id, free space where asked, the meter. */
export function probeOp(platform: Platform, at: string): Record<string, unknown> {
  const meter = platform.meter();
  const space = fsSpace(at);
  const uid = process.getuid?.() ?? null;
  return {
    os: os.type(),
    arch: os.machine(),
    uid,
    root: uid === 0,
    hostname: os.hostname(),
    machineId: machineId(),
    path: space?.dir ?? at,
    freeBytes: space?.freeBytes ?? null,
    freeFiles: space?.freeFiles ?? null,
    // path: where a daemon's waiting parent is (lib/remote/daemon-meter.ts), null without mb-run.
    meter: { kind: meter.kind, memory: meter.memory.source, note: meter.memoryNote, path: meter.wrapperPath },
  };
}

/** The fields a DatasetSpec must have, checked before anything is written (the text came over a wire). */
export function checkSpec(v: any): DatasetSpec {
  const bad = (why: string): never => {
    throw new Error(`not a dataset spec: ${why}`);
  };
  if (!v || typeof v !== "object") bad("expected a JSON object");
  if (!Number.isInteger(v.seed)) bad("seed must be a whole number");
  if (!Array.isArray(v.groups) || v.groups.length === 0) bad("groups must be a non-empty list");
  v.groups.forEach((g: any, i: number) => {
    for (const k of ["count", "minBytes", "maxBytes", "perDir", "depth", "compressRatio"]) if (typeof g?.[k] !== "number") bad(`groups[${i}].${k} must be a number`);
    for (const k of ["name", "distribution", "content", "names"]) if (typeof g?.[k] !== "string") bad(`groups[${i}].${k} must be a string`);
    if (!/^[^/\\]+$/.test(g.name) || g.name === "." || g.name === "..") bad(`groups[${i}].name must be a plain directory name`);
  });
  for (const k of ["emptyDirs", "symlinks", "hardlinks", "executables", "oldMtimes"]) if (!Number.isInteger(v.extras?.[k])) bad(`extras.${k} must be a whole number`);
  return v as DatasetSpec;
}

/** A dataset from its spec under `root` (the same cache as a run's: reused while its checks pass), and its manifest hash. */
export async function generateOp(input: { root?: unknown; spec?: unknown; workspace?: unknown }): Promise<Record<string, unknown>> {
  if (typeof input.root !== "string" || !path.isAbsolute(input.root)) throw new Error("root must be an absolute path (the datasets folder)");
  const spec = checkSpec(input.spec);
  // With a workspace: claimed as ours first, and the root inside it (ensureDataset removes stale entries under the root).
  if (typeof input.workspace === "string") {
    claimWorkspace(input.workspace);
    inWorkspace(input.workspace, input.root);
  }
  fs.mkdirSync(input.root, { recursive: true });
  const d = await ensureDataset(spec, input.root);
  return { specHash: d.manifest.specHash, dir: d.dir, files: d.manifest.fileCount, bytes: d.manifest.totalBytes, reused: d.reused, generateMs: Math.round(d.generateMs), manifestHash: manifestHashOf(d.manifest) };
}

export async function manifestHashOp(at: string): Promise<Record<string, unknown>> {
  const entries = await treeEntries(at);
  return { path: at, entries: entries.length, files: entries.filter((e) => e.type === "file").length, manifestHash: manifestDigest(entries) };
}

/** The page cache dropped as a run would drop it before a cold run; `at` is the tree evicted per file when the whole cache cannot be. */
export async function dropCacheOp(platform: Platform, at: string): Promise<Record<string, unknown>> {
  const r = await platform.dropCaches(at, []);
  return { path: at, treatment: r.treatment, detail: r.detail ?? null, ms: Math.round(r.ms) };
}
