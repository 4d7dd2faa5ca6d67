// Same work: did the destination keep the source's hard-link groups, xattrs, holes and owners? One streamed merge walk of both trees; counts and examples per kind, and row flags.

import fs from "node:fs";
import path from "node:path";
import { DEFAULTS } from "../defaults";
import type { Manifest } from "../datasets/manifest";
import { cmpTreeOrder } from "../datasets/records";
import { SortedWalk, type WalkItem } from "../datasets/walk-sorted";
import { readXattrs, sameBytes, xattrUnavailable } from "../platform/xattr";
import { ProfileTaker, SPARSE_MIN_HOLE_BYTES, type SourceProfile } from "./source-profile";
import type { KindCheck, SameWorkKind } from "../types";

/** `verify:` keys for the same-work levels (DEFAULTS.sameWork holds the config's defaults). */
export const SAME_WORK_DEFAULTS: Record<SameWorkKind, boolean> = { links: true, xattrs: true, sparse: true, owner: true };
export const SAME_WORK_MAX_EXAMPLES = DEFAULTS.sameWorkExamples;
export { SPARSE_MIN_HOLE_BYTES, type SourceProfile } from "./source-profile";
/** Names kept per hard-link group for its example (a group's count is always exact). */
const GROUP_NAMES_KEPT = 8;

export type { KindCheck, SameWorkKind } from "../types";

/** One hard-link group (one inode with several names in its tree), seen from one side. */
interface Group {
  names: string[];
  count: number;
  /** The other side's files of these names (an inode or a group key; -1: missing there, or not a file). */
  other: Set<number | string>;
}

const groupNames = (g: Group) => `${[...g.names].sort().join(" = ")}${g.count > g.names.length ? ` (+${g.count - g.names.length})` : ""}`;

/** Per kind: the count of what the source had to keep, what differs, the first examples. */
class Tally {
  checked = 0;
  differing = 0;
  examples: string[] = [];
  constructor(private max: number) {}
  differ(example: () => string): void {
    this.differing++;
    if (this.examples.length < this.max) this.examples.push(example());
  }
}

/**
 * Hard-link groups, accumulated pair by pair. Only hard-linked files are remembered (by group key or
 * inode, with a few names per group), as in the dataset's structure check: never an entry per plain file.
 */
class LinkGroups {
  private src = new Map<number | string, Group>();
  private dst = new Map<number, Group>();
  private add<K>(m: Map<K, Group>, key: K, rel: string, other: number | string): void {
    const g = m.get(key) ?? { names: [], count: 0, other: new Set<number | string>() };
    m.set(key, g);
    g.count++;
    if (g.names.length < GROUP_NAMES_KEPT) g.names.push(rel);
    g.other.add(other);
  }
  /** A source file (its group key, null when it has one name; its lstat on demand) and its destination counterpart, if any. */
  pair(rel: string, group: number | string | null, src: () => fs.Stats, d: fs.Stats | null): void {
    if (group !== null) this.add(this.src, group, rel, d?.isFile() ? d.ino : -1);
    if (!d?.isFile() || d.nlink < 2) return;
    // A destination file on the source's own inode (cp -al) is the source's link, not a group of the copy.
    const s = src();
    if (!(d.ino === s.ino && d.dev === s.dev)) this.add(this.dst, d.ino, rel, group ?? s.ino);
  }
  result(max: number): KindCheck {
    const t = new Tally(max);
    for (const g of this.src.values()) {
      if (g.count < 2) continue;
      t.checked++;
      if (g.other.size === 1 && !g.other.has(-1)) continue;
      t.differ(() => `${groupNames(g)}: ${g.other.has(-1) ? "missing in the destination" : `split into ${g.other.size} files`}`);
    }
    // Joined: files linked together in the destination that are separate files in the source.
    for (const g of this.dst.values()) {
      if (g.count < 2 || g.other.size === 1) continue;
      t.differ(() => `${groupNames(g)}: one file in the destination, ${g.other.size} in the source`);
    }
    return { kind: "links", checked: t.checked, differing: t.differing, examples: t.examples };
  }
}

/** A source entry in tree order, with its hard-link group (and size) when the manifest names them; abs "" until needed. */
interface SrcItem extends WalkItem {
  group?: string | null;
  size?: number;
}

/**
 * The source's entries into one reused item: from the manifest (no listing of the source; link groups as
 * generated) or, without one, a sorted walk. No object per entry beyond what the stream itself makes.
 */
function sourceCursor(srcRoot: string, m: Manifest | undefined): { s: SrcItem; next(): boolean; abs(): string } {
  const s: SrcItem = { rel: "", kind: "file", abs: "" };
  const it = m?.entries();
  const w = it ? null : new SortedWalk(srcRoot);
  return {
    s,
    next() {
      if (it) {
        const r = it.next();
        if (r.done) return false;
        const e = r.value;
        s.rel = e.path;
        s.kind = e.type;
        s.abs = "";
        s.group = e.linkOf ?? (e.linked ? e.path : null);
        s.size = e.size;
        return true;
      }
      const x = w!.next();
      if (!x) return false;
      s.rel = x.rel;
      s.kind = x.kind;
      s.abs = x.abs;
      s.group = s.size = undefined;
      return true;
    },
    abs: () => (s.abs ||= path.join(srcRoot, s.rel)),
  };
}

/** The source's profile by its own pass over the manifest (a scenario's first check takes it on the way instead: onProfile). */
export function profileSource(srcRoot: string, m: Manifest, prefixes: readonly string[] = ["user."]): SourceProfile {
  const taker = new ProfileTaker(prefixes);
  for (const e of m.entries()) {
    const abs = path.join(srcRoot, e.path);
    taker.add(fs.lstatSync(abs), () => abs);
  }
  return taker.result();
}

export interface SameWorkOptions {
  kinds?: Partial<Record<SameWorkKind, boolean>>;
  /** The source's manifest: its entries and hard-link groups are read from it rather than by listing the source. */
  manifest?: Manifest;
  /** With the manifest: what the whole source has (profileSource), so the source is not read per entry. */
  profile?: SourceProfile;
  /** With the manifest and no profile: called at the end with the source's profile, taken along this check's reading of the source. */
  onProfile?: (p: SourceProfile) => void;
  maxExamples?: number;
  xattrPrefixes?: readonly string[];
}

/**
 * Compares a destination with its source for the enabled kinds, in one merge of two sorted walks (tree
 * order, one directory listing per level held). Neither walk follows a link (entries below a symlinked
 * directory are simply absent); entries are lstat'ed once; xattrs use l*xattr, so a symlink's own
 * attributes are compared, never its target's. Destination-only entries are verification's business.
 */
export function checkSameWork(srcRoot: string, dstRoot: string, opts: SameWorkOptions = {}): KindCheck[] {
  const on = { ...SAME_WORK_DEFAULTS, ...opts.kinds };
  const max = opts.maxExamples ?? SAME_WORK_MAX_EXAMPLES;
  const prefixes = opts.xattrPrefixes ?? ["user."];
  const xattrWhy = on.xattrs ? xattrUnavailable() : null;
  const links = new LinkGroups();
  const [xattrs, sparse, owner] = [new Tally(max), new Tally(max), new Tally(max)];
  const needStat = on.links || on.sparse || on.owner;
  const readX = (abs: string) => {
    const r = readXattrs(abs, prefixes);
    if (!r.ok) throw new Error(r.reason);
    return r.attrs;
  };

  const profile = opts.manifest ? opts.profile : undefined;
  const taker = opts.manifest && !profile && opts.onProfile ? new ProfileTaker(prefixes) : null;
  const src = sourceCursor(srcRoot, opts.manifest);
  const s = src.s;
  // The source is read only where the manifest and the profile do not already say what it has: at most once per entry.
  let srcSt: fs.Stats | null = null;
  const srcStat = () => (srcSt ??= fs.lstatSync(src.abs()));
  const one = (d: WalkItem | null) => {
    srcSt = null;
    if (needStat) {
      const ds = d ? fs.lstatSync(d.abs) : null;
      const file = s.kind === "file";
      if (on.links && file) links.pair(s.rel, s.group !== undefined ? s.group : srcStat().nlink > 1 ? srcStat().ino : null, srcStat, ds);
      if (on.owner) {
        owner.checked++;
        const o = profile?.owner ?? srcStat();
        if (ds && (ds.uid !== o.uid || ds.gid !== o.gid)) owner.differ(() => `${s.rel}: ${ds.uid}:${ds.gid}, source ${o.uid}:${o.gid}`);
      }
      if (on.sparse && file && ds?.isFile()) {
        // A source without holes anywhere: each file counts as fully allocated (only "made sparse" can happen).
        if (profile && !profile.sparse && s.size !== undefined) sparseOne(s.rel, s.size, s.size, ds, sparse);
        else sparseOne(s.rel, srcStat().size, srcStat().blocks * 512, ds, sparse);
      }
    }
    if (on.xattrs && !xattrWhy) {
      // Most trees have no xattrs on either side: then nothing is compared and nothing allocated for it.
      const sx = profile && !profile.xattrs ? null : readX(src.abs());
      const dx = d ? readX(d.abs) : null;
      if (sx?.size || dx?.size) xattrsOne(s.rel, sx ?? NO_XATTRS, dx ?? NO_XATTRS, xattrs);
      if (taker) taker.add(srcStat(), src.abs, sx ? sx.size > 0 : undefined);
    } else taker?.add(srcStat(), src.abs);
  };

  const dw = new SortedWalk(dstRoot);
  let more = src.next();
  let d = dw.next();
  while (more) {
    const c = !d ? -1 : cmpTreeOrder(s.rel, d.rel);
    if (c > 0) {
      // Only in the destination: not descended into.
      if (d!.kind === "dir") dw.skip();
      d = dw.next();
      continue;
    }
    const match = c === 0 ? d : null;
    one(match);
    // A directory on one side and not the other: the other side's walk must not descend on its own.
    if (match && match.kind === "dir" && s.kind !== "dir") dw.skip();
    if (c === 0) d = dw.next();
    more = src.next();
  }

  if (taker) opts.onProfile!(taker.result());
  const out: KindCheck[] = [];
  if (on.links) out.push(links.result(max));
  if (on.xattrs) out.push(xattrWhy ? { kind: "xattrs", checked: 0, differing: 0, examples: [], unavailable: xattrWhy } : { kind: "xattrs", checked: xattrs.checked, differing: xattrs.differing, examples: xattrs.examples });
  if (on.sparse) out.push({ kind: "sparse", checked: sparse.checked, differing: sparse.differing, examples: sparse.examples });
  if (on.owner) out.push({ kind: "owner", checked: owner.checked, differing: owner.differing, examples: owner.examples });
  return out;
}

const NO_XATTRS: ReadonlyMap<string, Uint8Array> = new Map();

/** One entry's xattrs, source against destination: missing, changed and extra names. */
function xattrsOne(rel: string, sx: ReadonlyMap<string, Uint8Array>, dx: ReadonlyMap<string, Uint8Array>, t: Tally): void {
  if (sx.size) t.checked++;
  const missing = [...sx.keys()].filter((k) => !dx.has(k));
  const changed = [...sx.keys()].filter((k) => dx.has(k) && !sameBytes(sx.get(k)!, dx.get(k)!));
  const extra = [...dx.keys()].filter((k) => !sx.has(k));
  if (missing.length || changed.length || extra.length) {
    t.differ(() => `${rel}: ${[missing.length && `missing ${missing.join(", ")}`, changed.length && `changed ${changed.join(", ")}`, extra.length && `extra ${extra.join(", ")}`].filter(Boolean).join("; ")}`);
  }
}

/**
 * A sparse source file (≥ 4 KiB unallocated) whose copy allocated more than half of its holes was filled
 * in; a fully allocated source file whose copy lacks more than half its size was made sparse. Either is
 * different work (more or fewer bytes written).
 */
function sparseOne(rel: string, sSize: number, sAlloc: number, d: fs.Stats, t: Tally): void {
  const dAlloc = d.blocks * 512;
  const holes = sSize - sAlloc;
  if (holes >= SPARSE_MIN_HOLE_BYTES) {
    t.checked++;
    if (dAlloc - sAlloc > holes / 2) t.differ(() => `${rel}: holes filled (allocated ${dAlloc} of ${sSize} bytes, source ${sAlloc})`);
  } else if (sSize >= SPARSE_MIN_HOLE_BYTES && sSize - dAlloc > sSize / 2) {
    t.differ(() => `${rel}: made sparse (allocated ${dAlloc} of ${sSize} bytes, source fully allocated)`);
  }
}

const WHAT: Record<SameWorkKind, (c: KindCheck) => string> = {
  links: (c) => `split or joined ${c.differing} hard-link group(s) of ${c.checked}`,
  xattrs: (c) => `xattrs differ on ${c.differing} entr${c.differing === 1 ? "y" : "ies"} (${c.checked} with xattrs in the source)`,
  sparse: (c) => `sparseness differs on ${c.differing} file(s) (${c.checked} sparse in the source)`,
  owner: (c) => `owner differs on ${c.differing} of ${c.checked} entries`,
};

/**
 * Row flags: for each tool, one phrase per kind where its destination differs, with "(every tool)" when no
 * tool kept it — then the comparison is like for like but the source's property was lost by all.
 */
export function sameWorkFlags(byTool: Record<string, KindCheck[]>): Record<string, string[]> {
  const tools = Object.keys(byTool);
  const out: Record<string, string[]> = {};
  for (const tool of tools) {
    out[tool] = [];
    for (const c of byTool[tool]!) {
      if (c.unavailable || c.differing === 0) continue;
      const all = tools.every((t) => (byTool[t]!.find((x) => x.kind === c.kind)?.differing ?? 0) > 0);
      out[tool]!.push(`different work: ${WHAT[c.kind](c)}${all && tools.length > 1 ? " (every tool)" : ""}`);
    }
  }
  return out;
}
