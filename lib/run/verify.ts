// Verification: compare a destination tree with the source manifest (presence, size, content hash, mode, mtime, symlinks) in one streaming merge walk.
//
// Rules (where the issue left the choice to us):
// - Content is compared by hash against the manifest (same algorithm as generation, see
//   datasets/worker.ts); only entries without a hash are hashed from srcDir.
// - A size mismatch is not also counted as a content mismatch.
// - An entry of the wrong type counts as missing for files/dirs; for a symlink it is a symlink
//   mismatch when `spec.symlinks`, otherwise a symlink only has to exist under its name.
// - mode (spec.mode): permission bits (0o7777) of files and dirs. mtime (spec.mtime): files only
//   (dir mtimes are left to the tools' taste: many set them before filling the dir); tolerance
//   1 ms, or 2 s when the destination's timestamp has no sub-second part (coarse filesystems; lib/defaults.ts).
// - The destination root is lstat'ed, never followed: a root that is a symlink fails.
// - Memory: one directory listing per level, a bounded number of hash batches in flight, and the
//   inodes of hard-linked names; never an object per file.
// - Hard links: every name is checked as a file. Whether the link itself was kept is reported in
//   `notes` (only when spec.mode is on) and never fails verification: preserving hard links is a
//   tool option (rsync -H), not correctness.
import * as fs from "node:fs";
import * as path from "node:path";
import { DEFAULTS } from "../defaults";
import type { VerifySpec } from "../types";
import type { HashResult } from "../datasets/content";
import type { Manifest, ManifestEntry } from "../datasets/manifest";
import { HashStream, poolFor } from "../datasets/pool";
import { cmpTreeOrder } from "../datasets/records";
import { SortedWalk } from "../datasets/walk-sorted";
import { lstatOrNull } from "../safe-fs";
import { metaOfStats, type DstMeta } from "./same-work-pass";

export interface VerifyResult {
  ok: boolean;
  missing: number;
  extra: number;
  sizeMismatch: number;
  contentMismatch: number;
  modeMismatch: number;
  mtimeMismatch: number;
  symlinkMismatch: number;
  examples: string[];
  summary: string;
  checkedFiles: number;
  elapsedMs: number;
  /** Informational findings that do not fail verification (hard links not preserved). */
  notes?: string[];
  /** Data threads the files were hashed on (0: on the main thread). */
  threads?: number;
}


export function mtimeMatches(expectedMs: number, actualMs: number): boolean {
  const diff = Math.abs(actualMs - expectedMs);
  if (diff < DEFAULTS.mtimeToleranceMs) return true;
  return actualMs % 1000 === 0 && diff < DEFAULTS.coarseMtimeToleranceMs;
}

export interface VerifyOptions {
  /** The caller measured the copy to be in the page cache, so reading it waits on no disk (datasets/pool.ts sizes the threads by it). */
  resident?: boolean;
  /**
   * Told every manifest entry met in the copy under its own type (a symlink whatever it became), with the
   * copy's stat fields — a file's from the fstat taken to hash it — so the same-work checks ride on this
   * walk (run/same-work-pass.ts) instead of walking and stat'ing the copy again; an entry missing from the
   * copy with nulls. Files come in feed order, after the directories and links met before them.
   */
  onPair?: (e: ManifestEntry, dstAbs: string | null, meta: DstMeta | null) => void;
}

/** A hashed file's stat fields as the same-work checks read them. */
const metaOfHash = (g: HashResult): DstMeta => ({ file: true, ino: g.ino!, dev: g.dev!, nlink: g.nlink!, uid: g.uid!, gid: g.gid!, blocks: g.blocks! });

export async function verifyCopy(srcDir: string, manifest: Manifest, dstDir: string, spec: Omit<VerifySpec, "allowSourceLinks">, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const onPair = opts.onPair;
  const t0 = performance.now();
  const r: VerifyResult = {
    ok: true,
    missing: 0,
    extra: 0,
    sizeMismatch: 0,
    contentMismatch: 0,
    modeMismatch: 0,
    mtimeMismatch: 0,
    symlinkMismatch: 0,
    examples: [],
    summary: "",
    checkedFiles: 0,
    elapsedMs: 0,
  };
  // Examples are kept per kind and interleaved, so 1000 missing files do not hide the one content mismatch.
  const byKind = new Map<string, { path: string; what: string }[]>();
  const note = (p: string, what: string, kind: string) => {
    const list = byKind.get(kind) ?? [];
    if (list.length < DEFAULTS.verifyExamples) list.push({ path: p, what });
    byKind.set(kind, list);
  };
  // The root is never followed: a destination that is a link to the source is not a copy of it.
  const root = lstatOrNull(dstDir);
  if (root && !root.isDirectory()) {
    r.ok = false;
    r.summary = `destination ${dstDir} is ${root.isSymbolicLink() ? `a symlink to ${fs.readlinkSync(dstDir)}` : "not a directory"}, not a copy`;
    r.examples = [dstDir];
    r.elapsedMs = performance.now() - t0;
    return r;
  }
  // One merge of the destination's sorted walk with the manifest's stream (both in tree order):
  // a path only in the manifest is missing, only in the destination extra; files are hashed as met.
  const walk = new SortedWalk(dstDir);
  const it = manifest.entries();
  const inodeOf = new Map<string, number>();
  let brokenLinks = 0;
  let awaitingSrc: { e: ManifestEntry; g: HashResult; abs: string } | null = null;
  const judge = (e: ManifestEntry, g: HashResult, srcHash: string | undefined, abs: string) => {
    r.checkedFiles++;
    if (g.error) {
      r.missing++;
      note(e.path, `unreadable: ${g.error}`, "missing");
      const st = onPair && lstatOrNull(abs);
      onPair?.(e, st ? abs : null, st ? metaOfStats(st) : null);
      return;
    }
    onPair?.(e, abs, metaOfHash(g));
    if (g.size !== e.size) {
      r.sizeMismatch++;
      note(e.path, `${g.size} bytes, expected ${e.size}`, "size");
    } else if (g.hash !== (e.hash ?? srcHash ?? "unreadable source")) {
      r.contentMismatch++;
      note(e.path, "content differs", "content");
    }
    if (spec.mode && (g.mode! & 0o7777) !== (e.mode & 0o7777)) {
      r.modeMismatch++;
      note(e.path, `mode ${(g.mode! & 0o7777).toString(8)}, expected ${(e.mode & 0o7777).toString(8)}`, "mode");
    }
    if (spec.mtime && !mtimeMatches(e.mtimeMs, g.mtimeMs!)) {
      r.mtimeMismatch++;
      note(e.path, `mtime ${new Date(g.mtimeMs!).toISOString()}, expected ${new Date(e.mtimeMs).toISOString()}`, "mtime");
    }
    // Hard links: the first name in tree order comes first, so its inode is known when a later name is met.
    if (spec.mode && e.linked) inodeOf.set(e.path, g.ino!);
    if (spec.mode && e.linkOf && inodeOf.has(e.linkOf) && inodeOf.get(e.linkOf) !== g.ino) brokenLinks++;
  };
  // Items come back in feed order: an entry without a hash is fed twice (copy, then source) and judged on the second.
  const onBatch = (items: { e: ManifestEntry; src: boolean; abs: string }[], rs: HashResult[]) => {
    items.forEach((item, k) => {
      if (!item.src && item.e.hash) return judge(item.e, rs[k]!, undefined, item.abs);
      if (!item.src) return void (awaitingSrc = { e: item.e, g: rs[k]!, abs: item.abs });
      const a = awaitingSrc!;
      awaitingSrc = null;
      judge(a.e, a.g, rs[k]!.hash, a.abs);
    });
  };
  const pool = poolFor(manifest.fileCount, manifest.totalBytes, "io", opts.resident);
  r.threads = pool.size;
  try {
    const hashes = new HashStream(pool, onBatch);
    let d = walk.next();
    let n = it.next();
    while (d || !n.done) {
      const e = n.done ? null : n.value;
      const c = !d ? -1 : !e ? 1 : cmpTreeOrder(e.path, d.rel);
      if (c > 0) {
        r.extra++;
        note(d!.rel, "extra", "extra");
        d = walk.next();
        continue;
      }
      n = it.next();
      if (c < 0) {
        r.missing++;
        note(e!.path, "missing", "missing");
        onPair?.(e!, null, null);
        continue;
      }
      const kind = d!.kind;
      const abs = d!.abs;
      d = walk.next();
      if (e!.type === "symlink") {
        if (onPair) onPair(e!, abs, metaOfStats(fs.lstatSync(abs)));
        if (!spec.symlinks) continue;
        if (kind !== "symlink") {
          r.symlinkMismatch++;
          note(e!.path, `symlink copied as ${kind}`, "symlink");
          continue;
        }
        const target = fs.readlinkSync(abs);
        if (target !== e!.target) {
          r.symlinkMismatch++;
          note(e!.path, `symlink -> ${target}, expected ${e!.target}`, "symlink");
        }
        continue;
      }
      if (kind !== e!.type) {
        if (onPair) onPair(e!, abs, metaOfStats(fs.lstatSync(abs)));
        r.missing++;
        note(e!.path, `${kind} instead of ${e!.type}`, "missing");
        continue;
      }
      if (e!.type === "dir") {
        if (spec.mode || onPair) {
          const st = fs.lstatSync(abs);
          onPair?.(e!, abs, metaOfStats(st));
          const mode = st.mode & 0o7777;
          if (spec.mode && mode !== (e!.mode & 0o7777)) {
            r.modeMismatch++;
            note(e!.path, `mode ${mode.toString(8)}, expected ${(e!.mode & 0o7777).toString(8)}`, "mode");
          }
        }
        continue;
      }
      await hashes.add({ e: e!, src: false, abs }, abs, e!.size);
      if (!e!.hash) await hashes.add({ e: e!, src: true, abs }, path.join(srcDir, e!.path), e!.size);
    }
    await hashes.finish();
  } finally {
    pool.close();
  }
  if (brokenLinks > 0) r.notes = [`${brokenLinks} hard link(s) not preserved (copied as separate files)`];

  const counts: [number, string, string][] = [
    [r.missing, "missing", "missing"],
    [r.extra, "extra", "extra"],
    [r.sizeMismatch, "size mismatch", "size mismatches"],
    [r.contentMismatch, "content mismatch", "content mismatches"],
    [r.modeMismatch, "mode mismatch", "mode mismatches"],
    [r.mtimeMismatch, "mtime mismatch", "mtime mismatches"],
    [r.symlinkMismatch, "symlink mismatch", "symlink mismatches"],
  ];
  const parts = counts.filter(([n]) => n > 0).map(([n, one, many]) => `${n} ${n === 1 ? one : many}`);
  r.ok = parts.length === 0;
  const problems: { path: string; what: string }[] = [];
  const lists = [...byKind.values()];
  for (let i = 0; problems.length < DEFAULTS.verifyExamples && lists.some((l) => l.length > i); i++) {
    for (const l of lists) if (l[i] && problems.length < DEFAULTS.verifyExamples) problems.push(l[i]!);
  }
  r.examples = problems.map((p) => `${p.path} (${p.what})`);
  if (!r.ok) {
    const total = counts.reduce((s, [n]) => s + n, 0);
    r.summary = `${parts.join(", ")}: ${problems.map((p) => p.path).join(", ")}${total > problems.length ? " …" : ""}`;
  }
  r.elapsedMs = performance.now() - t0;
  return r;
}
