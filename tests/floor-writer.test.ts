// bench:scale's kernel floor (scripts/floor-writer.c through scripts/floor.ts) writes the dataset's own tree: the same directories, names and sizes, and nothing through a link.
import { afterAll, expect, test } from "bun:test";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ensureDataset } from "../lib/datasets/store.ts";
import { allEntries } from "../lib/datasets/manifest.ts";
import type { DatasetSpec } from "../lib/types.ts";
import { buildFloorWriter, floorLine, floorMs, manifestFloorEntries, planFloorEntries, writeFloorList } from "../scripts/floor.ts";
import { poolSize } from "../lib/datasets/pool.ts";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mb-floor-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const writer = buildFloorWriter(tmp);

const spec: DatasetSpec = {
  seed: 3,
  groups: [
    { name: "a", count: 2500, minBytes: 0, maxBytes: 3000, distribution: "uniform", perDir: 2200, depth: 1, content: "random", compressRatio: 1, names: "short" },
    { name: "b", count: 40, minBytes: 1, maxBytes: 9, distribution: "uniform", perDir: 7, depth: 2, content: "zero", compressRatio: 1, names: "short" },
  ],
  extras: { emptyDirs: 0, symlinks: 0, hardlinks: 0, executables: 0, oldMtimes: 0 },
};

/** Every entry under `root`: relative path, type and size, sorted. */
function listTree(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const d of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${d.name}` : d.name;
      const st = fs.lstatSync(path.join(root, r));
      out.push(`${r} ${st.isDirectory() ? "dir" : st.isFile() ? `file ${st.size}` : "other"}`);
      if (st.isDirectory()) walk(r);
    }
  };
  walk("");
  return out.sort();
}

test.skipIf("why" in writer)("the floor writes the dataset's directories, names and sizes, and cleans up after itself", async () => {
  const ds = await ensureDataset(spec, path.join(tmp, "datasets"));
  const want = allEntries(ds.manifest)
    .map((e) => `${e.path} ${e.type === "dir" ? "dir" : `file ${e.size}`}`)
    .sort();
  // floorMs removes its tree when done, so look at it from inside: a wrapper that copies the listing out.
  const exe = (writer as { exe: string }).exe;
  const spy = path.join(tmp, "spy.sh");
  const seen = path.join(tmp, "seen.txt");
  fs.writeFileSync(spy, `#!/bin/sh\n"${exe}" "$@" && (cd "$2" && find . -mindepth 1 -printf '%P %y %s\\n') > "${seen}"\n`, { mode: 0o755 });
  const list = path.join(tmp, "floor-list.txt");
  const input = writeFloorList(manifestFloorEntries(ds.manifest.file), list);
  // Generation's own writer count for this tree (poolFor's rule), at least one thread.
  expect(input.threads).toBe(Math.max(1, poolSize(ds.manifest.fileCount, ds.manifest.totalBytes)));
  // The plan, which bench:datasets lists before generating, gives the very same list.
  const fromPlan = path.join(tmp, "floor-list-plan.txt");
  writeFloorList(planFloorEntries(spec), fromPlan);
  expect(fs.readFileSync(fromPlan, "utf8")).toBe(fs.readFileSync(list, "utf8"));
  const root = path.join(tmp, "floor");
  const r = floorMs({ exe: spy }, input, root, 0);
  if (typeof r === "string") throw new Error(r);
  expect(r.ms).toBeGreaterThan(0);
  expect(r.threads).toBe(input.threads);
  const got = fs
    .readFileSync(seen, "utf8")
    .trim()
    .split("\n")
    .map((l) => {
      const [p, y, size] = l.split(" ");
      return `${p} ${y === "d" ? "dir" : y === "f" ? `file ${size}` : "other"}`;
    })
    .sort();
  expect(got).toEqual(want);
  expect(got.length).toBe(ds.manifest.entryCount);
  expect(fs.existsSync(root)).toBe(false);
});

test.skipIf("why" in writer)("the floor never writes through a symlink planted where a file goes", () => {
  const root = fs.mkdtempSync(path.join(tmp, "plant-"));
  const victim = path.join(tmp, "victim.txt");
  fs.writeFileSync(victim, "keep me");
  const list = path.join(tmp, "list.txt");
  // The link sits in a directory that already exists (the writer's mkdirat would refuse one that does).
  fs.mkdirSync(path.join(root, "pre"));
  fs.writeFileSync(list, "D pre2\nF 5 pre/a.dat\n");
  fs.symlinkSync(victim, path.join(root, "pre", "a.dat"));
  const r = Bun.spawnSync([(writer as { exe: string }).exe, list, root, "2"]);
  expect(r.exitCode).toBe(1);
  expect(r.stderr.toString()).toContain("floor-writer: create pre/a.dat");
  expect(fs.readFileSync(victim, "utf8")).toBe("keep me");
  expect(listTree(root)).toEqual(["pre dir", "pre/a.dat other", "pre2 dir"]);
});

test("a floor that cannot be measured says why instead of stopping the script", () => {
  const list = path.join(tmp, "bad-list.txt");
  fs.writeFileSync(list, "F 12 no-such-dir/a.dat\n");
  const root = path.join(tmp, "floor-bad");
  const why = floorMs(writer, { listFile: list, threads: 2 }, root, 0);
  if ("why" in writer) expect(why).toBe(writer.why);
  else expect(String(why)).toContain("floor-writer failed (exit 1): floor-writer: create no-such-dir/a.dat");
  expect(floorLine("100k files", why, 1000, 2000)).toMatch(/^info 100k files: kernel floor for generation not measured \(/);
  expect(floorLine("100k files", { ms: 500, threads: 2 }, 1000, 2000)).toContain("0.25x cp -a");
  expect(floorLine("100k files", { ms: 500, threads: 2 }, 1000, 2000)).toContain("a C writer, 2 threads, the same dirs");
  expect(floorLine("100k files", { ms: 500, threads: 2 }, 1000, 2000)).toContain("ours 2.00x that floor");
  expect(fs.existsSync(root)).toBe(false);
});

test("a floor directory that already exists is refused and left as it was, never emptied", () => {
  const root = fs.mkdtempSync(path.join(tmp, "theirs-"));
  fs.writeFileSync(path.join(root, "keep.txt"), "not the floor's");
  const list = path.join(tmp, "one-list.txt");
  fs.writeFileSync(list, "F 3 a.dat\n");
  const r = floorMs(writer, { listFile: list, threads: 1 }, root, 0);
  expect(typeof r).toBe("string");
  if (!("why" in writer)) expect(String(r)).toContain("EEXIST");
  expect(fs.readFileSync(path.join(root, "keep.txt"), "utf8")).toBe("not the floor's");
  expect(fs.readdirSync(root)).toEqual(["keep.txt"]);
});
