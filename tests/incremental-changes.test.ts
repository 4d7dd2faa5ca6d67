import { afterAll, beforeAll, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { ChangeSetSpec, DatasetSpec, WorkloadSpec } from "../lib/types.ts";
import { ensureDataset, type DatasetHandle } from "../lib/datasets/store.ts";
import { prepareIncremental, checkChanges } from "../lib/datasets/changes.ts";
import { BaseMirror } from "../lib/datasets/restore.ts";
import { verifyCopy } from "../lib/run/verify.ts";
import { allEntries } from "../lib/datasets/manifest.ts";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mb-incr-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const ALL = { enabled: true, mode: true, mtime: true, symlinks: true };
const spec: DatasetSpec = {
  seed: 5,
  groups: [{ name: "g0", count: 60, minBytes: 10, maxBytes: 20000, distribution: "uniform", perDir: 15, depth: 1, content: "random", compressRatio: 1, names: "short" }],
  extras: { emptyDirs: 1, symlinks: 2, hardlinks: 2, executables: 2, oldMtimes: 2 },
};
const changes: ChangeSetSpec = { touch: 4, delete: 3, add: 5, addBytes: 1000, rename: 2 };
const wl = (c: ChangeSetSpec | null = changes, kind: WorkloadSpec["kind"] = "incremental"): WorkloadSpec => ({ kind, dataset: spec, changes: c });
let n = 0;
let root: string;
let base: DatasetHandle;
/** One per test file, as one per scenario in a run: it remembers the destinations it restored. */
let mirror: BaseMirror;
beforeAll(async () => {
  root = path.join(tmp, "datasets");
  base = await ensureDataset(spec, root);
  mirror = new BaseMirror(base.dir);
});
function newDst(): string {
  const d = path.join(tmp, `dst${n++}`);
  fs.mkdirSync(d);
  return d;
}

test("the change set reports what it did and the changed source verifies against its manifest", async () => {
  const inc = await prepareIncremental(base, wl(), root);
  expect(inc.changes).toEqual({ touched: 4, deleted: 3, added: 5, addedBytes: 5000, renamed: 2, bytesChanged: inc.changes!.bytesChanged });
  expect(inc.changes!.bytesChanged).toBeGreaterThan(0);
  expect(inc.baseMirrorDir).toBe(base.dir);
  expect(inc.srcManifest.fileCount).toBe(base.manifest.fileCount - 3 + 5);
  expect((await verifyCopy(inc.srcDir, inc.srcManifest, inc.srcDir, ALL)).ok).toBe(true);
  // Against the base, the changed tree differs by exactly the change set.
  const r = await verifyCopy(base.dir, base.manifest, inc.srcDir, { ...ALL, mode: false, symlinks: false });
  expect([r.missing, r.extra, r.contentMismatch]).toEqual([3 + 2, 5 + 2, 4]);
});

test("the change set is the same when built in another place", async () => {
  const other = path.join(tmp, "datasets2");
  const base2 = await ensureDataset(spec, other);
  const a = await prepareIncremental(base, wl(), root);
  const b = await prepareIncremental(base2, wl(), other);
  expect(JSON.stringify(allEntries(b.srcManifest))).toBe(JSON.stringify(allEntries(a.srcManifest)));
});

test("a second prepare reuses the cached changed tree", async () => {
  const a = await prepareIncremental(base, wl(), root);
  const ino = fs.statSync(a.srcDir).ino;
  const b = await prepareIncremental(base, wl(), root);
  expect(fs.statSync(b.srcDir).ino).toBe(ino);
  expect(b.changes).toEqual(a.changes);
});

test("resync uses the base as both source and mirror", async () => {
  const r = await prepareIncremental(base, wl(null, "resync"), root);
  expect([r.srcDir, r.baseMirrorDir, r.changes]).toEqual([base.dir, base.dir, null]);
});

test("more changes than plain files is refused with a message", async () => {
  expect(checkChanges(base.manifest, { touch: 100, delete: 0, add: 0, addBytes: 0, rename: 0 })[0]).toContain("only");
  await expect(prepareIncremental(base, wl({ touch: 100, delete: 0, add: 0, addBytes: 0, rename: 0 }), root)).rejects.toThrow(/only \d+ plain files/);
});

test("restoring the base mirror fills an empty destination with an exact copy of the base", async () => {
  const dst = newDst();
  await mirror.restore(dst);
  expect((await verifyCopy(base.dir, base.manifest, dst, ALL)).ok).toBe(true);
  const link = allEntries(base.manifest).find((e) => e.linkOf)!;
  expect(fs.statSync(path.join(dst, link.path)).ino).toBe(fs.statSync(path.join(dst, link.linkOf!)).ino);
  // Copies, never links to the base.
  const f = allEntries(base.manifest).find((e) => e.type === "file")!;
  expect(fs.statSync(path.join(dst, f.path)).ino).not.toBe(fs.statSync(path.join(base.dir, f.path)).ino);
});

test("restoring the base mirror undoes what a tool did to the destination", async () => {
  const inc = await prepareIncremental(base, wl(), root);
  const dst = newDst();
  await mirror.restore(dst);
  // The "tool": mirror the changed source, plus damage of its own.
  fs.rmSync(dst, { recursive: true });
  fs.cpSync(inc.srcDir, dst, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
  fs.writeFileSync(path.join(dst, "stray"), "x");
  fs.symlinkSync("nowhere", path.join(dst, "g0", "dangling"));
  expect((await verifyCopy(base.dir, base.manifest, dst, ALL)).ok).toBe(false);
  await mirror.restore(dst);
  expect((await verifyCopy(base.dir, base.manifest, dst, ALL)).ok).toBe(true);
});

test("restoring the base mirror catches an in-place write that kept size and mtime", async () => {
  const dst = newDst();
  await mirror.restore(dst);
  const f = allEntries(base.manifest).find((e) => e.type === "file" && !e.linkOf && e.size > 8 && !allEntries(base.manifest).some((x) => x.linkOf === e.path))!;
  const abs = path.join(dst, f.path);
  const tamper = () => {
    const st = fs.statSync(abs);
    const fd = fs.openSync(abs, "r+");
    fs.writeSync(fd, Buffer.from("ZZZZ"), 0, 4, 0);
    fs.closeSync(fd);
    fs.utimesSync(abs, st.atime, st.mtime);
  };
  tamper(); // seen through the remembered ctime
  await mirror.restore(dst);
  expect((await verifyCopy(base.dir, base.manifest, dst, ALL)).ok).toBe(true);
  tamper();
  mirror.forget(dst); // as a new scenario would: found by comparing content
  await mirror.restore(dst);
  expect((await verifyCopy(base.dir, base.manifest, dst, ALL)).ok).toBe(true);
});

test("restoring the base mirror replaces a directory that became a file and a file that became a directory", async () => {
  const dst = newDst();
  await mirror.restore(dst);
  const dir = allEntries(base.manifest).find((e) => e.type === "dir" && e.path.startsWith("g0/"))!;
  const file = allEntries(base.manifest).find((e) => e.type === "file" && !e.path.startsWith(dir.path + "/") && !e.linkOf)!;
  fs.rmSync(path.join(dst, dir.path), { recursive: true });
  fs.writeFileSync(path.join(dst, dir.path), "now a file");
  fs.rmSync(path.join(dst, file.path));
  fs.mkdirSync(path.join(dst, file.path));
  await mirror.restore(dst);
  expect((await verifyCopy(base.dir, base.manifest, dst, ALL)).ok).toBe(true);
});
