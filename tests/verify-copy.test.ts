import { afterAll, beforeAll, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { execFileSync } from "node:child_process";
import type { DatasetSpec, VerifySpec } from "../lib/types.ts";
import { ensureDataset, type DatasetHandle } from "../lib/datasets/store.ts";
import { verifyCopy } from "../lib/run/verify.ts";
import { allEntries } from "../lib/datasets/manifest.ts";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mb-verify-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const ALL: VerifySpec = { enabled: true, mode: true, mtime: true, symlinks: true, allowSourceLinks: false };
const CONTENT_ONLY: VerifySpec = { enabled: true, mode: false, mtime: false, symlinks: false, allowSourceLinks: false };
const spec: DatasetSpec = {
  seed: 11,
  groups: [{ name: "g0", count: 40, minBytes: 1, maxBytes: 30000, distribution: "uniform", perDir: 10, depth: 1, content: "random", compressRatio: 1, names: "short" }],
  extras: { emptyDirs: 1, symlinks: 2, hardlinks: 1, executables: 2, oldMtimes: 2 },
};
let ds: DatasetHandle;
let n = 0;
beforeAll(async () => {
  ds = await ensureDataset(spec, path.join(tmp, "datasets"));
});
/** A faithful copy made by cp -a, as a tool would. */
function copy(): string {
  const dst = path.join(tmp, `dst${n++}`);
  execFileSync("cp", ["-a", ds.dir, dst]);
  return dst;
}
const files = () => allEntries(ds.manifest).filter((e) => e.type === "file" && !e.linkOf && !allEntries(ds.manifest).some((x) => x.linkOf === e.path));

test("a faithful copy passes with every check on", async () => {
  const r = await verifyCopy(ds.dir, ds.manifest, copy(), ALL);
  expect(r.ok).toBe(true);
  expect(r.summary).toBe("");
  expect(r.checkedFiles).toBe(ds.manifest.fileCount);
  expect(r.notes).toBeUndefined();
});

test("an empty destination fails with every entry missing", async () => {
  const dst = path.join(tmp, `empty${n++}`);
  fs.mkdirSync(dst);
  const r = await verifyCopy(ds.dir, ds.manifest, dst, CONTENT_ONLY);
  expect(r.ok).toBe(false);
  expect(r.missing).toBe(allEntries(ds.manifest).length);
  expect(r.summary).toStartWith(`${allEntries(ds.manifest).length} missing: `);
});

test("a deleted file is reported missing with its path", async () => {
  const dst = copy();
  const f = files()[3]!.path;
  fs.rmSync(path.join(dst, f));
  const r = await verifyCopy(ds.dir, ds.manifest, dst, CONTENT_ONLY);
  expect([r.ok, r.missing, r.extra, r.contentMismatch]).toEqual([false, 1, 0, 0]);
  expect(r.summary).toBe(`1 missing: ${f}`);
});

test("an extra file and an extra dir are reported as extra", async () => {
  const dst = copy();
  fs.writeFileSync(path.join(dst, "g0", "stray.txt"), "x");
  fs.mkdirSync(path.join(dst, "newdir"));
  const r = await verifyCopy(ds.dir, ds.manifest, dst, CONTENT_ONLY);
  expect([r.ok, r.extra, r.missing]).toEqual([false, 2, 0]);
});

test("a truncated file is a size mismatch, not also a content mismatch", async () => {
  const dst = copy();
  const f = files().find((e) => e.size > 10)!;
  fs.truncateSync(path.join(dst, f.path), 5);
  const r = await verifyCopy(ds.dir, ds.manifest, dst, CONTENT_ONLY);
  expect([r.sizeMismatch, r.contentMismatch]).toEqual([1, 0]);
  expect(r.examples).toEqual([`${f.path} (5 bytes, expected ${f.size})`]);
});

test("one changed byte with size and mtime kept is a content mismatch", async () => {
  const dst = copy();
  const f = files().find((e) => e.size > 10)!;
  const abs = path.join(dst, f.path);
  const st = fs.statSync(abs);
  const buf = fs.readFileSync(abs);
  buf[5] = buf[5]! ^ 1;
  fs.writeFileSync(abs, buf);
  fs.utimesSync(abs, st.atime, st.mtime);
  const r = await verifyCopy(ds.dir, ds.manifest, dst, ALL);
  expect([r.ok, r.contentMismatch, r.sizeMismatch, r.mtimeMismatch]).toEqual([false, 1, 0, 0]);
  expect(r.summary).toBe(`1 content mismatch: ${f.path}`);
});

test("a lost executable bit is a mode mismatch only when mode checking is on", async () => {
  const dst = copy();
  const f = files().find((e) => e.mode === 0o755)!;
  fs.chmodSync(path.join(dst, f.path), 0o644);
  expect((await verifyCopy(ds.dir, ds.manifest, dst, CONTENT_ONLY)).ok).toBe(true);
  const r = await verifyCopy(ds.dir, ds.manifest, dst, ALL);
  expect([r.ok, r.modeMismatch]).toEqual([false, 1]);
});

test("a lost old mtime is an mtime mismatch only when mtime checking is on", async () => {
  const dst = copy();
  const f = files().find((e) => e.mtimeMs === Date.UTC(2001, 0, 1))!;
  fs.utimesSync(path.join(dst, f.path), new Date(), new Date());
  expect((await verifyCopy(ds.dir, ds.manifest, dst, CONTENT_ONLY)).ok).toBe(true);
  const r = await verifyCopy(ds.dir, ds.manifest, dst, ALL);
  expect([r.ok, r.mtimeMismatch]).toEqual([false, 1]);
});

test("an mtime within the coarse-filesystem tolerance passes", async () => {
  const dst = copy();
  const f = files().find((e) => e.mtimeMs === Date.UTC(2020, 0, 1))!;
  fs.utimesSync(path.join(dst, f.path), Date.UTC(2020, 0, 1, 0, 0, 1) / 1000, Date.UTC(2020, 0, 1, 0, 0, 1) / 1000);
  expect((await verifyCopy(ds.dir, ds.manifest, dst, ALL)).ok).toBe(true);
  fs.utimesSync(path.join(dst, f.path), Date.UTC(2020, 0, 1, 0, 0, 5) / 1000, Date.UTC(2020, 0, 1, 0, 0, 5) / 1000);
  expect((await verifyCopy(ds.dir, ds.manifest, dst, ALL)).mtimeMismatch).toBe(1);
});

test("a symlink followed into a file or pointing elsewhere is a symlink mismatch when symlinks are checked", async () => {
  const dst = copy();
  const links = allEntries(ds.manifest).filter((e) => e.type === "symlink");
  const a = path.join(dst, links[0]!.path);
  fs.rmSync(a);
  fs.copyFileSync(path.join(ds.dir, links[0]!.path), a);
  const b = path.join(dst, links[1]!.path);
  fs.rmSync(b);
  fs.symlinkSync("../../elsewhere", b);
  expect((await verifyCopy(ds.dir, ds.manifest, dst, CONTENT_ONLY)).ok).toBe(true);
  const r = await verifyCopy(ds.dir, ds.manifest, dst, ALL);
  expect([r.ok, r.symlinkMismatch]).toEqual([false, 2]);
});

test("a hard link copied as two files passes but is noted when mode checking is on", async () => {
  const dst = path.join(tmp, `rsync${n++}`);
  execFileSync("rsync", ["-a", ds.dir + "/", dst + "/"]); // no -H: links become separate files
  const r = await verifyCopy(ds.dir, ds.manifest, dst, ALL);
  expect(r.ok).toBe(true);
  expect(r.notes).toEqual(["1 hard link(s) not preserved (copied as separate files)"]);
});

test("the summary lists each kind of problem with at most five example paths", async () => {
  const dst = copy();
  const fs_ = files();
  for (const f of fs_.slice(0, 7)) fs.rmSync(path.join(dst, f.path));
  const victim = fs_[10]!;
  fs.truncateSync(path.join(dst, victim.path), 0);
  const r = await verifyCopy(ds.dir, ds.manifest, dst, CONTENT_ONLY);
  expect(r.examples.length).toBe(5);
  expect(r.summary).toStartWith("7 missing, 1 size mismatch: ");
  expect(r.summary).toContain(victim.path);
  expect(r.summary).toEndWith(" …");
});
