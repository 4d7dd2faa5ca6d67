import { expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { ensureDataset } from "../lib/datasets/store";
import type { ScenarioSource } from "../lib/datasets/sources";
import { openLog } from "../lib/log";
import { localHarness } from "../lib/run/harness";
import { selectPlatform } from "../lib/platform/index";
import type { DatasetSpec, PlannedRun } from "../lib/types";
import { claimWorkspace } from "../lib/workspace";
import { tempDirs } from "./helpers";

// The local harness on a source it takes for big (its manifest's counts raised past the thresholds, a
// real 40-file tree underneath): the snapshot goes to a file, each run's source check to a data thread
// (a Worker) beside verification, and bench.log's step line says so and ends with the steps' wall time.

const fresh = tempDirs("mb-harness-beside-");
const spec: DatasetSpec = {
  seed: 5,
  groups: [{ name: "g0", count: 40, minBytes: 10, maxBytes: 2000, distribution: "uniform", perDir: 10, depth: 0, content: "random", compressRatio: 1, names: "short" }],
  extras: { emptyDirs: 0, symlinks: 0, hardlinks: 0, executables: 0, oldMtimes: 0 },
};
const verify = { enabled: true, mode: true, mtime: true, symlinks: true, allowSourceLinks: false };

async function setUp() {
  const root = fresh();
  const ds = await ensureDataset(spec, path.join(root, "datasets"));
  const ws = path.join(root, "ws");
  claimWorkspace(ws);
  const calls: string[] = [];
  const manifest = { ...ds.manifest, fileCount: 1_000_000, entryCount: 1_000_001, entries: () => ds.manifest.entries() };
  const source: ScenarioSource = { srcDir: ds.dir, manifest, restore: null, invalidate: (why) => calls.push(why) };
  const lines: string[] = [];
  const log = openLog(path.join(ws, "bench.log"), { out: (l) => lines.push(l), err: (l) => lines.push(l) });
  const h = localHarness({ workspace: ws, source, platform: selectPlatform(), verify, log });
  const run = (label: string) => ({ label, tool: label, dst: path.join(ws, "dst", label), cache: "keep" }) as unknown as PlannedRun;
  const copy = (r: PlannedRun) => expect(spawnSync("cp", ["-a", `${ds.dir}/.`, `${r.dst}/`]).status).toBe(0);
  const benchLog = () => fs.readFileSync(path.join(ws, "bench.log"), "utf8");
  return { ds, ws, h, run, copy, calls, benchLog };
}

test("a good copy: verified while the source is walked on a data thread, one step line with the thread named and the wall time", async () => {
  const { h, run, copy, benchLog, ws } = await setUp();
  expect(fs.readdirSync(path.join(ws, "snapshots")).filter((f) => f.endsWith(".rec"))).toHaveLength(1);
  const r = run("cp");
  await h.before(r);
  copy(r);
  const beside = h.checkBeside!(r)!;
  expect(beside.notReal).toBeNull();
  const v = await h.verify(r);
  expect(v?.ok).toBe(true);
  expect(await beside.tampered).toBeNull();
  await h.inspect?.(r);
  const steps = benchLog().split("\n").filter((l) => l.startsWith("[cp] harness:"));
  expect(steps).toHaveLength(1);
  expect(steps[0]).toMatch(/source check on a data thread beside verify \d+ ms/);
  expect(steps[0]).toMatch(/verify \d+ ms/);
  expect(steps[0]).toMatch(/\(wall \d+ ms\)$/);
  h.finish();
});

test("a tool that appends to a source file: the check on the thread finds it, the run's cause is the source, and the step line still comes once", async () => {
  const { ds, h, run, copy, calls, benchLog } = await setUp();
  const r = run("vandal");
  await h.before(r);
  copy(r);
  const victim = (fs.readdirSync(ds.dir, { recursive: true }) as string[]).filter((p) => p.endsWith(".dat")).sort()[0]!;
  fs.appendFileSync(path.join(ds.dir, victim), "vandal");
  const beside = h.checkBeside!(r)!;
  await h.verify(r);
  expect(await beside.tampered).toBe(`modified the source: ${victim} (size, mtime)`);
  expect(calls).toEqual([`vandal modified the source: ${victim} (size, mtime)`]);
  expect(benchLog().split("\n").filter((l) => l.startsWith("[vandal] harness:"))).toHaveLength(1);
  h.finish();
});

test("a destination replaced by a symlink is not real: no verification, and the check's step line still comes", async () => {
  const { h, run, benchLog, ws } = await setUp();
  const r = run("linker");
  await h.before(r);
  fs.rmSync(r.dst, { recursive: true, force: true });
  fs.symlinkSync(fresh(), r.dst);
  const beside = h.checkBeside!(r)!;
  expect(beside.notReal).toMatch(/symlink|not a real/);
  expect(await beside.tampered).toBeNull();
  await Bun.sleep(10);
  expect(benchLog().split("\n").filter((l) => l.startsWith("[linker] harness:"))).toHaveLength(1);
  expect(fs.existsSync(path.join(ws, "dst"))).toBe(true);
  h.finish();
});
