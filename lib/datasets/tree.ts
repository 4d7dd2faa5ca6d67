// The exact list of entries a dataset spec produces, and its totals (pure: no I/O).
import * as os from "node:os";
import { DEFAULTS } from "../defaults";
import { digits, EXEC_MODE, EXTRAS_DIR, FILE_MODE, FIXED_MTIME_MS, fileName, groupLayout, leafDirPath, OLD_MTIME_MS, pad } from "../layout";
import { detExp, detLn, Rng } from "../prng";
import type { DatasetSpec, FileGroup } from "../types";
import { SPARSE_BLOCK_BYTES, sparseBlocks, type ContentDesc } from "./content";

export interface PlannedFile {
  path: string; // relative posix
  sizeBytes: number;
  desc: ContentDesc;
  mode: number;
  mtimeMs: number;
}
export interface DatasetPlan {
  dirs: string[]; // relative, parents before children
  files: PlannedFile[];
  symlinks: { path: string; target: string; targetPath: string }[];
  hardlinks: { path: string; linkOf: string }[];
}

function fileSize(g: FileGroup, rng: Rng): number {
  const lo = g.minBytes;
  const hi = g.maxBytes;
  if (hi <= lo) return lo;
  const u = rng.nextFloat();
  if (g.distribution === "log-uniform") {
    const a = detLn(Math.max(1, lo));
    const b = detLn(hi + 1);
    const v = Math.floor(detExp(a + u * (b - a)));
    return Math.min(hi, Math.max(lo, v));
  }
  return lo + Math.floor(u * (hi - lo + 1));
}

/** Exact list of what the spec produces; pure, no I/O. */
export function planDataset(spec: DatasetSpec): DatasetPlan {
  const dirs: string[] = [];
  const files: PlannedFile[] = [];
  spec.groups.forEach((g, gi) => {
    dirs.push(g.name);
    if (g.count <= 0) return;
    const lay = groupLayout(g, gi);
    const sizeRng = new Rng(spec.seed, 0x53495a45, gi);
    const seenDirs = new Set<string>();
    let chainDone = false;
    for (let j = 0; j < lay.leafDirs; j++) {
      const parts = leafDirPath(g, gi, lay, j);
      let cur = g.name;
      parts.forEach((p, k) => {
        cur += "/" + p;
        if (k < lay.chain.length) {
          if (!chainDone) dirs.push(cur);
        } else if (!seenDirs.has(cur)) {
          seenDirs.add(cur);
          dirs.push(cur);
        }
      });
      chainDone = true;
      const first = j * g.perDir;
      const last = Math.min(g.count, first + g.perDir);
      for (let i = first; i < last; i++) {
        const sizeBytes = fileSize(g, sizeRng);
        files.push({
          path: cur + "/" + fileName(g, gi, i, lay.fileDigits),
          sizeBytes,
          desc: { content: g.content, a: gi, b: i, sizeBytes, compressRatio: g.compressRatio },
          mode: FILE_MODE,
          mtimeMs: FIXED_MTIME_MS,
        });
      }
    }
  });
  const x = spec.extras;
  const symlinks: DatasetPlan["symlinks"] = [];
  const hardlinks: DatasetPlan["hardlinks"] = [];
  const hasExtras = x.emptyDirs + x.symlinks + x.hardlinks > 0;
  if (hasExtras) dirs.push(EXTRAS_DIR);
  const F = files.length;
  const pick = (tag: number, k: number, n: number): PlannedFile => {
    const offset = new Rng(spec.seed, 0x58545241, tag).below(F);
    return files[(Math.floor((k * F) / n) + offset) % F]!;
  };
  if (x.emptyDirs > 0) {
    dirs.push(`${EXTRAS_DIR}/empty`);
    for (let k = 0; k < x.emptyDirs; k++) dirs.push(`${EXTRAS_DIR}/empty/e${pad(k, digits(x.emptyDirs))}`);
  }
  if (F > 0) {
    for (let k = 0; k < Math.min(x.executables, F); k++) pick(1, k, Math.min(x.executables, F)).mode = EXEC_MODE;
    for (let k = 0; k < Math.min(x.oldMtimes, F); k++) pick(2, k, Math.min(x.oldMtimes, F)).mtimeMs = OLD_MTIME_MS;
    if (x.symlinks > 0) {
      dirs.push(`${EXTRAS_DIR}/symlinks`);
      for (let k = 0; k < x.symlinks; k++) {
        const t = pick(3, k, x.symlinks);
        symlinks.push({ path: `${EXTRAS_DIR}/symlinks/s${pad(k, digits(x.symlinks))}`, target: "../../" + t.path, targetPath: t.path });
      }
    }
    if (x.hardlinks > 0) {
      dirs.push(`${EXTRAS_DIR}/hardlinks`);
      for (let k = 0; k < x.hardlinks; k++) {
        hardlinks.push({ path: `${EXTRAS_DIR}/hardlinks/h${pad(k, digits(x.hardlinks))}`, linkOf: pick(4, k, x.hardlinks).path });
      }
    }
  }
  return { dirs, files, symlinks, hardlinks };
}

/**
 * Exact file count and bytes without generating (same numbers as the manifest's). A fixed size is
 * count × size; a range draws each file's size as the plan does, so it refuses counts no plan could
 * hold in this machine's memory (config load refuses those workloads first) instead of looping for hours.
 */
export function datasetTotals(spec: DatasetSpec): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  spec.groups.forEach((g, gi) => {
    if (g.count <= 0) return;
    if (g.maxBytes <= g.minBytes) bytes += g.count * g.minBytes;
    else {
      if (g.count * DEFAULTS.planBytesPerFile > os.totalmem()) {
        throw new Error(`datasetTotals: group ${g.name} has ${g.count} files of random size, more than a plan could hold in this machine's memory`);
      }
      const rng = new Rng(spec.seed, 0x53495a45, gi);
      for (let i = 0; i < g.count; i++) bytes += fileSize(g, rng);
    }
    files += g.count;
  });
  if (files > 0) files += spec.extras.hardlinks;
  return { files, bytes };
}

/** Disk blocks the tree will take (holes of sparse files excluded), for the up-front space check. */
export function diskBytesNeeded(plan: DatasetPlan): number {
  const block = 4096;
  let total = (plan.dirs.length + plan.symlinks.length) * block;
  for (const f of plan.files) {
    if (f.desc.content === "sparse") total += sparseBlocks(f.sizeBytes).length * SPARSE_BLOCK_BYTES;
    else total += Math.ceil(f.sizeBytes / block) * block;
  }
  return total;
}
