// Same work: did the destination keep the source's hard-link groups, xattrs, holes and owners? Counts and examples per kind, and row flags.

import fs from "node:fs";
import path from "node:path";
import { walk, type Kind } from "../safe-fs";
import { readXattrs, sameBytes, xattrUnavailable } from "../platform/xattr";
import type { KindCheck, SameWorkKind } from "../types";

/** `verify:` keys for the same-work levels (DEFAULTS.sameWork holds the config's defaults). */
export const SAME_WORK_DEFAULTS: Record<SameWorkKind, boolean> = { links: true, xattrs: true, sparse: true, owner: true };
export const SAME_WORK_MAX_EXAMPLES = 5;
/** A source file counts as sparse when at least this much of its size is unallocated (one 4 KiB block). */
export const SPARSE_MIN_HOLE_BYTES = 4096;

export type { KindCheck, SameWorkKind } from "../types";

interface Entry {
  kind: Kind;
  ino: number;
  nlink: number;
  uid: number;
  gid: number;
  sizeBytes: number;
  allocatedBytes: number;
}

function scan(root: string): Map<string, Entry> {
  const out = new Map<string, Entry>();
  walk(root, (rel, kind, abs) => {
    const st = fs.lstatSync(abs);
    out.set(rel, { kind, ino: st.ino, nlink: st.nlink, uid: st.uid, gid: st.gid, sizeBytes: st.size, allocatedBytes: st.blocks * 512 });
  }, { sorted: true }); // sorted: the examples come out in a stable order
  return out;
}

function checkLinks(src: Map<string, Entry>, dst: Map<string, Entry>, max: number): KindCheck {
  const groupsOf = (m: Map<string, Entry>) => {
    const g = new Map<number, string[]>();
    for (const [rel, e] of m) if (e.kind === "file" && e.nlink > 1) g.set(e.ino, [...(g.get(e.ino) ?? []), rel]);
    return [...g.values()].filter((names) => names.length > 1).map((names) => names.sort());
  };
  const srcGroups = groupsOf(src);
  const examples: string[] = [];
  let differing = 0;
  for (const names of srcGroups) {
    const inodes = new Set(names.map((n) => (dst.get(n)?.kind === "file" ? dst.get(n)!.ino : -1)));
    if (inodes.size === 1 && !inodes.has(-1)) continue;
    differing++;
    if (examples.length < max) examples.push(`${names.join(" = ")}: ${inodes.has(-1) ? "missing in the destination" : `split into ${inodes.size} files`}`);
  }
  // Joined: files linked together in the destination that are separate files in the source.
  const srcTogether = new Set(srcGroups.map((g) => g.join("\0")));
  for (const names of groupsOf(dst)) {
    const srcInodes = new Set(names.map((n) => src.get(n)?.ino));
    if (srcInodes.size === 1 || srcTogether.has(names.join("\0"))) continue;
    differing++;
    if (examples.length < max) examples.push(`${names.join(" = ")}: one file in the destination, ${srcInodes.size} in the source`);
  }
  return { kind: "links", checked: srcGroups.length, differing, examples };
}

function checkOwner(src: Map<string, Entry>, dst: Map<string, Entry>, max: number): KindCheck {
  const examples: string[] = [];
  let differing = 0;
  for (const [rel, s] of src) {
    const d = dst.get(rel);
    if (!d || (d.uid === s.uid && d.gid === s.gid)) continue;
    differing++;
    if (examples.length < max) examples.push(`${rel}: ${d.uid}:${d.gid}, source ${s.uid}:${s.gid}`);
  }
  return { kind: "owner", checked: src.size, differing, examples };
}

/**
 * A sparse source file (≥ 4 KiB unallocated) whose copy allocated more than half of its holes was filled
 * in; a fully allocated source file whose copy lacks more than half its size was made sparse. Either is
 * different work (more or fewer bytes written).
 */
function checkSparse(src: Map<string, Entry>, dst: Map<string, Entry>, max: number): KindCheck {
  const examples: string[] = [];
  let checked = 0;
  let differing = 0;
  for (const [rel, s] of src) {
    const d = dst.get(rel);
    if (s.kind !== "file" || d?.kind !== "file") continue;
    const holes = s.sizeBytes - s.allocatedBytes;
    if (holes >= SPARSE_MIN_HOLE_BYTES) {
      checked++;
      if (d.allocatedBytes - s.allocatedBytes > holes / 2) {
        differing++;
        if (examples.length < max) examples.push(`${rel}: holes filled (allocated ${d.allocatedBytes} of ${s.sizeBytes} bytes, source ${s.allocatedBytes})`);
      }
    } else if (s.sizeBytes >= SPARSE_MIN_HOLE_BYTES && s.sizeBytes - d.allocatedBytes > s.sizeBytes / 2) {
      differing++;
      if (examples.length < max) examples.push(`${rel}: made sparse (allocated ${d.allocatedBytes} of ${s.sizeBytes} bytes, source fully allocated)`);
    }
  }
  return { kind: "sparse", checked, differing, examples };
}

function checkXattrs(srcRoot: string, dstRoot: string, src: Map<string, Entry>, dst: Map<string, Entry>, max: number, prefixes: readonly string[]): KindCheck {
  const why = xattrUnavailable();
  if (why) return { kind: "xattrs", checked: 0, differing: 0, examples: [], unavailable: why };
  const examples: string[] = [];
  let checked = 0;
  let differing = 0;
  const read = (root: string, rel: string) => {
    const r = readXattrs(path.join(root, rel), prefixes);
    if (!r.ok) throw new Error(r.reason);
    return r.attrs;
  };
  for (const [rel] of src) {
    const s = read(srcRoot, rel);
    const d = dst.has(rel) ? read(dstRoot, rel) : new Map<string, Uint8Array>();
    if (s.size) checked++;
    const missing = [...s.keys()].filter((k) => !d.has(k));
    const changed = [...s.keys()].filter((k) => d.has(k) && !sameBytes(s.get(k)!, d.get(k)!));
    const extra = [...d.keys()].filter((k) => !s.has(k));
    if (!missing.length && !changed.length && !extra.length) continue;
    differing++;
    if (examples.length < max) {
      const parts = [missing.length && `missing ${missing.join(", ")}`, changed.length && `changed ${changed.join(", ")}`, extra.length && `extra ${extra.join(", ")}`].filter(Boolean);
      examples.push(`${rel}: ${parts.join("; ")}`);
    }
  }
  return { kind: "xattrs", checked, differing, examples };
}

export interface SameWorkOptions {
  kinds?: Partial<Record<SameWorkKind, boolean>>;
  maxExamples?: number;
  xattrPrefixes?: readonly string[];
}

/**
 * Compares a destination with its source for the enabled kinds. Both trees are walked without following
 * links (entries below a symlinked directory are simply absent), entries are lstat'ed once; xattrs use
 * l*xattr, so a symlink's own attributes are compared, never its target's.
 */
export function checkSameWork(srcRoot: string, dstRoot: string, opts: SameWorkOptions = {}): KindCheck[] {
  const on = { ...SAME_WORK_DEFAULTS, ...opts.kinds };
  const max = opts.maxExamples ?? SAME_WORK_MAX_EXAMPLES;
  const src = scan(srcRoot);
  const dst = scan(dstRoot);
  const out: KindCheck[] = [];
  if (on.links) out.push(checkLinks(src, dst, max));
  if (on.xattrs) out.push(checkXattrs(srcRoot, dstRoot, src, dst, max, opts.xattrPrefixes ?? ["user."]));
  if (on.sparse) out.push(checkSparse(src, dst, max));
  if (on.owner) out.push(checkOwner(src, dst, max));
  return out;
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
