// The kernel's floor for generating a dataset, for the bench scripts: scripts/floor-writer.c built with the machine's C compiler and run on a dataset's own list of directories, names and sizes.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { readManifest } from "../lib/datasets/manifest.ts";
import { poolSize } from "../lib/datasets/pool.ts";
import { planEntries } from "../lib/datasets/tree.ts";
import type { DatasetSpec } from "../lib/types.ts";
import { removeEntry } from "../lib/safe-fs.ts";

export type FloorWriter = { exe: string } | { why: string };

/** scripts/floor-writer.c built into `dir` with the first C compiler found, or why not. */
export function buildFloorWriter(dir: string): FloorWriter {
  const cc = ["cc", "gcc", "clang"].map((c) => Bun.which(c)).find((c): c is string => !!c);
  if (!cc) return { why: "no C compiler (cc, gcc, clang) on PATH" };
  const exe = path.join(dir, "floor-writer");
  const r = spawnSync(cc, ["-O2", "-pthread", "-o", exe, path.join(import.meta.dir, "floor-writer.c")], { encoding: "utf8" });
  return r.status === 0 ? { exe } : { why: `${cc} failed: ${(r.stderr || "").trim().slice(0, 300)}` };
}

/** A tree's entry as the floor needs it (from a manifest, or from the plan before generation). */
export interface FloorEntry {
  kind: "dir" | "file" | "other";
  path: string;
  sizeBytes: number;
}

/** The floor's input: its list file, and the threads generation writes such a tree with (poolFor's rule; inline is one). */
export interface FloorInput {
  listFile: string;
  threads: number;
}

/** The tree's directories and files (hard links and symlinks left out), one line each in tree order, into `listFile`. */
export function writeFloorList(entries: Iterable<FloorEntry>, listFile: string): FloorInput {
  const out = fs.openSync(listFile, "w");
  let files = 0;
  let bytes = 0;
  try {
    let lines: string[] = [];
    const flush = () => (fs.writeSync(out, lines.join("")), (lines = []));
    for (const e of entries) {
      if (e.kind === "dir") lines.push(`D ${e.path}\n`);
      else if (e.kind === "file") {
        lines.push(`F ${e.sizeBytes} ${e.path}\n`);
        files++;
        bytes += e.sizeBytes;
      }
      if (lines.length >= 10_000) flush();
    }
    flush();
  } finally {
    fs.closeSync(out);
  }
  return { listFile, threads: Math.max(1, poolSize(files, bytes)) };
}

/** A dataset's manifest as floor entries (bench:scale, after generation). */
export function* manifestFloorEntries(manifestFile: string): Generator<FloorEntry> {
  for (const e of readManifest(manifestFile).entries()) {
    yield { kind: e.type === "dir" ? "dir" : e.type === "file" && !e.linkOf ? "file" : "other", path: e.path, sizeBytes: e.size };
  }
}

/** A dataset's plan as floor entries (bench:datasets, before generation): the same tree the manifest will list. */
export function* planFloorEntries(spec: DatasetSpec): Generator<FloorEntry> {
  for (const e of planEntries(spec)) {
    yield { kind: e.kind === "dir" ? "dir" : e.kind === "file" && !e.linkOf ? "file" : "other", path: e.path, sizeBytes: "sizeBytes" in e ? e.sizeBytes : 0 };
  }
}

/** The floor's time, with the threads it wrote on; or why it was not measured. */
export type FloorResult = { ms: number; threads: number } | string;

/**
 * The floor: the listed tree written by floor-writer into `root` (created here, removed after), after a
 * sync and `settleMs` for the disk to settle. Callers run it on the file system generation used, in the
 * state generation found it (nothing of ours left on it): ext4 creates files more slowly beside millions
 * of others (measured: 22.2 s for the 1M tree next to the dataset and its copy, 10.1-12.6 s on the
 * emptied disk). Milliseconds of the writing part, as the writer prints them, or why there are none:
 * the floor is a reference line, so its failure is said on that line and the script goes on.
 */
export function floorMs(writer: FloorWriter, input: FloorInput, root: string, settleMs = 5000): FloorResult {
  if ("why" in writer) return writer.why;
  // Only a directory made here is removed afterwards: a `root` that already exists is refused, never emptied.
  try {
    fs.mkdirSync(root);
  } catch (e) {
    return `cannot make its directory ${root}: ${(e as NodeJS.ErrnoException).code ?? e}`;
  }
  try {
    spawnSync("sync");
    Bun.sleepSync(settleMs);
    const r = spawnSync(writer.exe, [input.listFile, root, String(input.threads)], { encoding: "utf8" });
    const ms = Number(r.stdout?.trim());
    if (r.status !== 0 || !Number.isFinite(ms)) return `floor-writer failed (exit ${r.status}): ${(r.stderr || r.stdout || "").trim().slice(0, 300)}`;
    return { ms, threads: input.threads };
  } catch (e) {
    return `floor-writer failed: ${e instanceof Error ? e.message : e}`;
  } finally {
    removeEntry(root);
  }
}

/** The line both scripts print: the floor against cp -a and ours against the floor, or why it was not measured. */
export function floorLine(what: string, floor: FloorResult, oursMs: number, cpMs: number): string {
  if (typeof floor === "string") return `info ${what}: kernel floor for generation not measured (${floor})`;
  const s = (ms: number) => `${(ms / 1000).toFixed(3)} s`;
  return `info ${what}: kernel floor for generation ${(floor.ms / cpMs).toFixed(2)}x cp -a (a C writer, ${floor.threads} thread${floor.threads === 1 ? "" : "s"}, the same dirs, names and sizes, constant bytes, no hashing or manifest, on the emptied file system: ${s(floor.ms)}); ours ${(oursMs / floor.ms).toFixed(2)}x that floor`;
}
