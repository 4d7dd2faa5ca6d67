// Was a run's destination cloned (reflink: extents shared with the source) rather than copied? A clone is never reported as a fast copy.

import fs from "node:fs";
import path from "node:path";
import { walk } from "../safe-fs";
import { fileExtents, overlapBytes, sharedBytes, type FiemapSys } from "../platform/fiemap";
import type { CloneLabel } from "../types";

/** Files sampled per run (evenly over the sorted list, plus the largest): FIEMAP costs one ioctl per 128 extents. */
export const CLONE_SAMPLE_FILES = 64;
export const CLONE_LARGEST_FILES = 8;

export type { CloneLabel } from "../types";

function pickSample(files: { rel: string; sizeBytes: number }[], evenly: number, largest: number): { rel: string; sizeBytes: number }[] {
  const chosen = new Map<string, { rel: string; sizeBytes: number }>();
  for (const f of [...files].sort((a, b) => b.sizeBytes - a.sizeBytes).slice(0, largest)) chosen.set(f.rel, f);
  const n = files.length;
  for (let i = 0; i < Math.min(evenly, n); i++) {
    const f = files[Math.floor((i * n) / Math.min(evenly, n))]!;
    chosen.set(f.rel, f);
  }
  return [...chosen.values()];
}

/**
 * Compares the extents of a deterministic sample of destination files with their source counterparts:
 * any destination extent on the same physical blocks as the source's means the tool cloned (FICLONE,
 * copy_file_range on a reflink file system, `cp --reflink`), so the run did not copy those bytes.
 * "unknown" when the file system has no FIEMAP (tmpfs, most network file systems).
 */
export function detectClone(srcRoot: string, dstRoot: string, opts: { sampleFiles?: number; largestFiles?: number; sys?: FiemapSys } = {}): CloneLabel {
  const files: { rel: string; sizeBytes: number }[] = [];
  walk(
    dstRoot,
    (rel, kind, abs) => {
      if (kind !== "file") return;
      const size = fs.lstatSync(abs).size;
      if (size > 0) files.push({ rel, sizeBytes: size });
    },
    { sorted: true },
  );
  const sample = pickSample(files, opts.sampleFiles ?? CLONE_SAMPLE_FILES, opts.largestFiles ?? CLONE_LARGEST_FILES);
  let sampledBytes = 0;
  let sampledFiles = 0;
  let clonedFiles = 0;
  let overlapTotal = 0;
  let example = "";
  for (const f of sample) {
    const srcFile = path.join(srcRoot, f.rel);
    const s = fs.existsSync(srcFile) && fs.lstatSync(srcFile).isFile() ? fileExtents(srcFile, opts.sys ?? null) : null;
    if (!s) continue;
    const d = fileExtents(path.join(dstRoot, f.rel), opts.sys ?? null);
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
  if (!sampledFiles) return { state: "unknown", reason: files.length ? "no sampled file could be mapped" : "no non-empty files in the destination" };
  return { state: "copied", sampledFiles, sampledBytes };
}
