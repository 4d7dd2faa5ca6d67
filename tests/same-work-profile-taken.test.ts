import { afterAll, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { ManifestWriter, type Manifest } from "../lib/datasets/manifest";
import { SortedWalk } from "../lib/datasets/walk-sorted";
import { writeXattr, xattrUnavailable } from "../lib/platform/xattr";
import { checkSameWork, profileSource, type SourceProfile } from "../lib/run/same-work";
import { tmpDir } from "./helpers";

// A scenario's first same-work check takes the source's profile along its own reading of the source: no separate pass, the same profile.

const root = fs.realpathSync(tmpDir("mb-same-work-profile-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function manifestOf(tree: string, file: string): Manifest {
  const w = new ManifestWriter(file);
  const walk = new SortedWalk(tree);
  for (let x = walk.next(); x; x = walk.next()) {
    const st = fs.lstatSync(x.abs);
    w.add({ path: x.rel, type: x.kind as "file" | "dir" | "symlink", size: x.kind === "file" ? st.size : 0, mode: st.mode, mtimeMs: st.mtimeMs });
  }
  return w.finish({ specHash: "test", hashAlgorithm: "none" });
}

function tree(name: string, mixed: boolean): { src: string; dst: string; m: Manifest } {
  const src = path.join(root, `${name}-src`);
  fs.mkdirSync(path.join(src, "d"), { recursive: true });
  for (let i = 0; i < 10; i++) fs.writeFileSync(path.join(src, "d", `f${i}`), Buffer.alloc(8 << 10, i + 1));
  if (mixed) {
    const fd = fs.openSync(path.join(src, "holes"), "w");
    fs.writeSync(fd, Buffer.alloc(4096, 1), 0, 4096, 0);
    fs.ftruncateSync(fd, 1 << 20);
    fs.closeSync(fd);
    if (xattrUnavailable() === null) writeXattr(path.join(src, "d", "f2"), "user.k", "v");
    if (process.getuid?.() === 0) fs.lchownSync(path.join(src, "d", "f4"), 1234, 5678);
  }
  const m = manifestOf(src, path.join(root, `${name}.bin`));
  const dst = path.join(root, `${name}-dst`);
  const p = Bun.spawnSync(["cp", "-a", src, dst], { stderr: "pipe" });
  if (p.exitCode !== 0) throw new Error(p.stderr.toString());
  if (xattrUnavailable() === null) writeXattr(path.join(dst, "d", "f6"), "user.added", "1");
  return { src, dst, m };
}

for (const mixed of [false, true]) {
  test(`on a ${mixed ? "mixed" : "uniform"} source, the profile taken by a check equals profileSource's, and the findings equal a check given it`, () => {
    const { src, dst, m } = tree(mixed ? "mixed" : "uniform", mixed);
    let taken: SourceProfile | null = null;
    const first = checkSameWork(src, dst, { manifest: m, onProfile: (p) => (taken = p) });
    const own = profileSource(src, m);
    expect(taken!).toEqual(own);
    if (mixed && xattrUnavailable() === null) expect(own.xattrs).toBe(true);
    expect(first).toEqual(checkSameWork(src, dst, { manifest: m, profile: own }));
    expect(first).toEqual(checkSameWork(src, dst));
  });
}

test("a check with every level but links off still takes the whole profile", () => {
  const { src, dst, m } = tree("links-only", true);
  let taken: SourceProfile | null = null;
  checkSameWork(src, dst, { manifest: m, kinds: { links: true, xattrs: false, sparse: false, owner: false }, onProfile: (p) => (taken = p) });
  expect(taken!).toEqual(profileSource(src, m));
});

test("a check given a profile does not take another", () => {
  const { src, dst, m } = tree("given", false);
  let called = 0;
  checkSameWork(src, dst, { manifest: m, profile: profileSource(src, m), onProfile: () => called++ });
  expect(called).toBe(0);
});
