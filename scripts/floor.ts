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

/** A tree's entry as the floor needs it (from a manifest, or from the plan before generation). */
export interface FloorEntry {
  kind: "dir" | "file" | "other";
  path: string;
  sizeBytes: number;
}

/** The floor's input: the tree's directories and files (hard links and symlinks left out), one line each in tree order. */
export function writeFloorList(entries: Iterable<FloorEntry>, listFile: string): void {
  const out = fs.openSync(listFile, "w");
  try {
    let lines: string[] = [];
    const flush = () => (fs.writeSync(out, lines.join("")), (lines = []));
    for (const e of entries) {
      if (e.kind === "dir") lines.push(`D ${e.path}\n`);
      else if (e.kind === "file") lines.push(`F ${e.sizeBytes} ${e.path}\n`);
      if (lines.length >= 10_000) flush();
    }
    flush();
  } finally {
    fs.closeSync(out);
  }
}

/** A dataset's manifest as floor entries. */
export function* manifestFloorEntries(manifestFile: string): Generator<FloorEntry> {
  for (const e of readManifest(manifestFile).entries()) {
    yield { kind: e.type === "dir" ? "dir" : e.type === "file" && !e.linkOf ? "file" : "other", path: e.path, sizeBytes: e.size };
  }
}

/**
 * The floor: the listed tree written by floor-writer into `root` (created here, removed after), after a
 * sync and `settleMs` for the disk to settle. Callers run it on the file system generation used, in the
 * state generation found it (nothing of ours left on it): ext4 creates files more slowly beside millions
 * of others (measured: 22.2 s for the 1M tree next to the dataset and its copy, against 12.9-15.0 s
 * for generation on the emptied disk). Milliseconds of the writing part, as the writer prints them.
 */
export function floorMs(writer: string, listFile: string, root: string, settleMs = 5000): number {
  fs.mkdirSync(root);
  try {
    spawnSync("sync");
    Bun.sleepSync(settleMs);
    const r = spawnSync(writer, [listFile, root, String(writerThreads())], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`floor-writer failed (${r.status}): ${r.stderr}`);
    return Number(r.stdout.trim());
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/** The line both scripts print: the floor against cp -a, and ours against the floor. */
export function floorLine(what: string, floor: number, oursMs: number, cpMs: number): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(3)} s`;
  return `info ${what}: kernel floor for generation ${(floor / cpMs).toFixed(2)}x cp -a (a C writer, ${writerThreads()} threads, the same dirs, names and sizes, constant bytes, no hashing or manifest, on the emptied file system: ${s(floor)}); ours ${(oursMs / floor).toFixed(2)}x that floor`;
}
