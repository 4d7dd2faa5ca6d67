// Verification: compare a destination tree with the source manifest (presence, size, content hash, mode, mtime, symlinks).
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
// - Hard links: every name is checked as a file. Whether the link itself was kept is reported in
//   `notes` (only when spec.mode is on) and never fails verification: preserving hard links is a
//   tool option (rsync -H), not correctness.
import * as fs from "node:fs";
import * as path from "node:path";
import { DEFAULTS } from "../defaults";
import type { VerifySpec } from "../types";
import type { Manifest, ManifestEntry } from "../datasets/manifest";
import { hashFiles, poolFor } from "../datasets/pool";
import { listKinds, lstatOrNull } from "../safe-fs";

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
}


export function mtimeMatches(expectedMs: number, actualMs: number): boolean {
  const diff = Math.abs(actualMs - expectedMs);
  if (diff < DEFAULTS.mtimeToleranceMs) return true;
  return actualMs % 1000 === 0 && diff < DEFAULTS.coarseMtimeToleranceMs;
}

export async function verifyCopy(srcDir: string, manifest: Manifest, dstDir: string, spec: Omit<VerifySpec, "allowSourceLinks">): Promise<VerifyResult> {
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
  const dst = listKinds(dstDir);
  const expected = new Set<string>();
  const files: ManifestEntry[] = [];
  for (const e of manifest.entries) {
    expected.add(e.path);
    const kind = dst.get(e.path);
    if (kind === undefined) {
      r.missing++;
      note(e.path, "missing", "missing");
      continue;
    }
    if (e.type === "symlink") {
      if (!spec.symlinks) continue;
      if (kind !== "symlink") {
        r.symlinkMismatch++;
        note(e.path, `symlink copied as ${kind}`, "symlink");
        continue;
      }
      const target = fs.readlinkSync(path.join(dstDir, e.path));
      if (target !== e.target) {
        r.symlinkMismatch++;
        note(e.path, `symlink -> ${target}, expected ${e.target}`, "symlink");
      }
      continue;
    }
    if (kind !== e.type) {
      r.missing++;
      note(e.path, `${kind} instead of ${e.type}`, "missing");
      continue;
    }
    if (e.type === "dir") {
      if (spec.mode) {
        const mode = fs.lstatSync(path.join(dstDir, e.path)).mode & 0o7777;
        if (mode !== (e.mode & 0o7777)) {
          r.modeMismatch++;
          note(e.path, `mode ${mode.toString(8)}, expected ${(e.mode & 0o7777).toString(8)}`, "mode");
        }
      }
      continue;
    }
    files.push(e);
  }
  for (const [p] of dst) {
    if (!expected.has(p)) {
      r.extra++;
      note(p, "extra", "extra");
    }
  }

  const needSrc = files.filter((e) => !e.hash);
  const pool = poolFor(files.length + needSrc.length, manifest.totalBytes);
  let got: Awaited<ReturnType<typeof hashFiles>>;
  let srcHashes = new Map<string, string>();
  try {
    const [d, s] = await Promise.all([
      hashFiles(pool, files.map((e) => ({ path: path.join(dstDir, e.path), sizeHint: e.size }))),
      hashFiles(pool, needSrc.map((e) => ({ path: path.join(srcDir, e.path), sizeHint: e.size }))),
    ]);
    got = d;
    needSrc.forEach((e, i) => srcHashes.set(e.path, s[i]!.hash ?? "unreadable source"));
  } finally {
    pool.close();
  }
  const inodeOf = new Map<string, number>();
  let brokenLinks = 0;
  files.forEach((e, i) => {
    const g = got[i]!;
    r.checkedFiles++;
    if (g.error) {
      r.missing++;
      note(e.path, `unreadable: ${g.error}`, "missing");
      return;
    }
    if (g.size !== e.size) {
      r.sizeMismatch++;
      note(e.path, `${g.size} bytes, expected ${e.size}`, "size");
    } else if (g.hash !== (e.hash ?? srcHashes.get(e.path))) {
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
    if (spec.mode) {
      inodeOf.set(e.path, g.ino!);
      if (e.linkOf && inodeOf.has(e.linkOf) && inodeOf.get(e.linkOf) !== g.ino) brokenLinks++;
    }
  });
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
