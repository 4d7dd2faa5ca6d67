// Was a run's destination cloned (reflink: extents shared with the source) rather than copied? A clone is never reported as a fast copy.

import fs from "node:fs";
import path from "node:path";
import type { Manifest } from "../datasets/manifest";
import { SortedWalk } from "../datasets/walk-sorted";
import { DEFAULTS } from "../defaults";
import { fileExtents, overlapBytes, sharedBytes, type FiemapSys } from "../platform/fiemap";
import { lstatOrNull } from "../safe-fs";
import type { CloneLabel } from "../types";

/** Files sampled per run (evenly over the tree, plus the largest): FIEMAP costs one ioctl per 128 extents. */
export const CLONE_SAMPLE_FILES = DEFAULTS.cloneSampleFiles;
export const CLONE_LARGEST_FILES = DEFAULTS.cloneLargestFiles;

export type { CloneLabel } from "../types";

export interface Candidate {
  rel: string;
  sizeBytes: number;
}

/** Where the sample is drawn from: `count` (an upper bound is fine) and a fresh pass over the files each call. */
export interface CloneCandidates {
  count: number;
  files(): Iterable<Candidate>;
}

/** The non-empty regular files of a tree, by a sorted walk (two passes: one to count, one to sample). */
function fromTree(root: string): CloneCandidates {
  function* files(): Generator<Candidate> {
    const w = new SortedWalk(root);
    for (let x = w.next(); x; x = w.next()) {
      if (x.kind !== "file") continue;
      const size = fs.lstatSync(x.abs).size;
      if (size > 0) yield { rel: x.rel, sizeBytes: size };
    }
  }
  let count = 0;
  for (const _ of files()) count++;
  return { count, files };
}

/** The source's files from its manifest, each inode once (a hard link's data is its first name's). */
export function manifestCandidates(m: Manifest): CloneCandidates {
  return {
    count: m.fileCount,
    *files() {
      for (const e of m.entries()) {
        const c = manifestCandidate(e);
        if (c) yield c;
      }
    },
  };
}

/**
 * The sample drawn as files go by: every ⌈count / evenly⌉-th non-empty file plus the `largest` biggest, each
 * once; at most evenly + largest held. Fed by a pass of its own (cloneSample), or by verification's walk
 * (steps.ts), which meets the manifest's files in the same order, so a scenario's first run costs no pass.
 */
export class SamplePicker {
  private even: Candidate[] = [];
  private big: Candidate[] = [];
  private stride: number;
  private i = 0;
  private next = 0;
  constructor(
    count: number,
    private evenly = CLONE_SAMPLE_FILES,
    private largest = CLONE_LARGEST_FILES,
  ) {
    this.stride = Math.max(1, count / Math.max(1, evenly));
  }
  add(f: Candidate): void {
    const { even, big, largest } = this;
    if (this.i++ >= this.next && even.length < this.evenly) {
      even.push(f);
      this.next += this.stride;
    }
    if (largest > 0 && (big.length < largest || f.sizeBytes > big[big.length - 1]!.sizeBytes)) {
      let k = big.findIndex((x) => x.sizeBytes < f.sizeBytes);
      if (k < 0) k = big.length;
      big.splice(k, 0, f);
      if (big.length > largest) big.pop();
    }
  }
  result(): Candidate[] {
    const chosen = new Map<string, Candidate>();
    for (const f of [...this.big, ...this.even]) chosen.set(f.rel, f);
    return [...chosen.values()];
  }
}

/** A manifest entry as a clone candidate: a non-empty file under its first name (a hard link's data is its first name's); null otherwise. */
export const manifestCandidate = (e: { type: string; linkOf?: string; size: number; path: string }): Candidate | null => (e.type === "file" && !e.linkOf && e.size > 0 ? { rel: e.path, sizeBytes: e.size } : null);

/**
 * The files detectClone samples from these candidates. From a manifest it depends on the manifest alone, so a
 * scenario draws it once and passes it as `sample` to every run (held: at most sample + largest names).
 */
export function cloneSample(c: CloneCandidates, opts: { sampleFiles?: number; largestFiles?: number } = {}): Candidate[] {
  const picker = new SamplePicker(c.count, opts.sampleFiles ?? CLONE_SAMPLE_FILES, opts.largestFiles ?? CLONE_LARGEST_FILES);
  for (const f of c.files()) picker.add(f);
  return picker.result();
}

function isFile(p: string): boolean {
  return lstatOrNull(p)?.isFile() ?? false;
}

/**
 * Compares the extents of a deterministic sample of destination files with their source counterparts:
 * any destination extent on the same physical blocks as the source's means the tool cloned (FICLONE,
 * copy_file_range on a reflink file system, `cp --reflink`), so the run did not copy those bytes.
 * "unknown" when the file system has no FIEMAP (tmpfs, most network file systems). The sample comes from
 * `candidates` (the CLI passes the source's manifest), else from two sorted walks of the destination.
 */
export function detectClone(srcRoot: string, dstRoot: string, opts: { sampleFiles?: number; largestFiles?: number; sys?: FiemapSys; candidates?: CloneCandidates; sample?: readonly Candidate[] } = {}): CloneLabel {
  const sample = opts.sample ?? cloneSample(opts.candidates ?? fromTree(dstRoot), opts);
  let sampledBytes = 0;
  let sampledFiles = 0;
  let clonedFiles = 0;
  let overlapTotal = 0;
  let example = "";
  for (const f of sample) {
    const srcFile = path.join(srcRoot, f.rel);
    const dstFile = path.join(dstRoot, f.rel);
    // Both must be regular files (lstat: a link is never followed into); a missing one is verification's business.
    const s = isFile(srcFile) && isFile(dstFile) ? fileExtents(srcFile, opts.sys ?? null) : null;
    if (!s) continue;
    const d = fileExtents(dstFile, opts.sys ?? null);
    if (!s.ok || !d.ok) {
      const bad = !s.ok ? s : (d as Extract<typeof d, { ok: false }>);
      if (bad.unsupported) return { state: "unknown", reason: `cannot tell clone from copy: ${bad.reason}` };
      continue;
    }
    sampledFiles++;
    sampledBytes += f.sizeBytes;
    const overlap = overlapBytes(s.extents, d.extents);
    if (overlap > 0) {
      clonedFiles++;
      overlapTotal += overlap;
      example ||= `${f.rel}: ${overlap} of ${f.sizeBytes} bytes on the source's blocks (${sharedBytes(d.extents)} bytes flagged shared)`;
    }
  }
  if (clonedFiles) return { state: "cloned", sampledFiles, sampledBytes, clonedFiles, overlapBytes: overlapTotal, example };
  if (!sampledFiles) return { state: "unknown", reason: sample.length ? "no sampled file could be mapped" : "no non-empty files in the destination" };
  return { state: "copied", sampledFiles, sampledBytes };
}
