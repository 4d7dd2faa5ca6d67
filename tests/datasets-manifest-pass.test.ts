import { expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { DataContext } from "../lib/datasets/content";
import type { ManifestEntry } from "../lib/datasets/manifest";
import { ensureDataset } from "../lib/datasets/store";
import { datasetTotals } from "../lib/datasets/totals";
import { DEFAULTS } from "../lib/defaults";
import { planEntries } from "../lib/datasets/tree";
import { DIR_MODE, FIXED_MTIME_MS } from "../lib/layout";
import type { DatasetSpec } from "../lib/types";
import { tempDirs } from "./helpers";

// Generation writes its manifest leaf by leaf (one path string per file, the hash from the hash words), not
// from planEntries' per-file objects. The manifest must still be exactly what planEntries says the tree is,
// with every file's hash read back from the disk: tree order within unicode leaves, both sides of hard
// links (a group sorting before "_extras" keeps `linked` on its file, one after it gets `linkOf`), modes and
// old mtimes of the extras. 3,600 files, so data threads write them; every directory's time is the fixed one.

const fresh = tempDirs("mb-manifest-pass-");

const spec: DatasetSpec = {
  seed: 11,
  groups: [
    { name: "A", count: 1200, minBytes: 0, maxBytes: 3000, distribution: "uniform", perDir: 250, depth: 0, content: "random", compressRatio: 1, names: "short" },
    { name: "u", count: 1200, minBytes: 1, maxBytes: 700, distribution: "log-uniform", perDir: 400, depth: 1, content: "compressible", compressRatio: 3, names: "unicode" },
    { name: "zz", count: 1200, minBytes: 5, maxBytes: 90, distribution: "uniform", perDir: 1200, depth: 0, content: "zero", compressRatio: 1, names: "long" },
  ],
  extras: { emptyDirs: 2, symlinks: 4, hardlinks: 40, executables: 150, oldMtimes: 120 },
};

test("the generated manifest is planEntries' tree with the hashes on disk, entry for entry", async () => {
  expect(datasetTotals(spec).files).toBeGreaterThanOrEqual(DEFAULTS.dataWorkerMinFiles);
  const ds = await ensureDataset(spec, path.join(fresh(), "datasets"));
  const ctx = new DataContext(Buffer.alloc(16));
  const expected: ManifestEntry[] = [];
  for (const e of planEntries(spec)) {
    if (e.kind === "dir") expected.push({ path: e.path, type: "dir", size: 0, mode: DIR_MODE, mtimeMs: FIXED_MTIME_MS });
    else if (e.kind === "symlink") expected.push({ path: e.path, type: "symlink", size: Buffer.byteLength(e.target), mode: 0o777, mtimeMs: FIXED_MTIME_MS, target: e.target });
    else {
      const onDisk = ctx.hash({ path: path.join(ds.dir, e.path), offsetBytes: 0, lengthBytes: 0, whole: true });
      expect(onDisk.error).toBeUndefined();
      const entry: ManifestEntry = { path: e.path, type: "file", size: e.sizeBytes, mode: e.mode, mtimeMs: e.mtimeMs, hash: onDisk.hash! };
      if (e.linkOf) entry.linkOf = e.linkOf;
      if (e.linked) entry.linked = true;
      expected.push(entry);
    }
  }
  const got = [...ds.manifest.entries()];
  expect(got).toEqual(expected);
  // The case the spec is built for, so the comparison above covers it.
  const inGroups = got.filter((e) => !e.path.startsWith("_extras/"));
  expect(inGroups.some((e) => e.path.startsWith("A/") && e.linked)).toBe(true);
  expect(inGroups.some((e) => e.path.startsWith("zz/") && e.linkOf?.startsWith("_extras/hardlinks/"))).toBe(true);
  expect(inGroups.some((e) => e.mode === 0o755 && e.type === "file")).toBe(true);
  expect(new Set(inGroups.filter((e) => e.type === "file").map((e) => e.mtimeMs)).size).toBe(2);
  // Unicode names: tree order is not index order there, and the manifest follows the tree.
  const uFiles = got.filter((e) => e.path.startsWith("u/") && e.type === "file").map((e) => e.path);
  expect(uFiles.length).toBe(1200);
  expect(fs.existsSync(path.join(ds.dir, uFiles[0]!))).toBe(true);
  // Directory times are set after everything in them was created.
  const dirs = got.filter((e) => e.type === "dir");
  expect(dirs.length).toBeGreaterThan(10);
  for (const d of dirs) expect([d.path, fs.lstatSync(path.join(ds.dir, d.path)).mtimeMs]).toEqual([d.path, FIXED_MTIME_MS]);
});
