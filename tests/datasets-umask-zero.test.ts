import { expect, test } from "bun:test";
import path from "node:path";
import { ensureDataset } from "../lib/datasets/store";
import { verifyCopy } from "../lib/run/verify";
import type { DatasetSpec } from "../lib/types";
import { tempDirs } from "./helpers";

// A dataset's modes are the manifest's whatever the umask: under umask 0 (a container's, a cron job's, or
// one left at 0 by a racing umask read) directories were created 777 while the manifest says 755, so
// every copy of them failed verification with "mode mismatches".

const fresh = tempDirs("mb-umask0-");

test("generated under umask 0, the tree's directories and files have the manifest's modes", async () => {
  const spec: DatasetSpec = {
    seed: 4,
    groups: [{ name: "g", count: 30, minBytes: 1, maxBytes: 500, distribution: "uniform", perDir: 10, depth: 1, content: "random", compressRatio: 1, names: "short" }],
    extras: { emptyDirs: 2, symlinks: 1, hardlinks: 1, executables: 2, oldMtimes: 1 },
  };
  const old = process.umask(0);
  try {
    const ds = await ensureDataset(spec, path.join(fresh(), "datasets"));
    const r = await verifyCopy(ds.dir, ds.manifest, ds.dir, { enabled: true, mode: true, mtime: true, symlinks: true });
    expect(r.summary).toBe("");
    expect(r.ok).toBe(true);
  } finally {
    process.umask(old);
  }
});
