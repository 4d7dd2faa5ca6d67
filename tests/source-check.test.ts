import { afterAll, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openLog } from "../lib/log";
import { compareSnapshots, describeChanges, snapshotSource, SourceGuard } from "../lib/run/source-check";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mb-srcsnap-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
let n = 0;

function tree(): string {
  const root = path.join(tmp, `t${n++}`);
  fs.mkdirSync(path.join(root, "d"), { recursive: true });
  for (const f of ["a", "b", "c"]) fs.writeFileSync(path.join(root, "d", f), f.repeat(100));
  fs.symlinkSync("d/a", path.join(root, "link"));
  return root;
}
const changed = (root: string, act: () => void) => {
  const before = snapshotSource(root);
  act();
  return compareSnapshots(before).changes.map((c) => `${c.path}: ${c.kinds.join(", ")}`);
};
const silentLog = () => openLog(null, { out: () => {}, err: () => {} });

test("an untouched tree shows no change, reading it included", () => {
  const root = tree();
  expect(changed(root, () => fs.readFileSync(path.join(root, "d", "a")))).toEqual([]);
});

test("an append shows as size and mtime of that file", () => {
  const root = tree();
  expect(changed(root, () => fs.appendFileSync(path.join(root, "d", "b"), "x"))).toEqual(["d/b: size, mtime"]);
});

test("added and removed entries are named, before the directory whose mtime they moved", () => {
  const root = tree();
  const c = changed(root, () => {
    fs.writeFileSync(path.join(root, "d", "new"), "");
    fs.unlinkSync(path.join(root, "d", "c"));
  });
  expect(c.slice(0, 2)).toEqual(["d/new: added", "d/c: removed"]);
  expect(c[2]).toMatch(/^d: .*mtime/);
});

test("a chmod is a mode change; content rewritten with its old mtime put back is a ctime change", () => {
  const root = tree();
  expect(changed(root, () => fs.chmodSync(path.join(root, "d", "a"), 0o600))).toEqual(["d/a: mode"]);
  const f = path.join(root, "d", "b");
  fs.utimesSync(f, 1_600_000_000, 1_600_000_000); // whole seconds, so putting it back is exact
  expect(
    changed(root, () => {
      fs.writeFileSync(f, "B".repeat(100));
      fs.utimesSync(f, 1_600_000_000, 1_600_000_000);
    }),
  ).toEqual(["d/b: ctime/metadata"]);
});

test("a new hard link from outside the tree is 'hard-linked' and counted as an external link; a retargeted symlink is named", () => {
  const root = tree();
  const outside = path.join(tmp, `outside${n++}`);
  expect(changed(root, () => fs.linkSync(path.join(root, "d", "a"), outside))).toEqual(["d/a: hard-linked"]);
  expect(snapshotSource(root).externalLinks).toBe(1);
  const c = changed(root, () => {
    fs.unlinkSync(path.join(root, "link"));
    fs.symlinkSync("d/b", path.join(root, "link"));
  });
  // The new link may or may not get the old inode number back.
  expect(c[0]).toMatch(/^link: (replaced, )?symlink target, mtime$/);
});

test("describeChanges names three changes and counts the rest", () => {
  const root = tree();
  const before = snapshotSource(root);
  for (const f of ["w", "x", "y", "z"]) fs.writeFileSync(path.join(root, f), "");
  expect(describeChanges(compareSnapshots(before))).toBe("w (added), x (added), y (added) and 2 more");
});

test("the guard fails a run whose copy hard-links the source, allows it when asked, and does not blame the next run", () => {
  const root = tree();
  const dst = path.join(tmp, `dst${n++}`);
  const guard = new SourceGuard({ srcDir: root }, silentLog());
  const link = () => {
    fs.mkdirSync(path.join(dst, "d"), { recursive: true });
    for (const f of ["a", "b", "c"]) fs.linkSync(path.join(root, "d", f), path.join(dst, "d", f));
  };
  link();
  expect(guard.afterRun("linker", dst, false)).toBe("destination shares 3 files with the source (hard links, not a copy): d/a, d/b, d/c");
  // The next reset removes the links, which moves the source's ctimes: not the next tool's doing.
  fs.rmSync(dst, { recursive: true });
  guard.afterReset();
  expect(guard.afterRun("cp", null, false)).toBeNull();
  link();
  expect(guard.afterRun("linker", dst, true)).toBeNull();
});

test("the guard marks a modified source invalid and rebuilds it before the next run", async () => {
  const root = tree();
  const calls: string[] = [];
  const guard = new SourceGuard(
    {
      srcDir: root,
      invalidate: (why) => calls.push(`invalidate ${why}`),
      rebuild: async () => {
        fs.writeFileSync(path.join(root, "d", "a"), "a".repeat(100));
        calls.push("rebuild");
      },
    },
    silentLog(),
  );
  fs.appendFileSync(path.join(root, "d", "a"), "vandal");
  expect(guard.afterRun("vandal", null, false)).toBe("modified the source: d/a (size, mtime)");
  expect(calls).toEqual(["invalidate vandal modified the source: d/a (size, mtime)"]);
  await guard.beforeReset();
  expect(calls).toEqual(["invalidate vandal modified the source: d/a (size, mtime)", "rebuild"]);
  expect(guard.afterRun("next", null, false)).toBeNull();
});
