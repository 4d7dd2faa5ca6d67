import { afterAll, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { DatasetSpec, FileGroup } from "../lib/types.ts";
import { DatasetSpaceError, ensureDataset } from "../lib/datasets/store.ts";
import { checkSpec } from "../lib/layout.ts";
import { consoleProgress } from "../lib/datasets/progress.ts";
import { specHash } from "../lib/paths.ts";
import { allEntries, type Manifest } from "../lib/datasets/manifest.ts";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mb-dscache-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const root = () => path.join(tmp, `r${n++}`);

function group(o: Partial<FileGroup> = {}): FileGroup {
  return { name: "g0", count: 20, minBytes: 100, maxBytes: 5000, distribution: "uniform", perDir: 10, depth: 0, content: "random", compressRatio: 1, names: "short", ...o };
}
function spec(g: Partial<FileGroup> = {}): DatasetSpec {
  return { seed: 3, groups: [group(g)], extras: { emptyDirs: 0, symlinks: 0, hardlinks: 0, executables: 0, oldMtimes: 0 } };
}
const firstFile = (h: { dir: string; manifest: Manifest }) =>
  path.join(h.dir, allEntries(h.manifest).find((e) => e.type === "file")!.path);

test("a second call with the same spec reuses the cached dataset in <root>/<hash>/tree", async () => {
  const r = root();
  const a = await ensureDataset(spec(), r);
  const b = await ensureDataset(spec(), r);
  expect(b.reused).toBe(true);
  expect(b.dir).toBe(path.join(r, specHash(spec()), "tree"));
  expect(fs.existsSync(path.join(r, specHash(spec()), "complete"))).toBe(true);
  expect(allEntries(b.manifest)).toEqual(allEntries(a.manifest));
});

test("a truncated file in the cache is caught by the quick check and regenerated", async () => {
  const r = root();
  const a = await ensureDataset(spec(), r);
  const f = firstFile(a);
  const original = fs.readFileSync(f);
  fs.truncateSync(f, 1);
  const b = await ensureDataset(spec(), r);
  expect(b.reused).toBe(false);
  expect(fs.readFileSync(f).equals(original)).toBe(true);
});

test("a dataset without the complete marker is removed and regenerated", async () => {
  const r = root();
  const a = await ensureDataset(spec(), r);
  fs.rmSync(path.join(r, specHash(spec()), "complete"));
  fs.writeFileSync(path.join(a.dir, "leftover"), "half-written");
  const b = await ensureDataset(spec(), r);
  expect(b.reused).toBe(false);
  expect(fs.existsSync(path.join(a.dir, "leftover"))).toBe(false);
  expect(fs.existsSync(path.join(r, specHash(spec()), "complete"))).toBe(true);
});

test("same-size same-mtime corruption passes the quick check but not verifyDataset", async () => {
  const r = root();
  const a = await ensureDataset(spec(), r);
  const f = firstFile(a);
  const st = fs.statSync(f);
  const fd = fs.openSync(f, "r+");
  fs.writeSync(fd, Buffer.from("XXXX"), 0, 4, 0);
  fs.closeSync(fd);
  fs.utimesSync(f, st.atime, st.mtime);
  expect((await ensureDataset(spec(), r)).reused).toBe(true);
  expect((await ensureDataset(spec(), r, { verifyDataset: true })).reused).toBe(false);
  expect((await ensureDataset(spec(), r, { verifyDataset: true })).reused).toBe(true);
});

test("a changed spec gets a new hash and its own directory", async () => {
  const r = root();
  const a = await ensureDataset(spec(), r);
  const b = await ensureDataset(spec({ count: 21 }), r);
  expect(b.reused).toBe(false);
  expect(b.dir).not.toBe(a.dir);
  expect(fs.readdirSync(r).filter((x) => !x.startsWith(".")).sort()).toEqual([specHash(spec()), specHash(spec({ count: 21 }))].sort());
});

test("a dataset bigger than the free space fails up front naming the hash and the size, leaving nothing", async () => {
  const r = root();
  const huge = spec({ count: 2, minBytes: 2 ** 50, maxBytes: 2 ** 50 });
  const err = await ensureDataset(huge, r).catch((e) => e);
  expect(err).toBeInstanceOf(DatasetSpaceError);
  expect(err.message).toContain(`dataset ${specHash(huge)}`);
  expect(err.message).toContain("needs 2048.0 TiB");
  expect(fs.readdirSync(r)).toEqual([]);
});

test("checkSpec reports paths beyond PATH_MAX, reserved names and links without files, each at its group and key", () => {
  const messages = (d: DatasetSpec) => checkSpec(d).map((p) => p.message).join("\n");
  const deep: DatasetSpec = spec({ names: "long", depth: 30 });
  expect(messages(deep)).toContain("PATH_MAX");
  expect(checkSpec(deep)[0]).toMatchObject({ group: 0, field: "depth" });
  expect(checkSpec(spec({ names: "deep", depth: 2 }))).toEqual([]);
  expect(messages(spec({ name: "_extras" }))).toContain("reserved");
  expect(checkSpec(spec({ name: "_extras" }))[0]).toMatchObject({ group: 0, field: "name" });
  const noFiles = spec({ count: 0 });
  noFiles.extras.symlinks = 2;
  expect(messages(noFiles)).toContain("extras.symlinks");
  expect(checkSpec(noFiles)[0]).toMatchObject({ group: null, field: "extras" });
  expect(checkSpec(spec())).toEqual([]);
});

test("console progress without a TTY prints one line at start and one at the end", async () => {
  const lines: string[] = [];
  const out = { isTTY: false, write: (s: string) => lines.push(s) };
  await ensureDataset(spec({ count: 5 }), root(), { progress: consoleProgress(out) });
  expect(lines.length).toBe(2);
  expect(lines[0]).toMatch(/^Generating dataset [0-9a-f]{16}: 5 files, 0\.\d MiB\.\.\.\n$/);
  expect(lines[1]).toMatch(/^Generated dataset [0-9a-f]{16}: 5 files/);
});

test("console progress on a TTY redraws one line in place and ends with a newline", () => {
  let text = "";
  const p = consoleProgress({ isTTY: true, write: (s: string) => (text += s) });
  p.start("x", 10, 1000);
  p.tick(10, 1000);
  p.end();
  expect(text.startsWith("\r")).toBe(true);
  expect(text.split("\n").length).toBe(2);
  expect(text).toContain("10/10 files");
});
