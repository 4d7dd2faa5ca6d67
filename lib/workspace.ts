// The workspace: claiming it with a marker, refusing folders that are not ours, keeping its own entries real directories, emptying destinations and removing only our own entries.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { BenchError } from "./errors";
import { LOCK_NAME, lockHeldByOther } from "./lock";
import { workspacePaths } from "./paths";
import { describeReplaced, dropLink, ensureRealDir, firstNonDir, lstatOrNull, removeInside, type Replaced } from "./safe-fs";

const MARKER = ".mirrorbench";

/**
 * Every name mirrorbench creates at the top of a workspace, in one place: removeWorkspace deletes
 * these and nothing else (tests/safe-fs-helpers checks that workspacePaths and the lock stay in it).
 */
export const OWN_TOP_LEVEL = [MARKER, LOCK_NAME, `${LOCK_NAME}.takeover`, "bench.log", "bench.log.1", "datasets", "dst", "state", "snapshots"] as const;

export function isOurs(dir: string): boolean {
  return lstatOrNull(path.join(dir, MARKER))?.isFile() ?? false;
}

function refuse(dir: string, why: string, hint: string): never {
  throw new BenchError(`refusing workspace ${dir}: ${why}`, { key: "workspace", hint });
}

/** Creates the workspace or re-opens one of ours; never adopts a folder that holds someone else's files. */
export function claimWorkspace(dir: string): { created: boolean; replaced: Replaced[] } {
  const abs = path.resolve(dir);
  const home = path.resolve(os.homedir());
  const hint = "set workspace: in the config (or BENCH_ROOT) to a new folder, e.g. /tmp/mirrorbench";
  if (abs === path.parse(abs).root) refuse(abs, "it is the file system root", hint);
  if (abs === home) refuse(abs, "it is your home directory", hint);
  if (fs.existsSync(abs)) {
    const st = fs.statSync(abs);
    if (!st.isDirectory()) refuse(abs, "it exists and is not a directory", hint);
    if (!isOurs(abs)) {
      // An empty folder holds nothing to lose, so it may be adopted (users mkdir BENCH_ROOT first).
      if (fs.readdirSync(abs).length > 0) {
        refuse(abs, "it exists, is not empty and was not created by mirrorbench (no .mirrorbench marker)", hint);
      }
    } else {
      return { created: false, replaced: ownEntriesNotLinks(abs) };
    }
  }
  fs.mkdirSync(abs, { recursive: true });
  fs.writeFileSync(
    path.join(abs, MARKER),
    JSON.stringify({ createdBy: "mirrorbench", pid: process.pid, at: new Date().toISOString() }) + "\n",
    { flag: "wx" },
  );
  return { created: true, replaced: [] };
}

/**
 * Top-level files written before any scenario must not be links (bench.log is appended to): such a
 * link is removed and returned for the caller to log. dst/ and datasets/ are made real where they
 * are used (resetDestination, prepareSources), which log what they find.
 */
function ownEntriesNotLinks(dir: string): Replaced[] {
  const real = workspaceReal(dir);
  const out: Replaced[] = [];
  for (const name of OWN_TOP_LEVEL) {
    if (name === "dst" || name === "datasets" || name === "state") continue;
    const r = dropLink(path.join(real, name));
    if (r) out.push(r);
  }
  return out;
}

const reals = new Map<string, string>();

/** The workspace's real path, resolved once per process (macOS /tmp is itself a link to /private/tmp). */
export function workspaceReal(workspace: string): string {
  const abs = path.resolve(workspace);
  let real = reals.get(abs);
  if (!real) {
    real = fs.realpathSync(abs);
    reals.set(abs, real);
  }
  return real;
}

/** `p` (given below the workspace as configured) as the same path below the workspace's real path. */
export function inWorkspace(workspace: string, p: string): string {
  const real = workspaceReal(workspace);
  const abs = path.resolve(p);
  for (const base of [path.resolve(workspace), real]) {
    const rel = path.relative(base, abs);
    if (rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel)) return path.join(real, rel);
  }
  throw new BenchError(`refusing to touch ${p}: it is not inside mirrorbench's own workspace ${workspace}`, {
    hint: "mirrorbench only deletes what it created",
  });
}

/** Guards every destructive step: the path must lie strictly inside a workspace we own. */
export function assertInside(workspace: string, target: string): void {
  if (!isOurs(workspace)) {
    throw new BenchError(`refusing to delete ${target}: ${workspace} is not mirrorbench's own workspace (no .mirrorbench marker)`, {
      hint: "mirrorbench only deletes what it created",
    });
  }
  inWorkspace(workspace, target);
}

/** Empties (or creates) a run's destination, outside the timed window; returns links it found on the way and removed. */
export function resetDestination(workspace: string, dst: string, src: string): Replaced[] {
  assertInside(workspace, dst);
  const rel = path.relative(path.resolve(dst), path.resolve(src));
  if (rel === "" || !rel.startsWith("..")) {
    throw new BenchError(`refusing destination ${dst}: it is or contains the source ${src}`);
  }
  const real = workspaceReal(workspace);
  const d = inWorkspace(workspace, dst);
  return [...removeInside(real, d), ...ensureRealDir(real, d)];
}

/** Makes a destination a real directory without emptying it (restore decides what to keep). */
export function realDestination(workspace: string, dst: string): Replaced[] {
  assertInside(workspace, dst);
  return ensureRealDir(workspaceReal(workspace), inWorkspace(workspace, dst));
}

/** Why `dst` is not a real copy's directory (a symlink, or a symlink on the way to it), or null. */
export function destinationNotReal(workspace: string, dst: string): string | null {
  const bad = firstNonDir(workspaceReal(workspace), inWorkspace(workspace, dst));
  if (!bad) return null;
  const shown = path.join(path.resolve(workspace), path.relative(workspaceReal(workspace), bad.path));
  const self = path.resolve(shown) === path.resolve(dst);
  if (bad.kind === "missing") return `destination ${dst} is not a copy: ${self ? "it does not exist" : `${shown} on the way to it does not exist`} after the run`;
  const what = bad.kind === "symlink" ? `a symlink to ${bad.target}` : `a ${bad.kind}, not a directory`;
  return self ? `destination ${dst} is ${what}, not a copy` : `destination ${dst} is not a copy: ${shown} on the way to it is ${what}`;
}

/**
 * Removes the workspace at exit (unless kept): only the entries mirrorbench creates (OWN_TOP_LEVEL),
 * never through a link, then the folder itself when nothing else is left in it. Returns whether the
 * folder is gone. A workspace whose lock another live run holds is left alone.
 */
export function removeWorkspace(workspace: string): boolean {
  if (!isOurs(workspace) || lockHeldByOther(workspace)) return false;
  const real = workspaceReal(workspace);
  // The marker goes last, so an interrupted removal leaves a folder still recognisably ours.
  for (const name of OWN_TOP_LEVEL) if (name !== MARKER) removeInside(real, path.join(real, name));
  removeInside(real, path.join(real, MARKER));
  try {
    fs.rmdirSync(real);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOTEMPTY" || code === "EEXIST") return false;
    throw e;
  }
}

/**
 * Everything under <workspace>/datasets is the harness's: the folder itself, each dataset folder and
 * what sits directly in it must not be links (a link would make regeneration delete or write
 * outside the workspace). Links found there are removed as links (the dataset is then regenerated);
 * the trees below are never followed. Returns the warning lines.
 */
export function containDatasets(datasetsRoot: string): string[] {
  const workspace = path.dirname(datasetsRoot);
  const real = inWorkspace(workspace, datasetsRoot);
  const lines = ensureRealDir(workspaceReal(workspace), real).map((r) => describeReplaced(r));
  const inner: Replaced[] = [];
  for (const name of fs.readdirSync(real)) {
    const dir = path.join(real, name);
    const r = dropLink(dir);
    if (r) inner.push(r);
    else if (lstatOrNull(dir)?.isDirectory()) for (const entry of fs.readdirSync(dir)) {
      const re = dropLink(path.join(dir, entry));
      if (re) inner.push(re);
    }
  }
  return [...lines, ...inner.map((r) => describeReplaced(r, "(the dataset is regenerated)"))];
}
