// The same-work levels folded one entry pair at a time (links, xattrs, sparseness, owners): fed by verification's walk of the copy, or by checkSameWork's own.

import fs from "node:fs";
import { DEFAULTS } from "../defaults";
import type { Kind } from "../safe-fs";
import { readXattrs, sameBytes, xattrUnavailable } from "../platform/xattr";
import type { KindCheck, SameWorkKind } from "../types";
import { ProfileTaker, SPARSE_MIN_HOLE_BYTES, type SourceProfile } from "./source-profile";

/** `verify:` keys for the same-work levels (DEFAULTS.sameWork holds the config's defaults). */
export const SAME_WORK_DEFAULTS: Record<SameWorkKind, boolean> = { links: true, xattrs: true, sparse: true, owner: true };
export const SAME_WORK_MAX_EXAMPLES = DEFAULTS.sameWorkExamples;
/** Names kept per hard-link group for its example (a group's count is always exact). */
const GROUP_NAMES_KEPT = 8;

/**
 * What the checks need of a destination entry: an lstat's fields, or the same fields from the fstat
 * verification took while hashing the file (datasets/content.ts), so a verified copy is not stat'ed twice.
 */
export interface DstMeta {
  file: boolean;
  ino: number;
  dev: number;
  nlink: number;
  uid: number;
  gid: number;
  blocks: number;
}

export const metaOfStats = (st: fs.Stats): DstMeta => ({ file: st.isFile(), ino: st.ino, dev: st.dev, nlink: st.nlink, uid: st.uid, gid: st.gid, blocks: st.blocks });

/** A source entry: its path, type, and (from a manifest) its hard-link group and size; undefined = read the source. */
export interface SrcEntry {
  rel: string;
  kind: Kind;
  group?: string | null;
  size?: number;
}

/** A manifest entry as a source entry: its hard-link group is its first name (generation writes `linked` on it, `linkOf` on the others). */
export const srcEntryOf = (e: { path: string; type: Kind; size: number; linkOf?: string; linked?: boolean }): SrcEntry => ({ rel: e.path, kind: e.type, group: e.linkOf ?? (e.linked ? e.path : null), size: e.size });

export interface SameWorkOptions {
  kinds?: Partial<Record<SameWorkKind, boolean>>;
  /** What the whole source has (profileSource), so the source is not read per entry; only with a manifest's entries. */
  profile?: SourceProfile;
  /** Without a profile: called by result() with the source's profile, taken along this pass's reading of the source. */
  onProfile?: (p: SourceProfile) => void;
  maxExamples?: number;
  xattrPrefixes?: readonly string[];
}

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
  pair(rel: string, group: number | string | null, src: () => fs.Stats, d: DstMeta | null): void {
    if (group !== null) this.add(this.src, group, rel, d?.file ? d.ino : -1);
    if (!d?.file || d.nlink < 2) return;
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

/**
 * The enabled kinds over a stream of (source entry, destination entry) pairs in tree order. The source
 * is read (lstat, l*xattr: never followed) only where its entry, the profile and the kind leave a
 * question; nothing per entry is kept but hard-linked files' groups.
 */
export class SameWorkPass {
  private on: Record<SameWorkKind, boolean>;
  private max: number;
  private prefixes: readonly string[];
  private xattrWhy: string | null;
  private links = new LinkGroups();
  private xattrs: Tally;
  private sparse: Tally;
  private owner: Tally;
  private needStat: boolean;
  private taker: ProfileTaker | null;
  private profile: SourceProfile | undefined;
  private srcSt: fs.Stats | null = null;
  private srcAbs: () => string = () => "";
  private readonly srcStat = () => (this.srcSt ??= fs.lstatSync(this.srcAbs()));

  constructor(private opts: SameWorkOptions = {}) {
    this.on = { ...SAME_WORK_DEFAULTS, ...opts.kinds };
    this.max = opts.maxExamples ?? SAME_WORK_MAX_EXAMPLES;
    this.prefixes = opts.xattrPrefixes ?? ["user."];
    this.xattrWhy = this.on.xattrs ? xattrUnavailable() : null;
    [this.xattrs, this.sparse, this.owner] = [new Tally(this.max), new Tally(this.max), new Tally(this.max)];
    this.needStat = this.on.links || this.on.sparse || this.on.owner;
    this.profile = opts.profile;
    this.taker = !opts.profile && opts.onProfile ? new ProfileTaker(this.prefixes) : null;
  }

  private readX(abs: string): ReadonlyMap<string, Uint8Array> {
    const r = readXattrs(abs, this.prefixes);
    if (!r.ok) throw new Error(r.reason);
    return r.attrs;
  }

  /** One source entry (`srcAbs` its path, built only if the source must be read) and its destination counterpart (null: none). */
  entry(s: SrcEntry, srcAbs: () => string, dstAbs: string | null, d: DstMeta | null): void {
    const { on, profile } = this;
    this.srcSt = null;
    this.srcAbs = srcAbs;
    const srcStat = this.srcStat;
    if (this.needStat) {
      const file = s.kind === "file";
      if (on.links && file) this.links.pair(s.rel, s.group !== undefined ? s.group : srcStat().nlink > 1 ? srcStat().ino : null, srcStat, d);
      if (on.owner) {
        this.owner.checked++;
        const o = profile?.owner ?? srcStat();
        if (d && (d.uid !== o.uid || d.gid !== o.gid)) this.owner.differ(() => `${s.rel}: ${d.uid}:${d.gid}, source ${o.uid}:${o.gid}`);
      }
      if (on.sparse && file && d?.file) {
        // A source without holes anywhere: each file counts as fully allocated (only "made sparse" can happen).
        if (profile && !profile.sparse && s.size !== undefined) sparseOne(s.rel, s.size, s.size, d, this.sparse);
        else sparseOne(s.rel, srcStat().size, srcStat().blocks * 512, d, this.sparse);
      }
    }
    if (on.xattrs && !this.xattrWhy) {
      // Most trees have no xattrs on either side: then nothing is compared and nothing allocated for it.
      const sx = profile && !profile.xattrs ? null : this.readX(srcAbs());
      const dx = dstAbs !== null ? this.readX(dstAbs) : null;
      if (sx?.size || dx?.size) xattrsOne(s.rel, sx ?? NO_XATTRS, dx ?? NO_XATTRS, this.xattrs);
      this.taker?.add(srcStat(), srcAbs, sx ? sx.size > 0 : undefined);
    } else this.taker?.add(srcStat(), srcAbs);
  }

  result(): KindCheck[] {
    if (this.taker) this.opts.onProfile!(this.taker.result());
    const { on, max } = this;
    const out: KindCheck[] = [];
    if (on.links) out.push(this.links.result(max));
    if (on.xattrs) out.push(this.xattrWhy ? { kind: "xattrs", checked: 0, differing: 0, examples: [], unavailable: this.xattrWhy } : { kind: "xattrs", checked: this.xattrs.checked, differing: this.xattrs.differing, examples: this.xattrs.examples });
    if (on.sparse) out.push({ kind: "sparse", checked: this.sparse.checked, differing: this.sparse.differing, examples: this.sparse.examples });
    if (on.owner) out.push({ kind: "owner", checked: this.owner.checked, differing: this.owner.differing, examples: this.owner.examples });
    return out;
  }
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
function sparseOne(rel: string, sSize: number, sAlloc: number, d: DstMeta, t: Tally): void {
  const dAlloc = d.blocks * 512;
  const holes = sSize - sAlloc;
  if (holes >= SPARSE_MIN_HOLE_BYTES) {
    t.checked++;
    if (dAlloc - sAlloc > holes / 2) t.differ(() => `${rel}: holes filled (allocated ${dAlloc} of ${sSize} bytes, source ${sAlloc})`);
  } else if (sSize >= SPARSE_MIN_HOLE_BYTES && sSize - dAlloc > sSize / 2) {
    t.differ(() => `${rel}: made sparse (allocated ${dAlloc} of ${sSize} bytes, source fully allocated)`);
  }
}
