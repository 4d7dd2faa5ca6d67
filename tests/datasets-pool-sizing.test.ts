import { afterAll, beforeAll, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { execFileSync } from "node:child_process";
import { DEFAULTS } from "../lib/defaults.ts";
import { poolFor } from "../lib/datasets/pool.ts";
import { ensureDataset, type DatasetHandle } from "../lib/datasets/store.ts";
import type { DatasetSpec, VerifySpec } from "../lib/types.ts";
import { verifyCopy } from "../lib/run/verify.ts";

const cores = Math.max(1, Math.min(os.availableParallelism(), DEFAULTS.dataWorkersMax));
const sized = (files: number, bytes: number, kind: "cpu" | "io", resident?: boolean) => {
  const pool = poolFor(files, bytes, kind, resident);
  pool.close();
  return pool.size;
};

test("reading many small files not known to be cached gets the io thread count", () => {
  if (process.env.MIRRORBENCH_DATA_WORKERS) return;
  expect(sized(100_000, 49 << 20, "io")).toBe(Math.max(cores, DEFAULTS.dataWorkersIo));
});

test("reading many small files found in the page cache runs inline, with no worker threads", () => {
  if (process.env.MIRRORBENCH_DATA_WORKERS) return;
  expect(sized(100_000, 49 << 20, "io", true)).toBe(0);
});

test("reading cached files with many bytes to hash gets one thread per core", () => {
  if (process.env.MIRRORBENCH_DATA_WORKERS) return;
  const files = Math.floor(DEFAULTS.dataWorkerResidentMinBytes / DEFAULTS.dataWorkerResidentMinFileBytes);
  expect(sized(files, DEFAULTS.dataWorkerResidentMinBytes, "io", true)).toBe(cores > 1 ? cores : 0);
});

test("a million small cached files stay inline, however many bytes they add up to: per file, messaging a worker costs more than hashing", () => {
  if (process.env.MIRRORBENCH_DATA_WORKERS) return;
  expect(sized(1_000_000, 512 << 20, "io", true)).toBe(0);
  expect(sized(1_000_000, 512 << 20, "io", false)).toBe(Math.max(cores, DEFAULTS.dataWorkersIo));
});

test("generation's thread count does not depend on residency", () => {
  if (process.env.MIRRORBENCH_DATA_WORKERS) return;
  expect(sized(100_000, 49 << 20, "cpu", true)).toBe(sized(100_000, 49 << 20, "cpu"));
});

// A tree big enough that a verification not told it is cached would use worker threads.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mb-pool-sizing-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const files = DEFAULTS.dataWorkerMinFiles + 500;
const spec: DatasetSpec = {
  seed: 5,
  groups: [{ name: "g0", count: files, minBytes: 1, maxBytes: 200, distribution: "uniform", perDir: 500, depth: 1, content: "random", compressRatio: 1, names: "short" }],
  extras: { emptyDirs: 0, symlinks: 0, hardlinks: 0, executables: 0, oldMtimes: 0 },
};
const ALL: Omit<VerifySpec, "allowSourceLinks"> = { enabled: true, mode: true, mtime: true, symlinks: true };
let ds: DatasetHandle;
beforeAll(async () => {
  ds = await ensureDataset(spec, path.join(tmp, "datasets"));
});

test("a verification told its copy is cached (inline) still finds a changed file, like one on worker threads", async () => {
  const dst = path.join(tmp, "dst");
  execFileSync("cp", ["-a", ds.dir, dst]);
  const victim = path.join(dst, ds.manifest.entries().find((e) => e.type === "file" && e.size > 0)!.path);
  const st = fs.statSync(victim);
  const bytes = fs.readFileSync(victim);
  bytes[0] = bytes[0]! ^ 0xff;
  fs.writeFileSync(victim, bytes);
  fs.utimesSync(victim, st.atime, st.mtime);
  for (const resident of [true, false]) {
    const r = await verifyCopy(ds.dir, ds.manifest, dst, ALL, { resident });
    expect(r.ok).toBe(false);
    expect(r.contentMismatch).toBe(1);
    expect(r.checkedFiles).toBe(files);
  }
});
