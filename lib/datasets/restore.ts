// Restoring a destination to an incremental or resync scenario's base mirror before each run, copying only what a tool changed, in one merge walk against the base's manifest.
//
// Decisions (where the issue was silent):
// - Restore never hard-links (tools may write in place). It remembers, per destination, a mark
//   (inode and ctime mixed, copy.ts inodeMark) of every file it left behind, 8 bytes per entry in
//   a typed array by manifest position: a file whose mark is unchanged since the last restore cannot
//   have been modified (any write, chmod or utimes moves ctime), so only changed, missing and extra
//   entries cost I/O. Without that memory (a destination this BaseMirror has not restored yet),
//   existing files are compared by size, mode, mtime and content hash before being kept.
// - The base is a cached dataset: its manifest (beside its tree) lists it, in tree order, so the
//   destination's sorted walk merges against it with one directory listing per level in memory.
// - Restore never writes through a link or an inode it did not create: the destination root
//   must be a real directory, its walk never follows a link, anything replaced is unlinked first,
//   and copies are created exclusively (COPYFILE_EXCL).
import * as fs from "node:fs";
import * as path from "node:path";
import { removeEntry } from "../safe-fs";
import { inodeMark, type CopyItem } from "./copy";
import type { Manifest, ManifestEntry } from "./manifest";
import { HashStream, poolFor, type DataPool } from "./pool";
import { cmpTreeOrder } from "./records";
import { openManifest } from "./upgrade";
import { SortedWalk } from "./walk-sorted";

interface Base {
  key: string;
  manifest: Manifest;
  rootMode: number;
  rootMtimeNs: bigint;
}
interface DstState {
  baseKey: string;
  marks: BigUint64Array;
}

function baseKeyOf(dir: string): string {
  const st = fs.lstatSync(dir, { bigint: true });
  return `${path.resolve(dir)}:${st.ino}:${st.ctimeNs}`;
}

const nsOf = (ms: number) => BigInt(Math.round(ms * 1e6));

function setTimesNs(abs: string, mtimeNs: bigint, link = false): void {
  const s = Number(mtimeNs / 1000n) / 1e6;
  if (link) fs.lutimesSync(abs, s, s);
  else fs.utimesSync(abs, s, s);
}

/**
 * Makes destinations exact copies of one base mirror again before each run. One object per scenario
 * owns what it remembers: the base's manifest, and per destination the mark of every file it left
 * there, so nothing outlives the scenario and no other writer has to be told to forget.
 */
export class BaseMirror {
  private base: Base | null = null;
  private readonly dsts = new Map<string, DstState>();

  /** `dir` is a cached dataset's tree; its manifest is read from the folder above unless given. */
  constructor(
    readonly dir: string,
    private readonly manifest?: Manifest,
  ) {}

  async restore(dstDir: string): Promise<void> {
    const key = baseKeyOf(this.dir);
    if (this.base?.key !== key) {
      const root = fs.lstatSync(this.dir, { bigint: true });
      const manifest = this.manifest ?? openManifest(path.dirname(path.resolve(this.dir)));
      this.base = { key, manifest, rootMode: Number(root.mode & 0o7777n), rootMtimeNs: root.mtimeNs };
    }
    const dstKey = path.resolve(dstDir);
    const prior = this.dsts.get(dstKey);
    // A restore that fails half-way leaves nothing remembered: the next one compares everything.
    this.dsts.delete(dstKey);
    this.dsts.set(dstKey, await restoreInto(this.base, this.dir, dstDir, prior?.baseKey === key ? prior : null));
  }

  /** Drops what is remembered about a destination (it was handed to something else, or is compared afresh). */
  forget(dstDir: string): void {
    this.dsts.delete(path.resolve(dstDir));
  }
}

/** Copy batches on the pool, a bounded number in flight; each copy's mark lands in `marks`. */
class Copier {
  private batch: { item: CopyItem; index: number }[] = [];
  private live = new Set<Promise<void>>();
  private failure: unknown = null;
  constructor(
    private readonly pool: DataPool,
    private readonly marks: BigUint64Array,
    private readonly dstDir: string,
  ) {}
  async add(item: CopyItem, index: number): Promise<void> {
    this.batch.push({ item, index });
    if (this.batch.length >= 1000) await this.flush();
  }
  async flush(): Promise<void> {
    if (!this.batch.length) return;
    const b = this.batch;
    this.batch = [];
    const job = this.pool.run({ op: "copy", items: b.map((x) => x.item) }).then((r) => {
      if (!r.ok) throw Object.assign(new Error(`restore ${this.dstDir}: ${r.message}`), { code: r.code ?? undefined });
      b.forEach((x, k) => (this.marks[x.index] = r.marks![k]!));
    });
    const tracked = job.catch((e) => void (this.failure ??= e)).finally(() => this.live.delete(tracked));
    this.live.add(tracked);
    while (this.live.size >= 2 * this.pool.size + 2) await Promise.race(this.live);
  }
  async finish(): Promise<void> {
    await this.flush();
    while (this.live.size) await Promise.race(this.live);
    if (this.failure) throw this.failure;
  }
}

async function restoreInto(base: Base, baseMirrorDir: string, dstDir: string, state: DstState | null): Promise<DstState> {
  fs.mkdirSync(dstDir, { recursive: true });
  // Everything below is written through this path: a link here would make us empty and fill its target.
  const root = fs.lstatSync(dstDir);
  if (!root.isDirectory()) throw new Error(`restore ${dstDir}: it is ${root.isSymbolicLink() ? `a symlink to ${fs.readlinkSync(dstDir)}` : "not a directory"}; refusing to write through it`);
  const m = base.manifest;
  const marks = new BigUint64Array(m.entryCount);
  const links: ManifestEntry[] = [];
  const pool = poolFor(m.fileCount, m.totalBytes, "io");
  try {
    const copier = new Copier(pool, marks, dstDir);
    const copy = (e: ManifestEntry, index: number) =>
      copier.add({ src: path.join(baseMirrorDir, e.path), dst: path.join(dstDir, e.path), mode: e.mode, mtimeMs: e.mtimeMs }, index);
    // Files that look right but were never seen by us: compare content with the manifest's hash.
    const redo: { e: ManifestEntry; index: number }[] = [];
    const unsure = new HashStream<{ e: ManifestEntry; index: number; mark: bigint }>(pool, (items, rs) => {
      items.forEach((u, k) => {
        if (rs[k]!.hash && rs[k]!.hash === u.e.hash) marks[u.index] = u.mark;
        else redo.push({ e: u.e, index: u.index });
      });
    });
    const create = async (e: ManifestEntry, index: number, abs: string) => {
      if (e.type === "dir") fs.mkdirSync(abs);
      else if (e.type === "symlink") {
        fs.symlinkSync(e.target!, abs);
        setTimesNs(abs, nsOf(e.mtimeMs), true);
      } else if (e.linkOf) links.push(e);
      else await copy(e, index);
    };
    const walk = new SortedWalk(dstDir);
    const it = m.entries();
    let index = 0;
    let d = walk.next();
    let n = it.next();
    while (d || !n.done) {
      const e = n.done ? null : n.value;
      const c = !d ? -1 : !e ? 1 : cmpTreeOrder(e.path, d.rel);
      if (c > 0) {
        // Not in the base: removed (a directory with everything below it, never followed).
        if (d!.kind === "dir") walk.skip();
        removeEntry(d!.abs);
        d = walk.next();
        continue;
      }
      const i = index++;
      n = it.next();
      const abs = path.join(dstDir, e!.path);
      if (c < 0) {
        await create(e!, i, abs);
        continue;
      }
      const kind = d!.kind;
      d = walk.next();
      if (kind !== e!.type) {
        if (kind === "dir") walk.skip();
        removeEntry(abs);
        await create(e!, i, abs);
        continue;
      }
      if (e!.type === "dir") continue;
      if (e!.type === "symlink") {
        if (fs.readlinkSync(abs) === e!.target) {
          if (fs.lstatSync(abs, { bigint: true }).mtimeNs !== nsOf(e!.mtimeMs)) setTimesNs(abs, nsOf(e!.mtimeMs), true);
          continue;
        }
        fs.unlinkSync(abs);
        await create(e!, i, abs);
        continue;
      }
      if (e!.linkOf) {
        links.push(e!);
        continue;
      }
      const st = fs.lstatSync(abs, { bigint: true });
      const known = state?.marks[i] ?? 0n;
      if (known !== 0n && known === inodeMark(st) && st.nlink === 1n) {
        marks[i] = known;
        continue;
      }
      if (Number(st.size) !== e!.size || Number(st.mode & 0o7777n) !== e!.mode || st.mtimeNs !== nsOf(e!.mtimeMs) || st.nlink !== 1n || !e!.hash) {
        fs.unlinkSync(abs);
        await copy(e!, i);
        continue;
      }
      await unsure.add({ e: e!, index: i, mark: inodeMark(st) }, abs, e!.size);
    }
    await unsure.finish();
    for (const r of redo) {
      fs.unlinkSync(path.join(dstDir, r.e.path));
      await copy(r.e, r.index);
    }
    await copier.finish();
  } finally {
    pool.close();
  }
  // Hard links: second names point at the first name's inode in dst.
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
  // Dir metadata last (creating entries moved parents' mtimes; utimes moves no parent's), then the root.
  for (const e of m.entries()) if (e.type === "dir") fixDir(path.join(dstDir, e.path), e.mode, nsOf(e.mtimeMs));
  fixDir(dstDir, base.rootMode, base.rootMtimeNs);
  return { baseKey: base.key, marks };
}

function fixDir(abs: string, mode: number, mtimeNs: bigint): void {
  const st = fs.lstatSync(abs, { bigint: true });
  if (Number(st.mode & 0o7777n) !== mode) fs.chmodSync(abs, mode);
  if (st.mtimeNs !== mtimeNs) setTimesNs(abs, mtimeNs);
}
