// A dataset's totals without generating it: exact file count and bytes, and the disk blocks it will take (one pass over sizes, no names).
import { DEFAULTS } from "../defaults";
import { groupLayout } from "../layout";
import type { DatasetSpec } from "../types";
import { SPARSE_BLOCK_BYTES, sparseBlocks } from "./content";
import { groupSizes } from "./tree";

/**
 * Exact file count and bytes without generating (same numbers as the manifest's). A fixed size is
 * count × size; a range draws each file's size as the plan does (one pass, nothing kept).
 */
export function datasetTotals(spec: DatasetSpec): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  spec.groups.forEach((g, gi) => {
    if (g.count <= 0) return;
    if (g.maxBytes <= g.minBytes) bytes += g.count * g.minBytes;
    else if (g.count > DEFAULTS.maxDatasetFiles) throw new Error(`datasetTotals: group ${g.name} has ${g.count} files of random size, more than a plan could hold`);
    else for (const s of groupSizes(spec, gi)) bytes += s;
    files += g.count;
  });
  if (files > 0) files += spec.extras.hardlinks;
  return { files, bytes };
}

/** Disk blocks the tree will take (holes of sparse files excluded), for the up-front space check; one pass over sizes. */
export function diskBytesNeeded(spec: DatasetSpec): number {
  const block = 4096;
  const x = spec.extras;
  let entries = x.emptyDirs + x.symlinks + 4;
  let total = 0;
  spec.groups.forEach((g, gi) => {
    entries += 1 + groupLayout(g, gi).chain.length + Math.ceil(Math.max(0, g.count) / Math.max(1, g.perDir)) * (1 + Math.max(0, g.depth));
    if (g.count <= 0) return;
    const onDisk = (s: number) => (g.content === "sparse" ? sparseBlocks(s).length * SPARSE_BLOCK_BYTES : Math.ceil(s / block) * block);
    if (g.maxBytes <= g.minBytes) total += g.count * onDisk(g.minBytes);
    else for (const s of groupSizes(spec, gi)) total += onDisk(s);
  });
  return total + entries * block;
}
