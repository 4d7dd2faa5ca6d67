// Restoring a destination to an incremental or resync scenario's base mirror before each run, copying only what a tool changed.
//
// Decisions (where the issue was silent):
// - Restore never hard-links (tools may write in place). It remembers, per destination, the
//   inode and ctime of every file it left behind: a file whose (ino, ctime) is unchanged since the
//   last restore cannot have been modified (any write, chmod or utimes moves ctime), so only
//   changed, missing and extra entries cost I/O. Without that memory (a destination this BaseMirror
//   has not restored yet), existing files are compared by size, mode, mtime and content hash before being kept.
// - Restore never writes through a link or an inode it did not create: the destination root
//   must be a real directory, its walk never follows a link, anything replaced is unlinked first,
//   and copies are created exclusively (COPYFILE_EXCL).
import * as fs from "node:fs";
import * as path from "node:path";
import { listKinds, removeEntry, walk } from "../safe-fs";
import { readManifest } from "./manifest";
import { batchBySize, hashFiles, poolFor } from "./pool";
import type { CopyItem } from "./content";

interface BaseEntry {
  path: string;
  kind: "file" | "dir" | "symlink";
  size: number;
  mode: number;
  mtimeNs: bigint;
  ino: bigint;
  target?: string;
  /** Hard link: earlier path of the same inode. */
  linkOf?: string;
}
interface BaseListing {
  key: string;
  entries: BaseEntry[]; // parents before children
  byPath: Map<string, BaseEntry>;
  rootMode: number;
  rootMtimeNs: bigint;
  hashes: Map<string, string> | null;
}
interface DstState {
  baseKey: string;
  files: Map<string, { ino: bigint; ctimeNs: bigint }>;
}

function baseKeyOf(dir: string): string {
  const st = fs.lstatSync(dir, { bigint: true });
  return `${path.resolve(dir)}:${st.ino}:${st.ctimeNs}`;
}

function listBase(dir: string, key: string): BaseListing {
  const entries: BaseEntry[] = [];
  const firstOfIno = new Map<bigint, string>();
  walk(
    dir,
    (p, _kind, abs) => {
      const st = fs.lstatSync(abs, { bigint: true });
      const base = { path: p, size: Number(st.size), mode: Number(st.mode & 0o7777n), mtimeNs: st.mtimeNs, ino: st.ino };
      if (st.isDirectory()) {
        entries.push({ ...base, kind: "dir" });
      } else if (st.isSymbolicLink()) {
        entries.push({ ...base, kind: "symlink", target: fs.readlinkSync(abs) });
      } else if (st.isFile()) {
        const e: BaseEntry = { ...base, kind: "file" };
        if (st.nlink > 1n) {
          const first = firstOfIno.get(st.ino);
          if (first) e.linkOf = first;
          else firstOfIno.set(st.ino, p);
        }
        entries.push(e);
      }
      return st.isDirectory();
    },
    { sorted: true },
  );
  const root = fs.lstatSync(dir, { bigint: true });
  // A dataset tree has its manifest beside it: its hashes save hashing the base.
  let hashes: Map<string, string> | null = null;
  try {
    const parent = path.dirname(path.resolve(dir));
    if (fs.existsSync(path.join(parent, "complete"))) {
      const m = readManifest(path.join(parent, "manifest.json"));
      hashes = new Map(m.entries.filter((e) => e.hash).map((e) => [e.path, e.hash!]));
    }
  } catch {
    hashes = null;
  }
  return { key, entries, byPath: new Map(entries.map((e) => [e.path, e])), rootMode: Number(root.mode & 0o7777n), rootMtimeNs: root.mtimeNs, hashes };
}

function setTimesNs(abs: string, mtimeNs: bigint, link = false): void {
  const s = Number(mtimeNs / 1000n) / 1e6;
  if (link) fs.lutimesSync(abs, s, s);
  else fs.utimesSync(abs, s, s);
}

/**
 * Makes destinations exact copies of one base mirror again before each run. One object per scenario
 * owns what it remembers: the base's listing, and per destination the (ino, ctime) of every file it
 * left there, so nothing outlives the scenario and no other writer has to be told to forget.
 */
export class BaseMirror {
  private listing: BaseListing | null = null;
  private readonly dsts = new Map<string, DstState>();

  constructor(readonly dir: string) {}

  async restore(dstDir: string): Promise<void> {
    const key = baseKeyOf(this.dir);
    if (this.listing?.key !== key) this.listing = listBase(this.dir, key);
    const dstKey = path.resolve(dstDir);
    const prior = this.dsts.get(dstKey);
    // A restore that fails half-way leaves nothing remembered: the next one compares everything.
    this.dsts.delete(dstKey);
    this.dsts.set(dstKey, await restoreInto(this.listing, this.dir, dstDir, prior?.baseKey === key ? prior : null));
  }

  /** Drops what is remembered about a destination (it was handed to something else, or is compared afresh). */
  forget(dstDir: string): void {
    this.dsts.delete(path.resolve(dstDir));
  }
}

async function restoreInto(base: BaseListing, baseMirrorDir: string, dstDir: string, state: DstState | null): Promise<DstState> {
  fs.mkdirSync(dstDir, { recursive: true });
  // Everything below is written through this path: a link here would make us empty and fill its target.
  const root = fs.lstatSync(dstDir);
  if (!root.isDirectory()) throw new Error(`restore ${dstDir}: it is ${root.isSymbolicLink() ? `a symlink to ${fs.readlinkSync(dstDir)}` : "not a directory"}; refusing to write through it`);
  const dstKinds = listKinds(dstDir);

  // 1. Remove what the base does not have (or has with another type), outermost first.
  const removed = new Set<string>();
  const underRemoved = (p: string): boolean => {
    for (let d = path.posix.dirname(p); d !== "."; d = path.posix.dirname(d)) if (removed.has(d)) return true;
    return false;
  };
  for (const [p, kind] of [...dstKinds].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (removed.size && underRemoved(p)) {
      dstKinds.delete(p);
      continue;
    }
    const b = base.byPath.get(p);
    if (b && b.kind === kind) continue;
    removeEntry(path.join(dstDir, p));
    dstKinds.delete(p);
    if (kind === "dir") removed.add(p);
  }

  // 2. Decide per base entry; collect copies.
  const toCopy: CopyItem[] = [];
  const unsure: { e: BaseEntry; st: fs.BigIntStats }[] = [];
  const kept = new Map<string, { ino: bigint; ctimeNs: bigint }>();
  const links: BaseEntry[] = [];
  for (const e of base.entries) {
    const abs = path.join(dstDir, e.path);
    const present = dstKinds.has(e.path);
    if (e.kind === "dir") {
      if (!present) fs.mkdirSync(abs);
      continue;
    }
    if (e.kind === "symlink") {
      if (present && fs.readlinkSync(abs) === e.target) {
        const st = fs.lstatSync(abs, { bigint: true });
        if (st.mtimeNs === e.mtimeNs) continue;
        setTimesNs(abs, e.mtimeNs, true);
        continue;
      }
      if (present) fs.unlinkSync(abs);
      fs.symlinkSync(e.target!, abs);
      setTimesNs(abs, e.mtimeNs, true);
      continue;
    }
    if (e.linkOf) {
      links.push(e);
      continue;
    }
    const item: CopyItem = { src: path.join(baseMirrorDir, e.path), dst: abs, mode: e.mode, mtimeMs: Number(e.mtimeNs / 1000n) / 1000 };
    if (!present) {
      toCopy.push(item);
      continue;
    }
    const st = fs.lstatSync(abs, { bigint: true });
    const known = state?.files.get(e.path);
    if (known && known.ino === st.ino && known.ctimeNs === st.ctimeNs && st.nlink === 1n) {
      kept.set(e.path, known);
      continue;
    }
    if (Number(st.size) !== e.size || Number(st.mode & 0o7777n) !== e.mode || st.mtimeNs !== e.mtimeNs || st.nlink !== 1n) {
      fs.unlinkSync(abs);
      toCopy.push(item);
      continue;
    }
    unsure.push({ e, st });
  }

  const pool = poolFor(toCopy.length + unsure.length, unsure.reduce((s, u) => s + u.e.size, 0) + toCopy.length * 4096);
  try {
    // 3. Files that look right but were never seen by us: compare content.
    if (unsure.length) {
      const dstH = await hashFiles(pool, unsure.map((u) => ({ path: path.join(dstDir, u.e.path), sizeHint: u.e.size })));
      let baseH: (string | undefined)[];
      if (base.hashes) baseH = unsure.map((u) => base.hashes!.get(u.e.path));
      else baseH = (await hashFiles(pool, unsure.map((u) => ({ path: path.join(baseMirrorDir, u.e.path), sizeHint: u.e.size })))).map((r) => r.hash);
      unsure.forEach((u, i) => {
        if (dstH[i]!.hash && dstH[i]!.hash === baseH[i]) kept.set(u.e.path, { ino: u.st.ino, ctimeNs: u.st.ctimeNs });
        else {
          const abs = path.join(dstDir, u.e.path);
          fs.unlinkSync(abs);
          toCopy.push({ src: path.join(baseMirrorDir, u.e.path), dst: abs, mode: u.e.mode, mtimeMs: Number(u.e.mtimeNs / 1000n) / 1000 });
        }
      });
    }
    // 4. Copy in parallel batches.
    await Promise.all(
      batchBySize(toCopy, () => 1, 1000, Infinity).map(async (items) => {
        const r = await pool.run({ op: "copy", items });
        if (!r.ok) throw Object.assign(new Error(`restore ${dstDir}: ${r.message}`), { code: r.code ?? undefined });
      }),
    );
  } finally {
    pool.close();
  }
  // mtimes from copyFiles are set with ms precision; fix the rare sub-ms ones exactly.
  for (const it of toCopy) {
    const e = base.byPath.get(path.relative(dstDir, it.dst).split(path.sep).join("/"))!;
    if (e.mtimeNs % 1_000_000n !== 0n) setTimesNs(it.dst, e.mtimeNs);
  }
  // 5. Hard links: second names point at the first name's inode in dst.
  for (const e of links) {
    const abs = path.join(dstDir, e.path);
    const first = fs.lstatSync(path.join(dstDir, e.linkOf!), { bigint: true });
    try {
      const st = fs.lstatSync(abs, { bigint: true });
      if (st.ino === first.ino) continue;
      fs.unlinkSync(abs);
    } catch {
      // missing: link below
    }
    fs.linkSync(path.join(dstDir, e.linkOf!), abs);
  }
  // 6. Dir metadata, children before parents (creating entries changed parents' mtimes).
  for (let i = base.entries.length - 1; i >= 0; i--) {
    const e = base.entries[i]!;
    if (e.kind !== "dir") continue;
    fixDir(path.join(dstDir, e.path), e.mode, e.mtimeNs);
  }
  fixDir(dstDir, base.rootMode, base.rootMtimeNs);
  // 7. Remember every plain file's (ino, ctime) for the next restore.
  const files = new Map(kept);
  const linked = new Set(links.flatMap((l) => [l.path, l.linkOf!]));
  for (const it of toCopy) {
    const rel = path.relative(dstDir, it.dst).split(path.sep).join("/");
    if (linked.has(rel)) continue;
    const st = fs.lstatSync(it.dst, { bigint: true });
    files.set(rel, { ino: st.ino, ctimeNs: st.ctimeNs });
  }
  for (const l of linked) files.delete(l);
  return { baseKey: base.key, files };
}

function fixDir(abs: string, mode: number, mtimeNs: bigint): void {
  const st = fs.lstatSync(abs, { bigint: true });
  if (Number(st.mode & 0o7777n) !== mode) fs.chmodSync(abs, mode);
  if (st.mtimeNs !== mtimeNs) setTimesNs(abs, mtimeNs);
}
