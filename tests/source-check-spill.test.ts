import { expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { openLog } from "../lib/log";
import { SourceGuard } from "../lib/run/source-check";
import { localHarness } from "../lib/run/harness";
import { selectPlatform } from "../lib/platform/index";
import type { ScenarioSource } from "../lib/datasets/sources";
import { silent, smallSource, spilled } from "./fixtures/snapshot-source";
import { tempDirs } from "./helpers";

// A big source's snapshot lives in a record file in the workspace (snapshots/) instead of memory: it must
// find what the in-memory one finds, a damaged file must fail the run (never read as "unchanged"), and the
// directory must never be followed through a link a tool planted.

const fresh = tempDirs("mb-snap-spill-");
const tree = () => smallSource(fresh);

test("a snapshot kept on disk finds a modification as the in-memory one does, and leaves one file, removed at the end", () => {
  const src = tree();
  const dir = fresh();
  const calls: string[] = [];
  const guard = new SourceGuard({ srcDir: src, invalidate: (why) => calls.push(why) }, silent(), { spillDir: dir });
  expect(spilled(dir)).toHaveLength(1);
  expect(guard.afterRun("quiet", null, false)).toBeNull();
  fs.appendFileSync(path.join(src, "d", "b"), "x");
  expect(guard.afterRun("vandal", null, false)).toBe("modified the source: d/b (size, mtime)");
  expect(calls).toEqual(["vandal modified the source: d/b (size, mtime)"]);
  // Without a rebuild the damaged tree is snapshotted again: a new file, the old one gone.
  expect(spilled(dir)).toHaveLength(1);
  expect(guard.afterRun("next", null, false)).toBeNull();
  guard.finish();
  expect(spilled(dir)).toEqual([]);
});

for (const [what, damage] of [
  ["cut short", (f: string) => fs.truncateSync(f, Math.floor(fs.statSync(f).size / 2))],
  ["one byte flipped", (f: string) => {
    const b = fs.readFileSync(f);
    b[20] = b[20]! ^ 0xff;
    fs.writeFileSync(f, b);
  }],
  ["removed", (f: string) => fs.rmSync(f)],
] as const) {
  test(`a snapshot file ${what} during a run fails that run and marks the source for rebuilding: the source is never vouched for by a damaged snapshot`, async () => {
    const src = tree();
    const dir = fresh();
    const calls: string[] = [];
    const lines: string[] = [];
    const log = openLog(null, { out: (l) => lines.push(l), err: (l) => lines.push(l) });
    const guard = new SourceGuard({ srcDir: src, invalidate: (why) => calls.push(why), rebuild: async () => void calls.push("rebuild") }, log, { spillDir: dir });
    damage(path.join(dir, spilled(dir)[0]!));
    const why = guard.afterRun("tool", null, false);
    expect(why).toStartWith("damaged mirrorbench's snapshot of the source");
    expect(calls).toHaveLength(1);
    // Rebuilt and snapshotted again before the next run, which is checked against a whole file.
    await guard.beforeReset();
    expect(calls[1]).toBe("rebuild");
    expect(lines.join("\n")).toContain("could not be checked after tool (it damaged mirrorbench's snapshot of the source): rebuilding the source before the next run");
    expect(guard.afterRun("next", null, false)).toBeNull();
    guard.finish();
  });
}

test("the harness keeps a big source's snapshot in <workspace>/snapshots, replacing a symlink planted there and never writing through it", () => {
  const src = tree();
  const ws = fresh();
  const elsewhere = fresh();
  fs.writeFileSync(path.join(elsewhere, "keep"), "mine");
  fs.symlinkSync(elsewhere, path.join(ws, "snapshots"));
  const errors: string[] = [];
  const log = openLog(null, { out: () => {}, err: (s) => errors.push(s) });
  const source = { srcDir: src, manifest: { fileCount: 1_000_000 }, restore: null } as unknown as ScenarioSource;
  const h = localHarness({ workspace: ws, source, platform: selectPlatform(), verify: { enabled: false, mode: false, mtime: false, symlinks: false, allowSourceLinks: false }, log });
  const snaps = path.join(ws, "snapshots");
  expect(fs.lstatSync(snaps).isDirectory()).toBe(true);
  expect(spilled(snaps)).toHaveLength(1);
  expect(fs.readdirSync(elsewhere)).toEqual(["keep"]);
  expect(errors.join("\n")).toContain("snapshots");
  h.finish();
  expect(spilled(snaps)).toEqual([]);
});

test("a small source's snapshot stays in memory: no snapshots directory", () => {
  const src = tree();
  const ws = fresh();
  const source = { srcDir: src, manifest: { fileCount: 3 }, restore: null } as unknown as ScenarioSource;
  const h = localHarness({ workspace: ws, source, platform: selectPlatform(), verify: { enabled: false, mode: false, mtime: false, symlinks: false, allowSourceLinks: false }, log: silent() });
  expect(fs.existsSync(path.join(ws, "snapshots"))).toBe(false);
  h.finish();
});

test("snapshot files a killed run left are removed when the next guard starts; a live run's and anything else are left", () => {
  const src = tree();
  const dir = fresh();
  // A pid that is certainly gone: a child that has exited and been reaped.
  const gone = Bun.spawnSync(["true"]).pid;
  const live = process.ppid;
  for (const f of [`source-${gone}-1.rec`, `source-${live}-3.rec`, "notes.txt", "source-x-1.rec"]) fs.writeFileSync(path.join(dir, f), "x");
  const guard = new SourceGuard({ srcDir: src }, silent(), { spillDir: dir });
  const left = fs.readdirSync(dir).sort();
  expect(left).not.toContain(`source-${gone}-1.rec`);
  expect(left).toEqual(expect.arrayContaining([`source-${live}-3.rec`, "notes.txt", "source-x-1.rec"]));
  guard.finish();
});
