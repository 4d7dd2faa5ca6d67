// The workspace: claiming it with a marker, refusing folders that are not ours, emptying and removing only our own.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { BenchError } from "./errors";
import { workspacePaths } from "./plan";

const MARKER = ".mirrorbench";

export function isOurs(dir: string): boolean {
  return fs.existsSync(path.join(dir, MARKER));
}

function refuse(dir: string, why: string, hint: string): never {
  throw new BenchError(`refusing workspace ${dir}: ${why}`, { key: "workspace", hint });
}

/** Creates the workspace or re-opens one of ours; never adopts a folder that holds someone else's files. */
export function claimWorkspace(dir: string): { created: boolean } {
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
      return { created: false };
    }
  }
  fs.mkdirSync(abs, { recursive: true });
  fs.writeFileSync(
    path.join(abs, MARKER),
    JSON.stringify({ createdBy: "mirrorbench", pid: process.pid, at: new Date().toISOString() }) + "\n",
  );
  return { created: true };
}

/** Guards every destructive step: the path must lie strictly inside a workspace we own. */
export function assertInside(workspace: string, target: string): void {
  const rel = path.relative(path.resolve(workspace), path.resolve(target));
  if (!isOurs(workspace) || rel === "" || rel.startsWith("..") || path.isAbsolute(rel)) {
    throw new BenchError(`refusing to delete ${target}: it is not inside mirrorbench's own workspace ${workspace}`, {
      hint: "mirrorbench only deletes what it created",
    });
  }
}

/** Empties (or creates) a run's destination, outside the timed window. */
export function resetDestination(workspace: string, dst: string, src: string): void {
  assertInside(workspace, dst);
  const rel = path.relative(path.resolve(dst), path.resolve(src));
  if (rel === "" || !rel.startsWith("..")) {
    throw new BenchError(`refusing destination ${dst}: it is or contains the source ${src}`);
  }
  fs.rmSync(dst, { recursive: true, force: true });
  fs.mkdirSync(dst, { recursive: true });
}

/** Removes the workspace at exit (unless kept); only when it carries our marker. */
export function removeWorkspace(workspace: string): boolean {
  if (!isOurs(workspace)) return false;
  fs.rmSync(workspace, { recursive: true, force: true });
  return true;
}

export { workspacePaths };
