// Non-following file-system primitives: the one tree walker, and creating / removing harness-owned directories without leaving a root.
//
// Rules:
// - Nothing here follows a symlink below the root it is given: kinds come from the directory entry
//   (d_type, i.e. lstat semantics), and an entry of unknown type is lstat'ed.
// - A root is an absolute, realpath'ed directory (callers resolve it once); every path handed in
//   must lie strictly below it, checked component by component with lstat.
// - A symlink (or file) found where a harness-owned directory should be is removed as an entry
//   (its target untouched) and reported as a `Replaced`, so callers can log it.
// - What this cannot prevent: a process that swaps a directory for a link between our lstat and our
//   unlink (there is no openat/unlinkat in node:fs). mirrorbench only walks when no tool of its own runs.
import fs from "node:fs";
import path from "node:path";
import { BenchError } from "./errors";

export type Kind = "file" | "dir" | "symlink" | "other";

/** An entry removed because it stood where a harness-owned directory belongs. */
export interface Replaced {
  path: string;
  /** "symlink" (target says where it pointed) or the kind of the non-directory found. */
  was: Exclude<Kind, "dir">;
  target: string | null;
}

/** The warning line for a replaced entry; `then` says what took its place. */
export function describeReplaced(r: Replaced, then = "and created a real directory"): string {
  const what = r.was === "symlink" ? `was a symlink to ${r.target}; removed the link (its target untouched)` : `was a ${r.was}, not a directory; removed it`;
  return `warning: ${r.path} ${what}${then ? ` ${then}` : ""}`;
}

export function kindOfStats(st: fs.Stats | fs.BigIntStats): Kind {
  return st.isFile() ? "file" : st.isDirectory() ? "dir" : st.isSymbolicLink() ? "symlink" : "other";
}

function kindOfDirent(d: fs.Dirent, abs: string): Kind {
  if (d.isFile()) return "file";
  if (d.isDirectory()) return "dir";
  if (d.isSymbolicLink()) return "symlink";
  if (d.isFIFO() || d.isSocket() || d.isBlockDevice() || d.isCharacterDevice()) return "other";
  // DT_UNKNOWN (some network and older file systems): ask lstat, never stat.
  return kindOfStats(fs.lstatSync(abs));
}

export function lstatOrNull(p: string): fs.Stats | null {
  try {
    return fs.lstatSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "ENOTDIR") return null;
    throw e;
  }
}

/**
 * Visits every entry below `root` (a real directory), parents before children, with its posix
 * relative path and kind; never descends into a symlink. `visit` returning false skips a
 * directory's children. With `sorted`, siblings come in code-unit order (a stable pre-order).
 */
export function walk(root: string, visit: Visit, opts: { sorted?: boolean } = {}): void {
  const st = fs.lstatSync(root);
  if (!st.isDirectory()) throw new Error(`${root} is ${st.isSymbolicLink() ? "a symlink" : "not a directory"}; refusing to walk it`);
  if (opts.sorted) {
    walkSorted(root, "", visit);
    return;
  }
  const stack: string[] = [""];
  while (stack.length) {
    const rel = stack.pop()!;
    const dir = rel ? path.join(root, rel) : root;
    for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = rel ? `${rel}/${d.name}` : d.name;
      const abs = path.join(dir, d.name);
      const kind = kindOfDirent(d, abs);
      if (visit(p, kind, abs) !== false && kind === "dir") stack.push(p);
    }
  }
}

type Visit = (rel: string, kind: Kind, abs: string) => boolean | void;

/** Sorted pre-order (recursion depth = tree depth, bounded by PATH_MAX). */
function walkSorted(root: string, rel: string, visit: Visit): void {
  const dir = rel ? path.join(root, rel) : root;
  const ents = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const d of ents) {
    const p = rel ? `${rel}/${d.name}` : d.name;
    const abs = path.join(dir, d.name);
    const kind = kindOfDirent(d, abs);
    if (visit(p, kind, abs) !== false && kind === "dir") walkSorted(root, p, visit);
  }
}

/** Every entry below `root` (posix relative path → kind); empty when root does not exist. */
export function listKinds(root: string): Map<string, Kind> {
  const out = new Map<string, Kind>();
  if (!lstatOrNull(root)) return out;
  walk(root, (rel, kind) => {
    out.set(rel, kind);
  });
  return out;
}

/**
 * Removes one entry: a directory with everything below it (children first, links unlinked, never
 * followed), anything else unlinked. A directory goes through Bun's native recursive rm, which opens
 * each level with O_NOFOLLOW|O_DIRECTORY and unlinks relative to that descriptor (unlinkat): it never
 * follows a link below `abs`, holds one level in memory, and is as fast as `rm -rf` (a JS walk that
 * unlinks by full path was up to 1.3x slower on a million files).
 */
export function removeEntry(abs: string): void {
  const st = lstatOrNull(abs);
  if (!st) return;
  if (!st.isDirectory()) {
    fs.unlinkSync(abs);
    return;
  }
  fs.rmSync(abs, { recursive: true });
}

/** Path components of `target` below `rootReal`; refuses anything that is not strictly inside. */
export function componentsBelow(rootReal: string, target: string): string[] {
  const rel = path.relative(rootReal, path.resolve(target));
  if (rel === "" || rel.startsWith("..") || path.isAbsolute(rel)) {
    throw new BenchError(`refusing to touch ${target}: it is not inside ${rootReal}`, { hint: "mirrorbench only creates and deletes inside its own workspace" });
  }
  return rel.split(path.sep);
}

function assertRealRoot(rootReal: string): void {
  const st = fs.lstatSync(rootReal);
  if (!st.isDirectory()) {
    throw new BenchError(`refusing to work in ${rootReal}: it is ${st.isSymbolicLink() ? `now a symlink to ${fs.readlinkSync(rootReal)}` : "no longer a directory"}`, {
      hint: "something replaced the workspace while mirrorbench was using it",
    });
  }
}

function replace(abs: string, st: fs.Stats): Replaced {
  const was = kindOfStats(st) as Replaced["was"];
  const r: Replaced = { path: abs, was, target: was === "symlink" ? fs.readlinkSync(abs) : null };
  fs.unlinkSync(abs);
  return r;
}

/** Removes `abs` when it is a symlink (the link, never its target); the caller owns the name. */
export function dropLink(abs: string): Replaced | null {
  const st = lstatOrNull(abs);
  return st?.isSymbolicLink() ? replace(abs, st) : null;
}

/**
 * Makes `dir` (inside `rootReal`) a real directory, every component on the way included: a missing
 * one is created, a symlink or file is removed as an entry and replaced by a directory.
 */
export function ensureRealDir(rootReal: string, dir: string): Replaced[] {
  const parts = componentsBelow(rootReal, dir);
  assertRealRoot(rootReal);
  const replaced: Replaced[] = [];
  let cur = rootReal;
  for (const name of parts) {
    cur = path.join(cur, name);
    const st = lstatOrNull(cur);
    if (st?.isDirectory()) continue;
    if (st) replaced.push(replace(cur, st));
    fs.mkdirSync(cur);
  }
  return replaced;
}

/**
 * Removes `target` (strictly inside `rootReal`) without following any link: a symlink or file on
 * the way to it is removed as an entry (nothing of ours can be behind it); the target itself is
 * removed with everything below it.
 */
export function removeInside(rootReal: string, target: string): Replaced[] {
  const parts = componentsBelow(rootReal, target);
  assertRealRoot(rootReal);
  let cur = rootReal;
  for (const name of parts.slice(0, -1)) {
    cur = path.join(cur, name);
    const st = lstatOrNull(cur);
    if (!st) return [];
    if (!st.isDirectory()) return [replace(cur, st)];
  }
  removeEntry(path.join(cur, parts[parts.length - 1]!));
  return [];
}

/** The first component from `rootReal` down to `dir` that is not a real directory, or null when all are. */
export function firstNonDir(rootReal: string, dir: string): { path: string; kind: Kind | "missing"; target: string | null } | null {
  let cur = rootReal;
  for (const name of componentsBelow(rootReal, dir)) {
    cur = path.join(cur, name);
    const st = lstatOrNull(cur);
    if (!st) return { path: cur, kind: "missing", target: null };
    if (st.isDirectory()) continue;
    return { path: cur, kind: kindOfStats(st), target: st.isSymbolicLink() ? fs.readlinkSync(cur) : null };
  }
  return null;
}

/** The path itself when it exists, else its nearest existing ancestor (lstat: a dangling link counts as existing). */
export function nearestExisting(p: string): string {
  let cur = path.resolve(p);
  for (;;) {
    try {
      fs.lstatSync(cur);
      return cur;
    } catch {
      const up = path.dirname(cur);
      if (up === cur) return cur;
      cur = up;
    }
  }
}

/** `inner` lies strictly inside `outer`. */
export function isInside(inner: string, outer: string): boolean {
  const rel = path.relative(outer, inner);
  return rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel);
}
