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
 * of others (measured: 22.2 s for the 1M tree next to the dataset and its copy, 10.1-12.6 s on the
 * emptied disk). Milliseconds of the writing part, as the writer prints them, or why there are none:
 * the floor is a reference line, so its failure is said on that line and the script goes on.
 */
export function floorMs(writer: FloorWriter, listFile: string, root: string, settleMs = 5000): number | string {
  if ("why" in writer) return writer.why;
  try {
    fs.mkdirSync(root);
    spawnSync("sync");
    Bun.sleepSync(settleMs);
    const r = spawnSync(writer.exe, [listFile, root, String(writerThreads())], { encoding: "utf8" });
    const ms = Number(r.stdout?.trim());
    if (r.status !== 0 || !Number.isFinite(ms)) return `floor-writer failed (exit ${r.status}): ${(r.stderr || r.stdout || "").trim().slice(0, 300)}`;
    return ms;
  } catch (e) {
    return `floor-writer failed: ${e instanceof Error ? e.message : e}`;
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/** The line both scripts print: the floor against cp -a and ours against the floor, or why it was not measured. */
export function floorLine(what: string, floor: number | string, oursMs: number, cpMs: number): string {
  if (typeof floor === "string") return `info ${what}: kernel floor for generation not measured (${floor})`;
  const s = (ms: number) => `${(ms / 1000).toFixed(3)} s`;
  return `info ${what}: kernel floor for generation ${(floor / cpMs).toFixed(2)}x cp -a (a C writer, ${writerThreads()} threads, the same dirs, names and sizes, constant bytes, no hashing or manifest, on the emptied file system: ${s(floor)}); ours ${(oursMs / floor).toFixed(2)}x that floor`;
}
