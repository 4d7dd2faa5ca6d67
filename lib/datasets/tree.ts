// The exact entries a dataset spec produces, streamed in tree order (a sorted pre-order walk's order), and its totals by arithmetic or one pass over sizes (pure: no I/O).
//
// Nothing here holds an object per file: every pass regenerates names from indices. Per file, at
// most a size (unicode names, whose tree order is not index order, in a Float64Array) and a flag
// byte (executables / old mtimes, only when asked) are kept. Extras (symlinks, hard links, empty
// dirs) are few and listed.
import { EXEC_MODE, EXTRAS_DIR, FILE_MODE, FIXED_MTIME_MS, digits, fileName, groupLayout, leafDirPath, OLD_MTIME_MS, pad, styledName, type GroupLayout } from "../layout";
import { detExp, detLn, Rng } from "../prng";
import type { DatasetSpec, FileGroup } from "../types";
import type { ContentDesc } from "./content";
import { cmpTreeOrder } from "./records";

/** One entry of the planned tree. `file` is a global index (group offset + index in group): content, hash slot, identity. */
export type PlanEntry =
  | { kind: "dir"; path: string }
  | { kind: "file"; path: string; file: number; sizeBytes: number; desc: ContentDesc; mode: number; mtimeMs: number; linkOf?: string; linked?: true }
  | { kind: "hardlink"; path: string; file: number; sizeBytes: number; mode: number; mtimeMs: number; linkOf?: string; linked?: true }
  | { kind: "symlink"; path: string; target: string };

function fileSize(g: FileGroup, rng: Rng): number {
  const lo = g.minBytes;
  const hi = g.maxBytes;
  if (hi <= lo) return lo;
  const u = rng.nextFloat();
  if (g.distribution === "log-uniform") {
    const a = detLn(Math.max(1, lo));
    const b = detLn(hi + 1);
    const v = Math.floor(detExp(a + u * (b - a)));
    return Math.min(hi, Math.max(lo, v));
  }
  return lo + Math.floor(u * (hi - lo + 1));
}

/** Every file size of a group in index order, one at a time (the generator's draw order). */
export function* groupSizes(spec: DatasetSpec, gi: number): Generator<number> {
  const g = spec.groups[gi]!;
  const rng = new Rng(spec.seed, 0x53495a45, gi);
  for (let i = 0; i < g.count; i++) yield fileSize(g, rng);
}

/** Names sorted by code unit equal index order for every style but unicode (zero-padded indices lead). */
const monotone = (g: FileGroup) => g.names !== "unicode";

/** Indices 0..n-1 in the order of their names. */
function byName(n: number, name: (k: number) => string, sorted: boolean): Iterable<number> {
  if (sorted) return { *[Symbol.iterator]() { for (let k = 0; k < n; k++) yield k; } };
  const names = Array.from({ length: n }, (_, k) => name(k));
  const idx = Array.from({ length: n }, (_, k) => k);
  return idx.sort((a, b) => cmpTreeOrder(names[a]!, names[b]!));
}

interface Extras {
  flags: Uint8Array | null; // bit 1 executable, bit 2 old mtime
  symlinks: { path: string; target: string }[];
  hardlinks: { path: string; file: number; sizeBytes: number }[];
  /** Per linked file (global index): the first name in tree order, and that its inode has more names. */
  firstName: Map<number, string>;
  hasExtrasDir: boolean;
}

/** Where file `f` (global index) lives. */
export function filePath(spec: DatasetSpec, f: number, layouts: GroupLayout[] = spec.groups.map((g, gi) => groupLayout(g, gi))): string {
  let gi = 0;
  let off = 0;
  while (gi < spec.groups.length && f >= off + Math.max(0, spec.groups[gi]!.count)) off += Math.max(0, spec.groups[gi++]!.count);
  const g = spec.groups[gi]!;
  const i = f - off;
  const lay = layouts[gi]!;
  const j = Math.floor(i / Math.max(1, g.perDir));
  return [g.name, ...leafDirPath(g, gi, lay, j), fileName(g, gi, i, lay.fileDigits)].join("/");
}

/** The size of each file in `files` (global indices), by one pass over the sizes of the groups that hold them. */
function sizesOf(spec: DatasetSpec, files: Iterable<number>): Map<number, number> {
  const want = new Set(files);
  const out = new Map<number, number>();
  let off = 0;
  spec.groups.forEach((g, gi) => {
    const n = Math.max(0, g.count);
    const mine = [...want].filter((f) => f >= off && f < off + n);
    if (mine.length) {
      if (g.maxBytes <= g.minBytes) for (const f of mine) out.set(f, g.minBytes);
      else {
        let i = 0;
        for (const s of groupSizes(spec, gi)) if (want.has(off + i++)) out.set(off + i - 1, s);
      }
    }
    off += n;
  });
  return out;
}

function planExtras(spec: DatasetSpec, layouts: GroupLayout[]): Extras {
  const F = spec.groups.reduce((s, g) => s + Math.max(0, g.count), 0);
  const x = spec.extras;
  const pick = (tag: number, k: number, n: number): number => {
    const offset = new Rng(spec.seed, 0x58545241, tag).below(F);
    return (Math.floor((k * F) / n) + offset) % F;
  };
  const out: Extras = { flags: null, symlinks: [], hardlinks: [], firstName: new Map(), hasExtrasDir: x.emptyDirs + x.symlinks + x.hardlinks > 0 };
  if (F === 0) return out;
  if (x.executables > 0 || x.oldMtimes > 0) {
    out.flags = new Uint8Array(F);
    const ne = Math.min(x.executables, F);
    const no = Math.min(x.oldMtimes, F);
    for (let k = 0; k < ne; k++) out.flags[pick(1, k, ne)]! |= 1;
    for (let k = 0; k < no; k++) out.flags[pick(2, k, no)]! |= 2;
  }
  for (let k = 0; k < x.symlinks; k++) {
    out.symlinks.push({ path: `${EXTRAS_DIR}/symlinks/s${pad(k, digits(x.symlinks))}`, target: "../../" + filePath(spec, pick(3, k, x.symlinks), layouts) });
  }
  const names = new Map<number, string[]>();
  for (let k = 0; k < x.hardlinks; k++) {
    const f = pick(4, k, x.hardlinks);
    const p = `${EXTRAS_DIR}/hardlinks/h${pad(k, digits(x.hardlinks))}`;
    out.hardlinks.push({ path: p, file: f, sizeBytes: 0 });
    const list = names.get(f) ?? [filePath(spec, f, layouts)];
    list.push(p);
    names.set(f, list);
  }
  for (const [f, list] of names) out.firstName.set(f, list.reduce((a, b) => (cmpTreeOrder(a, b) <= 0 ? a : b)));
  const sizes = sizesOf(spec, names.keys());
  for (const h of out.hardlinks) h.sizeBytes = sizes.get(h.file)!;
  return out;
}

/** linkOf / linked of one name of file `f`: the first name in tree order carries `linked`, the others point at it. */
function linkFields(ex: Extras, f: number, path: string): { linkOf?: string; linked?: true } {
  const first = ex.firstName.get(f);
  if (first === undefined) return {};
  return first === path ? { linked: true } : { linkOf: first };
}

/**
 * A leaf directory's files as one unit of generation work (after the leaf's dir entry, instead of its
 * files): index range, sizes and extras flags in index order; the worker derives names and content.
 */
export interface PlanLeaf {
  kind: "leaf";
  path: string;
  gi: number;
  /** Global index of the leaf's first file. */
  offset: number;
  first: number;
  sizes: Float64Array;
  flags: Uint8Array | null;
  fileDigits: number;
  /** linkOf / linked of the leaf's files that have more names (by index in the leaf); null when none do. */
  links: Map<number, { linkOf?: string; linked?: true }> | null;
}

/** A leaf's file indices (0..n-1) in tree order: null when that is index order (every name style but unicode). */
export function leafOrder(g: FileGroup, gi: number, leaf: PlanLeaf): number[] | null {
  if (monotone(g)) return null;
  return [...byName(leaf.sizes.length, (k) => fileName(g, gi, leaf.first + k, leaf.fileDigits), false)];
}

/** Every entry the spec produces, in tree order (the order a sorted walk of the generated tree visits them). */
export function planEntries(spec: DatasetSpec): Generator<PlanEntry> {
  return planStream(spec, false) as Generator<PlanEntry>;
}

/** Like planEntries, but each leaf directory's files come as one PlanLeaf (generation's work units). */
export function planLeaves(spec: DatasetSpec): Generator<Exclude<PlanEntry, { kind: "file" }> | PlanLeaf> {
  return planStream(spec, true) as Generator<Exclude<PlanEntry, { kind: "file" }> | PlanLeaf>;
}

/** Only the directories, in tree order (parents first); no per-file work at all. */
export function* planDirs(spec: DatasetSpec): Generator<string> {
  for (const e of planStream(spec, true, false)) if (e.kind === "dir") yield e.path;
}

function* planStream(spec: DatasetSpec, leaves: boolean, sizes = true): Generator<PlanEntry | PlanLeaf> {
  const layouts = spec.groups.map((g, gi) => groupLayout(g, gi));
  const ex = planExtras(spec, layouts);
  const tops: { name: string; gi: number }[] = spec.groups.map((g, gi) => ({ name: g.name, gi }));
  if (ex.hasExtrasDir) tops.push({ name: EXTRAS_DIR, gi: -1 });
  tops.sort((a, b) => cmpTreeOrder(a.name, b.name));
  const offsets: number[] = [];
  spec.groups.reduce((off, g) => (offsets.push(off), off + Math.max(0, g.count)), 0);
  for (const t of tops) {
    if (t.gi < 0) yield* extrasEntries(spec, ex);
    else yield* groupEntries(spec, t.gi, layouts[t.gi]!, offsets[t.gi]!, ex, leaves, sizes);
  }
}

function* extrasEntries(spec: DatasetSpec, ex: Extras): Generator<PlanEntry> {
  const x = spec.extras;
  yield { kind: "dir", path: EXTRAS_DIR };
  if (x.emptyDirs > 0) {
    yield { kind: "dir", path: `${EXTRAS_DIR}/empty` };
    for (let k = 0; k < x.emptyDirs; k++) yield { kind: "dir", path: `${EXTRAS_DIR}/empty/e${pad(k, digits(x.emptyDirs))}` };
  }
  if (ex.hardlinks.length) {
    yield { kind: "dir", path: `${EXTRAS_DIR}/hardlinks` };
    for (const h of ex.hardlinks) {
      const flag = ex.flags ? ex.flags[h.file]! : 0;
      const mode = flag & 1 ? EXEC_MODE : FILE_MODE;
      yield { kind: "hardlink", path: h.path, file: h.file, sizeBytes: h.sizeBytes, mode, mtimeMs: flag & 2 ? OLD_MTIME_MS : FIXED_MTIME_MS, ...linkFields(ex, h.file, h.path) };
    }
  }
  if (ex.symlinks.length) {
    yield { kind: "dir", path: `${EXTRAS_DIR}/symlinks` };
    for (const s of ex.symlinks) yield { kind: "symlink", path: s.path, target: s.target };
  }
}

function* groupEntries(spec: DatasetSpec, gi: number, lay: GroupLayout, offset: number, ex: Extras, leaves: boolean, withSizes: boolean): Generator<PlanEntry | PlanLeaf> {
  const g = spec.groups[gi]!;
  yield { kind: "dir", path: g.name };
  if (g.count <= 0) return;
  let base = g.name;
  for (const c of lay.chain) {
    base += "/" + c;
    yield { kind: "dir", path: base };
  }
  // Sizes in tree order: drawn as we go when that is index order, else all drawn first.
  const sorted = monotone(g);
  const fixed = g.maxBytes <= g.minBytes;
  const table = withSizes && !fixed && !sorted ? Float64Array.from(groupSizes(spec, gi)) : null;
  const seq = !fixed && sorted ? groupSizes(spec, gi) : null;
  let nextSeq = 0;
  const sizeOf = (i: number): number => {
    if (fixed) return g.minBytes;
    if (table) return table[i]!;
    if (i !== nextSeq++) throw new Error(`planEntries: file ${i} of ${g.name} out of order`);
    return seq!.next().value as number;
  };
  const p = Math.max(1, g.perDir);
  // This group's files that have more names, by leaf: one pass over the links, not one per leaf.
  const linkedByLeaf = new Map<number, number[]>();
  if (leaves) {
    for (const f of ex.firstName.keys()) {
      if (f < offset || f >= offset + g.count) continue;
      const j = Math.floor((f - offset) / p);
      const list = linkedByLeaf.get(j);
      if (list) list.push(f);
      else linkedByLeaf.set(j, [f]);
    }
  }
  function* leaf(dir: string, j: number): Generator<PlanEntry | PlanLeaf> {
    yield { kind: "dir", path: dir };
    const first = j * p;
    const n = Math.min(g.count, first + p) - first;
    if (leaves && !withSizes) return;
    if (leaves) {
      const sizes = new Float64Array(n);
      for (let k = 0; k < n; k++) sizes[k] = sizeOf(first + k);
      let links: PlanLeaf["links"] = null;
      for (const f of linkedByLeaf.get(j) ?? []) (links ??= new Map()).set(f - offset - first, linkFields(ex, f, `${dir}/${fileName(g, gi, f - offset, lay.fileDigits)}`));
      yield { kind: "leaf", path: dir, gi, offset: offset + first, first, sizes, flags: ex.flags ? ex.flags.slice(offset + first, offset + first + n) : null, fileDigits: lay.fileDigits, links };
      return;
    }
    for (const k of byName(n, (k) => fileName(g, gi, first + k, lay.fileDigits), sorted)) {
      const i = first + k;
      const f = offset + i;
      const path = `${dir}/${fileName(g, gi, i, lay.fileDigits)}`;
      const sizeBytes = sizeOf(i);
      const flag = ex.flags ? ex.flags[f]! : 0;
      yield {
        kind: "file",
        path,
        file: f,
        sizeBytes,
        desc: { content: g.content, a: gi, b: i, sizeBytes, compressRatio: g.compressRatio },
        mode: flag & 1 ? EXEC_MODE : FILE_MODE,
        mtimeMs: flag & 2 ? OLD_MTIME_MS : FIXED_MTIME_MS,
        ...linkFields(ex, f, path),
      };
    }
  }
  // Level k of the depth tree under prefix value v: the digits c whose subtree holds a leaf dir.
  function* level(dir: string, k: number, v: number): Generator<PlanEntry | PlanLeaf> {
    if (k === g.depth) {
      if (g.depth === 0) {
        for (const j of byName(lay.leafDirs, (j) => styledName(g, "d", j, lay.leafDigits, gi, ""), sorted)) yield* leaf(`${dir}/${styledName(g, "d", j, lay.leafDigits, gi, "")}`, j);
      } else yield* leaf(`${dir}/${styledName(g, "d", v, lay.leafDigits, gi, "")}`, v);
      return;
    }
    const span = lay.fanout ** (g.depth - k - 1);
    let n = 0;
    while (n < lay.fanout && (v * lay.fanout + n) * span < lay.leafDirs) n++;
    for (const c of byName(n, (c) => styledName(g, "l", c, lay.fanDigits, gi, ""), sorted)) {
      const sub = `${dir}/${styledName(g, "l", c, lay.fanDigits, gi, "")}`;
      yield { kind: "dir", path: sub };
      yield* level(sub, k + 1, v * lay.fanout + c);
    }
  }
  yield* level(base, 0, 0);
}

