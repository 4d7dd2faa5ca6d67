// Same work: did the destination keep the source's hard-link groups, xattrs, holes and owners? A check of its own (one streamed merge walk of both trees) and the row flags; the per-entry rules live in same-work-pass.ts.

import fs from "node:fs";
import path from "node:path";
import type { Manifest } from "../datasets/manifest";
import { cmpTreeOrder } from "../datasets/records";
import { SortedWalk, type WalkItem } from "../datasets/walk-sorted";
import type { KindCheck, SameWorkKind } from "../types";
import { metaOfStats, SAME_WORK_DEFAULTS, SameWorkPass, srcEntryOf, type SameWorkOptions } from "./same-work-pass";
import { ProfileTaker, type SourceProfile } from "./source-profile";

export { SAME_WORK_DEFAULTS, SAME_WORK_MAX_EXAMPLES, SameWorkPass, srcEntryOf, type DstMeta, type SameWorkOptions } from "./same-work-pass";
export { SPARSE_MIN_HOLE_BYTES, type SourceProfile } from "./source-profile";
export type { KindCheck, SameWorkKind } from "../types";

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
        Object.assign(s, srcEntryOf(r.value), { abs: "" });
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

export interface CheckSameWorkOptions extends SameWorkOptions {
  /** The source's manifest: its entries and hard-link groups are read from it rather than by listing the source. */
  manifest?: Manifest;
}

/**
 * Compares a destination with its source for the enabled kinds, in one merge of two sorted walks (tree
 * order, one directory listing per level held): for a copy verification did not walk (a remote run's).
 * Neither walk follows a link (entries below a symlinked directory are simply absent); entries are lstat'ed
 * once; xattrs use l*xattr. Destination-only entries are verification's business.
 */
export function checkSameWork(srcRoot: string, dstRoot: string, opts: CheckSameWorkOptions = {}): KindCheck[] {
  const on = { ...SAME_WORK_DEFAULTS, ...opts.kinds };
  const needStat = on.links || on.sparse || on.owner;
  // A profile describes the manifest's source; without the manifest the source is read per entry anyway.
  const pass = new SameWorkPass(opts.manifest ? opts : { ...opts, profile: undefined, onProfile: undefined });
  const src = sourceCursor(srcRoot, opts.manifest);
  const s = src.s;
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
    pass.entry(s, src.abs, match ? match.abs : null, match && needStat ? metaOfStats(fs.lstatSync(match.abs)) : null);
    // A directory on one side and not the other: the other side's walk must not descend on its own.
    if (match && match.kind === "dir" && s.kind !== "dir") dw.skip();
    if (c === 0) d = dw.next();
    more = src.next();
  }
  return pass.result();
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
