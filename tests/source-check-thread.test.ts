import { expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { openLog } from "../lib/log";
import { SourceGuard } from "../lib/run/source-check";
import { silent, smallSource, spilled } from "./fixtures/snapshot-source";
import { tempDirs } from "./helpers";

// A big source is checked on a data thread (a real Worker) beside verification: it must find what the
// main thread's check finds, a snapshot file damaged across the thread must still fail the run as a
// damaged snapshot (never "unchanged"), and a small or in-memory snapshot is checked on the main thread.

const fresh = tempDirs("mb-snap-thread-");
const tree = () => smallSource(fresh);

test("on a data thread the check finds a modification as the main thread's does, and names the thread in its timing", async () => {
  const src = tree();
  const calls: string[] = [];
  const guard = new SourceGuard({ srcDir: src, invalidate: (why) => calls.push(why) }, silent(), { spillDir: fresh(), checkOnThread: true });
  expect(await guard.afterRunBeside("quiet", null, false)).toBeNull();
  expect(guard.last?.thread).toBe(true);
  fs.appendFileSync(path.join(src, "d", "b"), "x");
  fs.writeFileSync(path.join(src, "d", "new"), "n");
  expect(await guard.afterRunBeside("vandal", null, false)).toBe("modified the source: d/new (added), d/b (size, mtime), d (mtime)");
  expect(guard.last?.thread).toBe(true);
  expect(calls).toEqual(["vandal modified the source: d/new (added), d/b (size, mtime), d (mtime)"]);
  expect(await guard.afterRunBeside("next", null, false)).toBeNull();
  guard.finish();
});

test("a snapshot file damaged during the run fails it as a damaged snapshot across the thread, and is rebuilt before the next run", async () => {
  const src = tree();
  const dir = fresh();
  const calls: string[] = [];
  const guard = new SourceGuard({ srcDir: src, invalidate: (why) => calls.push(why), rebuild: async () => void calls.push("rebuild") }, silent(), { spillDir: dir, checkOnThread: true });
  const f = path.join(dir, spilled(dir)[0]!);
  fs.truncateSync(f, Math.floor(fs.statSync(f).size / 2));
  expect(await guard.afterRunBeside("tool", null, false)).toStartWith("damaged mirrorbench's snapshot of the source");
  await guard.beforeReset();
  expect(calls[1]).toBe("rebuild");
  expect(await guard.afterRunBeside("next", null, false)).toBeNull();
  guard.finish();
});

test("not asked for, or with the snapshot in memory, the check runs on the main thread", async () => {
  const src = tree();
  const small = new SourceGuard({ srcDir: src }, silent(), { spillDir: fresh() });
  expect(await small.afterRunBeside("t", null, false)).toBeNull();
  expect(small.last?.thread).toBe(false);
  small.finish();
  const inMemory = new SourceGuard({ srcDir: src }, silent(), { checkOnThread: true });
  fs.appendFileSync(path.join(src, "d", "a"), "x");
  expect(await inMemory.afterRunBeside("t", null, false)).toBe("modified the source: d/a (size, mtime)");
  expect(inMemory.last?.thread).toBe(false);
  inMemory.finish();
});

test("a data thread that cannot start: the check falls back to the main thread, finds the same change, and the log says so", async () => {
  const src = tree();
  const broken = path.join(fresh(), "broken-worker.ts");
  fs.writeFileSync(broken, 'throw new Error("broken on purpose");\n');
  const logFile = path.join(fresh(), "bench.log");
  const log = openLog(logFile, { out: () => {}, err: () => {} });
  const guard = new SourceGuard({ srcDir: src }, log, { spillDir: fresh(), checkOnThread: true, threadModule: broken });
  fs.appendFileSync(path.join(src, "d", "c"), "x");
  const within = Promise.race([guard.afterRunBeside("t", null, false), Bun.sleep(10_000).then(() => "still waiting after 10 s")]);
  expect(await within).toBe("modified the source: d/c (size, mtime)");
  expect(guard.last?.thread).toBe(false);
  expect(fs.readFileSync(logFile, "utf8")).toMatch(/source check: no data thread \(data worker failed: .*broken on purpose.*\); checked on the main thread/);
  guard.finish();
});
