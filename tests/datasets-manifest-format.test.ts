import { afterAll, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { DatasetSpec, FileGroup } from "../lib/types.ts";
import { ensureDataset } from "../lib/datasets/store.ts";
import { allEntries, ManifestWriter, readManifest } from "../lib/datasets/manifest.ts";
import { cmpTreeOrder, readRecords, RecordFileError, RecordWriter } from "../lib/datasets/records.ts";
import { SortedWalk } from "../lib/datasets/walk-sorted.ts";
import { specHash } from "../lib/paths.ts";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mb-manifest-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const root = () => path.join(tmp, `r${n++}`);

function spec(g: Partial<FileGroup> = {}, extras: Partial<DatasetSpec["extras"]> = {}): DatasetSpec {
  return {
    seed: 5,
    groups: [{ name: "g0", count: 40, minBytes: 10, maxBytes: 3000, distribution: "uniform", perDir: 6, depth: 1, content: "random", compressRatio: 1, names: "short", ...g }],
    extras: { emptyDirs: 0, symlinks: 0, hardlinks: 0, executables: 0, oldMtimes: 0, ...extras },
  };
}
const manifestOf = (r: string, s: DatasetSpec) => path.join(r, specHash(s), "manifest.bin");

test("a manifest cut short is detected by its length and the dataset regenerated, saying why", async () => {
  const r = root();
  const a = await ensureDataset(spec(), r);
  const file = manifestOf(r, spec());
  fs.truncateSync(file, fs.statSync(file).size - 30);
  const why: string[] = [];
  const b = await ensureDataset(spec(), r, { onRegenerate: (w) => why.push(w) });
  expect(b.reused).toBe(false);
  expect(why[0]).toContain("its manifest is unreadable");
  expect(why[0]).toContain("truncated");
  expect(allEntries(b.manifest)).toEqual(allEntries(a.manifest));
});

test("a flipped byte inside a manifest's records is caught by the checksum, never read as a different tree", async () => {
  const r = root();
  await ensureDataset(spec(), r);
  const file = manifestOf(r, spec());
  const bytes = fs.readFileSync(file);
  bytes[200] = bytes[200]! ^ 0x01;
  fs.writeFileSync(file, bytes);
  expect(() => readManifest(file)).toThrow(RecordFileError);
  const why: string[] = [];
  const b = await ensureDataset(spec(), r, { onRegenerate: (w) => why.push(w) });
  expect(b.reused).toBe(false);
  expect(why[0]).toMatch(/checksum mismatch|damaged/);
});

test("the manifest handed back by a fresh generation is the renamed file's, and its reads still check the checksum", async () => {
  const r = root();
  const s = spec();
  const fresh = await ensureDataset(s, r);
  expect(fresh.reused).toBe(false);
  // Not the temp directory's path it was written at: that directory was renamed into place.
  expect(fresh.manifest.file).toBe(manifestOf(r, s));
  expect(fs.existsSync(fresh.manifest.file)).toBe(true);
  const reopened = readManifest(manifestOf(r, s));
  expect(allEntries(fresh.manifest)).toEqual(allEntries(reopened));
  expect({ ...fresh.manifest, entries: 0 }).toEqual({ ...reopened, entries: 0 });
  // No second checksum pass at generation's end, so a byte damaged after it must fail the next read.
  const bytes = fs.readFileSync(fresh.manifest.file);
  bytes[200] = bytes[200]! ^ 0x01;
  fs.writeFileSync(fresh.manifest.file, bytes);
  expect(() => allEntries(fresh.manifest)).toThrow(RecordFileError);
});

test("reading a record file whose end was cut off throws instead of yielding a shorter list", () => {
  const file = path.join(tmp, `cut${n++}.bin`);
  const w = new RecordWriter(file);
  for (let i = 0; i < 5000; i++) w.add(`d/f${String(i).padStart(5, "0")}`, Buffer.from([i & 0xff]));
  w.finish({ what: "test" });
  expect([...readRecords(file)].length).toBe(5000);
  const whole = fs.readFileSync(file);
  fs.writeFileSync(file, whole.subarray(0, whole.length - 1));
  expect(() => [...readRecords(file)]).toThrow(RecordFileError);
  // A file whose trailer is intact but whose records lost their tail: the count and checksum disagree.
  const cut = Buffer.concat([whole.subarray(0, 8 + 3000), whole.subarray(whole.length - 100)]);
  fs.writeFileSync(file, cut);
  expect(() => [...readRecords(file)]).toThrow(RecordFileError);
});

test("the manifest writer refuses entries out of tree order", () => {
  const w = new ManifestWriter(path.join(tmp, `order${n++}.bin`));
  w.add({ path: "a", type: "dir", size: 0, mode: 0o755, mtimeMs: 0 });
  w.add({ path: "a/b", type: "file", size: 1, mode: 0o644, mtimeMs: 0 });
  expect(() => w.add({ path: "a", type: "file", size: 1, mode: 0o644, mtimeMs: 0 })).toThrow("tree order");
  w.abort();
});

test("tree order puts a directory's children before its later siblings ('a/b' before 'a-c')", () => {
  expect(["a-c", "a/b", "a", "a.d/x", "a.d"].sort(cmpTreeOrder)).toEqual(["a", "a/b", "a-c", "a.d", "a.d/x"]);
});

test("a generated manifest lists entries in the order a sorted walk of the tree meets them, unicode names, depth and extras included", async () => {
  const s = spec({ names: "unicode", count: 60, perDir: 5, depth: 2 }, { emptyDirs: 2, symlinks: 3, hardlinks: 3, executables: 2, oldMtimes: 2 });
  const d = await ensureDataset(s, root());
  const walked: string[] = [];
  const w = new SortedWalk(d.dir);
  for (let x = w.next(); x; x = w.next()) walked.push(x.rel);
  expect(allEntries(d.manifest).map((e) => e.path)).toEqual(walked);
  // Each inode's first name in that order carries `linked`; its other names point at it.
  const es = allEntries(d.manifest);
  for (const e of es.filter((x) => x.linkOf)) {
    const first = es.find((x) => x.path === e.linkOf)!;
    expect(first.linked).toBe(true);
    expect(fs.statSync(path.join(d.dir, e.path)).ino).toBe(fs.statSync(path.join(d.dir, first.path)).ino);
  }
});

test("an old JSON manifest (v1) in a cached dataset is upgraded in place and gives the same entries", async () => {
  const s = spec({}, { hardlinks: 2, symlinks: 1 });
  const r = root();
  const a = await ensureDataset(s, r);
  const entries = allEntries(a.manifest);
  // v1: one JSON object, entries sorted by plain path order, linkOf naming the first name in that order.
  const v1 = [...entries].sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0)).map(({ linked: _l, ...e }) => e);
  const dir = path.dirname(manifestOf(r, s));
  fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify({ version: 1, specHash: specHash(s), fileCount: a.manifest.fileCount, totalBytes: a.manifest.totalBytes, entries: v1, hashAlgorithm: a.manifest.hashAlgorithm }));
  fs.unlinkSync(path.join(dir, "manifest.bin"));
  const b = await ensureDataset(s, r);
  expect(b.reused).toBe(true);
  expect(fs.existsSync(path.join(dir, "manifest.json"))).toBe(false);
  expect(allEntries(b.manifest)).toEqual(entries);
  expect(b.manifest.totalBytes).toBe(a.manifest.totalBytes);
});

test("an old JSON manifest that does not parse is never misread: the dataset is regenerated", async () => {
  const r = root();
  const a = await ensureDataset(spec(), r);
  const dir = path.dirname(manifestOf(r, spec()));
  fs.unlinkSync(path.join(dir, "manifest.bin"));
  fs.writeFileSync(path.join(dir, "manifest.json"), '{"version":1,"specHash":"x","entries":[{"path":"g0"');
  const why: string[] = [];
  const b = await ensureDataset(spec(), r, { onRegenerate: (w) => why.push(w) });
  expect(b.reused).toBe(false);
  expect(why[0]).toContain("does not parse");
  expect(allEntries(b.manifest)).toEqual(allEntries(a.manifest));
});
