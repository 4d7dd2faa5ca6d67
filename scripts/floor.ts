// The kernel's floor for generating a dataset, for the bench scripts: scripts/floor-writer.c built with the machine's C compiler and run on a dataset's own list of directories, names and sizes.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DEFAULTS } from "../lib/defaults.ts";
import { readManifest } from "../lib/datasets/manifest.ts";

export type FloorWriter = { exe: string } | { why: string };

/** scripts/floor-writer.c built into `dir` with the first C compiler found, or why not. */
export function buildFloorWriter(dir: string): FloorWriter {
  const cc = ["cc", "gcc", "clang"].map((c) => Bun.which(c)).find((c): c is string => !!c);
  if (!cc) return { why: "no C compiler (cc, gcc, clang) on PATH" };
  const exe = path.join(dir, "floor-writer");
  const r = spawnSync(cc, ["-O2", "-pthread", "-o", exe, path.join(import.meta.dir, "floor-writer.c")], { encoding: "utf8" });
  return r.status === 0 ? { exe } : { why: `${cc} failed: ${(r.stderr || "").trim().slice(0, 300)}` };
}

/** Generation's writers: as many threads as the data pool gives a CPU-bound job (lib/datasets/pool.ts). */
export const writerThreads = () => Math.max(1, Math.min(os.availableParallelism(), DEFAULTS.dataWorkersMax));

/**
 * The floor: the dataset's directories and files (from its manifest) written by floor-writer into a fresh
 * directory of the same file system, after a sync and 5 s to settle like generation's own start (the
 * CLI starts it on a quiet disk). Milliseconds of its writing part, as it prints them.
 */
export function floorMs(writer: string, manifestFile: string, dir: string, settleMs = 5000): number {
  const list = path.join(dir, "floor-list.txt");
  const out = fs.openSync(list, "w");
  let lines: string[] = [];
  const flush = () => (fs.writeSync(out, lines.join("")), (lines = []));
  for (const e of readManifest(manifestFile).entries()) {
    if (e.type === "dir") lines.push(`D ${e.path}\n`);
    else if (e.type === "file" && !e.linkOf) lines.push(`F ${e.size} ${e.path}\n`);
    if (lines.length >= 10_000) flush();
  }
  flush();
  fs.closeSync(out);
  const root = path.join(dir, "floor");
  fs.mkdirSync(root);
  try {
    spawnSync("sync");
    Bun.sleepSync(settleMs);
    const r = spawnSync(writer, [list, root, String(writerThreads())], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`floor-writer failed (${r.status}): ${r.stderr}`);
    return Number(r.stdout.trim());
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(list, { force: true });
  }
}
