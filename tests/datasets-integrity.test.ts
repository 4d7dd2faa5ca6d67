import { afterAll, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { invalidateDataset, invalidReason, structureCheck } from "../lib/datasets/check.ts";
import { deepCheck, ensureDataset } from "../lib/datasets/store.ts";
import type { DatasetSpec } from "../lib/types.ts";
import { allEntries, type Manifest } from "../lib/datasets/manifest.ts";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mb-dsint-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
let n = 0;

const spec: DatasetSpec = {
  seed: 5,
  groups: [{ name: "g0", count: 12, minBytes: 100, maxBytes: 900, distribution: "uniform", perDir: 4, depth: 0, content: "random", compressRatio: 1, names: "short" }],
  extras: { emptyDirs: 1, symlinks: 2, hardlinks: 2, executables: 1, oldMtimes: 0 },
};
async function fresh() {
  const root = path.join(tmp, `r${n++}`);
  return { root, ...(await ensureDataset(spec, root)) };
}
const firstPlain = (m: Manifest) => {
  const linked = new Set(allEntries(m).flatMap((e) => (e.linkOf ? [e.linkOf, e.path] : [])));
  return allEntries(m).find((e) => e.type === "file" && !linked.has(e.path))!.path;
};

test("a freshly generated dataset passes the structure check and the deep check", async () => {
  const d = await fresh();
  expect(structureCheck(d.dir, d.manifest)).toBeNull();
  expect(await deepCheck(d.dir, d.manifest)).toBeNull();
});

test("the deep check catches what content hashes miss: an extra file, a mode, a symlink target, a broken hard link", async () => {
  const d = await fresh();
  fs.writeFileSync(path.join(d.dir, "g0", "planted"), "");
  expect(await deepCheck(d.dir, d.manifest)).toBe("g0/planted is not in the manifest (extra file)");
  fs.unlinkSync(path.join(d.dir, "g0", "planted"));

  const f = firstPlain(d.manifest);
  fs.chmodSync(path.join(d.dir, f), 0o4755);
  expect(structureCheck(d.dir, d.manifest)).toBe(`${f} has mode 4755, expected 644`);
  fs.chmodSync(path.join(d.dir, f), 0o644);

  const s = allEntries(d.manifest).find((e) => e.type === "symlink")!;
  fs.unlinkSync(path.join(d.dir, s.path));
  fs.symlinkSync("/etc/passwd", path.join(d.dir, s.path));
  expect(structureCheck(d.dir, d.manifest)).toBe(`${s.path} points to /etc/passwd, expected ${s.target}`);
  fs.unlinkSync(path.join(d.dir, s.path));
  fs.symlinkSync(s.target!, path.join(d.dir, s.path));

  const h = allEntries(d.manifest).find((e) => e.linkOf)!;
  const bytes = fs.readFileSync(path.join(d.dir, h.path));
  fs.unlinkSync(path.join(d.dir, h.path));
  fs.writeFileSync(path.join(d.dir, h.path), bytes, { mode: h.mode });
  fs.utimesSync(path.join(d.dir, h.path), h.mtimeMs / 1000, h.mtimeMs / 1000);
  expect(structureCheck(d.dir, d.manifest)).toBe(`${h.path} is no longer a hard link of ${h.linkOf}`);
});

test("an invalidated dataset loses its complete marker, keeps the reason, and is regenerated saying why", async () => {
  const d = await fresh();
  const dir = path.dirname(d.dir);
  invalidateDataset(dir, "vandal modified the source: g0/x (size)");
  expect(fs.existsSync(path.join(dir, "complete"))).toBe(false);
  expect(invalidReason(dir)).toBe("vandal modified the source: g0/x (size)");
  const why: string[] = [];
  const again = await ensureDataset(spec, d.root, { onRegenerate: (w) => why.push(w) });
  expect(again.reused).toBe(false);
  expect(why).toEqual(["marked invalid (vandal modified the source: g0/x (size))"]);
  expect(invalidReason(dir)).toBeNull();
  expect(fs.existsSync(path.join(dir, "complete"))).toBe(true);
});
