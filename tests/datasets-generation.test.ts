import { afterAll, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import type { DatasetSpec, FileGroup } from "../lib/types.ts";
import { OLD_MTIME_MS, FIXED_MTIME_MS } from "../lib/layout.ts";
import { datasetTotals } from "../lib/datasets/totals.ts";
import { ensureDataset } from "../lib/datasets/store.ts";
import { specHash } from "../lib/paths.ts";
import { allEntries, type Manifest } from "../lib/datasets/manifest.ts";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mb-dsgen-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const root = () => path.join(tmp, `r${n++}`);

function group(o: Partial<FileGroup> = {}): FileGroup {
  return { name: "g0", count: 30, minBytes: 0, maxBytes: 20000, distribution: "uniform", perDir: 8, depth: 1, content: "random", compressRatio: 1, names: "short", ...o };
}
function spec(o: Partial<DatasetSpec> = {}, g: Partial<FileGroup> = {}): DatasetSpec {
  return { seed: 7, groups: [group(g)], extras: { emptyDirs: 0, symlinks: 0, hardlinks: 0, executables: 0, oldMtimes: 0 }, ...o };
}
function treeBytes(dir: string, m: Manifest): string {
  return allEntries(m).filter((e) => e.type === "file").map((e) => e.path + ":" + fs.readFileSync(path.join(dir, e.path)).toString("hex")).join("\n");
}

test("the same spec generated in two places gives identical manifests and bytes", async () => {
  const s = spec({ extras: { emptyDirs: 2, symlinks: 2, hardlinks: 2, executables: 3, oldMtimes: 2 } }, { distribution: "log-uniform", minBytes: 1, maxBytes: 3 << 20 });
  const a = await ensureDataset(s, root());
  const b = await ensureDataset(s, root());
  expect(a.reused).toBe(false);
  expect(JSON.stringify(allEntries(b.manifest))).toBe(JSON.stringify(allEntries(a.manifest)));
  expect(b.manifest.totalBytes).toBe(a.manifest.totalBytes);
  expect(treeBytes(b.dir, b.manifest)).toBe(treeBytes(a.dir, a.manifest));
});

test("a different seed gives a different hash and different bytes of the same file", async () => {
  const s1 = spec({}, { count: 1, minBytes: 4096, maxBytes: 4096 });
  const s2 = { ...s1, seed: 8 };
  expect(specHash(s1)).not.toBe(specHash(s2));
  const a = await ensureDataset(s1, root());
  const b = await ensureDataset(s2, root());
  const f = allEntries(a.manifest).find((e) => e.type === "file")!.path;
  expect(fs.readFileSync(path.join(a.dir, f)).equals(fs.readFileSync(path.join(b.dir, f)))).toBe(false);
});

test("specHash ignores key order and is 16 hex characters", () => {
  const s = spec();
  const reordered = JSON.parse(JSON.stringify({ extras: s.extras, groups: s.groups, seed: s.seed })) as DatasetSpec;
  expect(specHash(reordered)).toBe(specHash(s));
  expect(specHash(s)).toMatch(/^[0-9a-f]{16}$/);
});

test("datasetTotals equals the generated manifest's file count and bytes", async () => {
  const s = spec({ extras: { emptyDirs: 1, symlinks: 1, hardlinks: 3, executables: 0, oldMtimes: 0 } }, { distribution: "log-uniform", minBytes: 10, maxBytes: 100000 });
  const h = await ensureDataset(s, root());
  expect(datasetTotals(s)).toEqual({ files: h.manifest.fileCount, bytes: h.manifest.totalBytes });
  const onDisk = allEntries(h.manifest).filter((e) => e.type === "file" && !e.linkOf).reduce((sum, e) => sum + fs.statSync(path.join(h.dir, e.path)).size, 0);
  expect(onDisk).toBe(h.manifest.totalBytes);
});

test("file sizes stay within the group's range", async () => {
  const h = await ensureDataset(spec({}, { count: 200, perDir: 50, minBytes: 100, maxBytes: 300, distribution: "log-uniform" }), root());
  const sizes = allEntries(h.manifest).filter((e) => e.type === "file").map((e) => e.size);
  expect(Math.min(...sizes)).toBeGreaterThanOrEqual(100);
  expect(Math.max(...sizes)).toBeLessThanOrEqual(300);
  expect(new Set(sizes).size).toBeGreaterThan(50);
});

test("files sit perDir to a leaf directory, depth levels below the group", async () => {
  const h = await ensureDataset(spec({}, { count: 30, perDir: 8, depth: 2 }), root());
  const files = allEntries(h.manifest).filter((e) => e.type === "file");
  const perLeaf = new Map<string, number>();
  for (const f of files) {
    expect(f.path.split("/").length).toBe(1 + 2 + 1 + 1); // group / 2 levels / leaf / file
    const d = path.posix.dirname(f.path);
    perLeaf.set(d, (perLeaf.get(d) ?? 0) + 1);
  }
  expect([...perLeaf.values()].sort()).toEqual([6, 8, 8, 8]);
});

test("zero content is all zero bytes and random content does not compress", async () => {
  const z = await ensureDataset(spec({}, { count: 1, minBytes: 100000, maxBytes: 100000, content: "zero" }), root());
  const r = await ensureDataset(spec({}, { count: 1, minBytes: 100000, maxBytes: 100000, content: "random" }), root());
  const zf = fs.readFileSync(path.join(z.dir, allEntries(z.manifest).find((e) => e.type === "file")!.path));
  const rf = fs.readFileSync(path.join(r.dir, allEntries(r.manifest).find((e) => e.type === "file")!.path));
  expect(zf.every((b) => b === 0)).toBe(true);
  expect(gzipSync(rf).length).toBeGreaterThan(rf.length);
});

test("compressible content gzips to roughly the requested ratio", async () => {
  const h = await ensureDataset(spec({}, { count: 1, minBytes: 2 << 20, maxBytes: 2 << 20, content: "compressible", compressRatio: 4 }), root());
  const f = fs.readFileSync(path.join(h.dir, allEntries(h.manifest).find((e) => e.type === "file")!.path));
  const ratio = f.length / gzipSync(f).length;
  expect(ratio).toBeGreaterThan(3.4);
  expect(ratio).toBeLessThan(4.6);
});

test("a sparse file has its full size but few allocated blocks", async () => {
  const h = await ensureDataset(spec({}, { count: 1, minBytes: 256 << 20, maxBytes: 256 << 20, content: "sparse" }), root());
  const st = fs.statSync(path.join(h.dir, allEntries(h.manifest).find((e) => e.type === "file")!.path));
  expect(st.size).toBe(256 << 20);
  expect(st.blocks * 512).toBeLessThan(1 << 20);
});

test("unicode names are NFC and non-ASCII, long names are about 200 bytes, deep paths are long", async () => {
  const s: DatasetSpec = spec({}, {});
  s.groups = [group({ name: "u", names: "unicode", count: 12 }), group({ name: "l", names: "long", count: 3 }), group({ name: "d", names: "deep", count: 3 })];
  const h = await ensureDataset(s, root());
  const files = allEntries(h.manifest).filter((e) => e.type === "file");
  const u = files.filter((e) => e.path.startsWith("u/"));
  expect(u.every((e) => e.path.normalize("NFC") === e.path && /[^\x00-\x7f]/.test(e.path))).toBe(true);
  const longNames = files.filter((e) => e.path.startsWith("l/")).map((e) => Buffer.byteLength(path.posix.basename(e.path)));
  expect(longNames.every((b) => b >= 190 && b <= 255)).toBe(true);
  const deep = files.filter((e) => e.path.startsWith("d/"));
  expect(deep.every((e) => e.path.split("/").length > 40 && Buffer.byteLength(e.path) > 900)).toBe(true);
  for (const e of files) expect(fs.statSync(path.join(h.dir, e.path)).size).toBe(e.size);
});

test("extras make empty dirs, relative symlinks, hard links, executables and old mtimes", async () => {
  const h = await ensureDataset(spec({ extras: { emptyDirs: 3, symlinks: 2, hardlinks: 2, executables: 4, oldMtimes: 5 } }), root());
  const m = allEntries(h.manifest);
  const empties = m.filter((e) => e.type === "dir" && e.path.startsWith("_extras/empty/"));
  expect(empties.length).toBe(3);
  for (const e of empties) expect(fs.readdirSync(path.join(h.dir, e.path))).toEqual([]);
  for (const s of m.filter((e) => e.type === "symlink")) {
    const abs = path.join(h.dir, s.path);
    expect(fs.readlinkSync(abs)).toBe(s.target!);
    expect(path.isAbsolute(s.target!)).toBe(false);
    expect(fs.statSync(abs).isFile()).toBe(true);
  }
  const links = m.filter((e) => e.linkOf);
  expect(links.length).toBe(2);
  for (const l of links) expect(fs.statSync(path.join(h.dir, l.path)).ino).toBe(fs.statSync(path.join(h.dir, l.linkOf!)).ino);
  // One name per inode: a hard link's first name may be the _extras one.
  const files = m.filter((e) => e.type === "file" && !e.linkOf);
  expect(files.filter((e) => (fs.statSync(path.join(h.dir, e.path)).mode & 0o777) === 0o755).length).toBe(4);
  expect(files.filter((e) => fs.statSync(path.join(h.dir, e.path)).mtimeMs === OLD_MTIME_MS).length).toBe(5);
  expect(files.filter((e) => fs.statSync(path.join(h.dir, e.path)).mtimeMs === FIXED_MTIME_MS).length).toBe(files.length - 5);
});
