import { afterAll, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { ManifestWriter, type Manifest } from "../lib/datasets/manifest";
import { SortedWalk } from "../lib/datasets/walk-sorted";
import { detectClone, manifestCandidates } from "../lib/run/clone-check";
import { checkSameWork, profileSource } from "../lib/run/same-work";
import { writeXattr, xattrUnavailable } from "../lib/platform/xattr";
import { tmpDir } from "./helpers";

// The checks after a verified copy read the source from its manifest (a stream), not from a listing held in memory.

const root = fs.realpathSync(tmpDir("mb-same-work-stream-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** A manifest of a tree as generation writes one: tree order, the first name of an inode `linked`, the others `linkOf`. */
function manifestOf(tree: string, file: string): Manifest {
  const w = new ManifestWriter(file);
  const first = new Map<number, string>();
  const walk = new SortedWalk(tree);
  for (let x = walk.next(); x; x = walk.next()) {
    const st = fs.lstatSync(x.abs);
    const base = { path: x.rel, type: x.kind as "file" | "dir" | "symlink", size: x.kind === "file" ? st.size : 0, mode: st.mode, mtimeMs: st.mtimeMs };
    if (x.kind !== "file" || st.nlink < 2) w.add(base);
    else if (first.has(st.ino)) w.add({ ...base, linkOf: first.get(st.ino)! });
    else {
      first.set(st.ino, x.rel);
      w.add({ ...base, linked: true });
    }
  }
  return w.finish({ specHash: "test", hashAlgorithm: "none" });
}

function copy(argv: string[]): void {
  const p = Bun.spawnSync(argv, { stderr: "pipe" });
  if (p.exitCode !== 0) throw new Error(p.stderr.toString());
}

test.skipIf(!Bun.which("rsync"))("with the manifest, hard-link groups come from it and the findings equal a listing of the source", () => {
  const src = path.join(root, "links-src");
  fs.mkdirSync(path.join(src, "d"), { recursive: true });
  fs.writeFileSync(path.join(src, "d", "a"), "payload");
  fs.linkSync(path.join(src, "d", "a"), path.join(src, "d", "b"));
  fs.linkSync(path.join(src, "d", "a"), path.join(src, "c"));
  for (let i = 0; i < 50; i++) fs.writeFileSync(path.join(src, "d", `p${i}`), `${i}`);
  const m = manifestOf(src, path.join(root, "links.bin"));
  const dst = path.join(root, "links-dst");
  copy(["rsync", "-a", `${src}/`, `${dst}/`]);
  const streamed = checkSameWork(src, dst, { manifest: m, kinds: { xattrs: false } });
  expect(streamed.find((c) => c.kind === "links")).toEqual({ kind: "links", checked: 1, differing: 1, examples: ["c = d/a = d/b: split into 3 files"] });
  expect(streamed.find((c) => c.kind === "owner")!.checked).toBe(m.entryCount);
  expect(streamed).toEqual(checkSameWork(src, dst, { kinds: { xattrs: false } }));
});

test("a destination made of the source's own inodes (cp -al) is not a joined group, and a name the manifest does not link is no group", () => {
  const src = path.join(root, "al-src");
  fs.mkdirSync(src);
  for (const n of ["x", "y", "z"]) fs.writeFileSync(path.join(src, n), n);
  const m = manifestOf(src, path.join(root, "al.bin"));
  const dst = path.join(root, "al-dst");
  copy(["cp", "-al", src, dst]);
  // Every source file now has two links (its copy's name): without the manifest that is still no group of the tree.
  expect(fs.statSync(path.join(src, "x")).nlink).toBe(2);
  const [links] = checkSameWork(src, dst, { manifest: m, kinds: { links: true, xattrs: false, sparse: false, owner: false } });
  expect(links).toEqual({ kind: "links", checked: 0, differing: 0, examples: [] });
});

test("the clone sample is drawn from the manifest in one pass: evenly spread, the largest files in it, at most sample + largest files", () => {
  const src = path.join(root, "many-src");
  fs.mkdirSync(src);
  for (let i = 0; i < 300; i++) fs.writeFileSync(path.join(src, `f${String(i).padStart(3, "0")}`), Buffer.alloc(i === 123 ? 1 << 20 : 512 + i, i));
  fs.writeFileSync(path.join(src, "empty"), "");
  const m = manifestOf(src, path.join(root, "many.bin"));
  const dst = path.join(root, "many-dst");
  copy(["cp", "-a", "--reflink=never", src, dst]);
  const c = manifestCandidates(m);
  const seen: string[] = [];
  let passes = 0;
  const label = detectClone(src, dst, {
    sampleFiles: 10,
    largestFiles: 2,
    candidates: {
      count: c.count,
      *files() {
        passes++;
        for (const f of c.files()) yield (seen.push(f.rel), f);
      },
    },
  });
  expect(passes).toBe(1);
  expect(seen.length).toBe(300);
  expect(seen).not.toContain("empty");
  if (label.state === "unknown") return; // a file system without FIEMAP cannot label
  expect(label.state).toBe("copied");
  expect(label.sampledFiles).toBeGreaterThanOrEqual(10);
  expect(label.sampledFiles).toBeLessThanOrEqual(12);
  expect(label.sampledBytes).toBeGreaterThanOrEqual(1 << 20);
});

test("with the source's profile (one owner, no holes, no xattrs) only the destination is read, and every difference is still found", () => {
  const src = path.join(root, "profile-src");
  fs.mkdirSync(path.join(src, "d"), { recursive: true });
  for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(src, "d", `f${i}`), Buffer.alloc(64 << 10, i + 1));
  const m = manifestOf(src, path.join(root, "profile.bin"));
  const profile = profileSource(src, m);
  expect(profile).toEqual({ owner: { uid: fs.statSync(src).uid, gid: fs.statSync(src).gid }, sparse: false, xattrs: false });
  const dst = path.join(root, "profile-dst");
  copy(["cp", "-a", src, dst]);
  // Made sparse: a copy that punched the data out of a full file.
  fs.rmSync(path.join(dst, "d", "f3"));
  const fd = fs.openSync(path.join(dst, "d", "f3"), "w");
  fs.ftruncateSync(fd, 64 << 10);
  fs.closeSync(fd);
  const sparseHere = fs.statSync(path.join(dst, "d", "f3")).blocks === 0;
  if (xattrUnavailable() === null) writeXattr(path.join(dst, "d", "f5"), "user.added", "1");
  if (process.getuid?.() === 0) fs.lchownSync(path.join(dst, "d", "f7"), 4321, 8765);
  const fast = checkSameWork(src, dst, { manifest: m, profile });
  expect(fast).toEqual(checkSameWork(src, dst));
  const of = (k: string) => fast.find((c) => c.kind === k)!;
  if (sparseHere) expect(of("sparse").examples).toEqual([`d/f3: made sparse (allocated 0 of ${64 << 10} bytes, source fully allocated)`]);
  if (xattrUnavailable() === null) expect(of("xattrs").examples).toEqual(["d/f5: extra user.added"]);
  if (process.getuid?.() === 0) expect(of("owner").examples).toEqual([`d/f7: 4321:8765, source ${profile.owner!.uid}:${profile.owner!.gid}`]);
});

test("a source with mixed owners, holes or xattrs says so in its profile, so each entry is read", () => {
  const src = path.join(root, "mixed-src");
  fs.mkdirSync(src);
  fs.writeFileSync(path.join(src, "a"), "a");
  const fd = fs.openSync(path.join(src, "holes"), "w");
  fs.writeSync(fd, Buffer.alloc(4096, 1), 0, 4096, 0);
  fs.ftruncateSync(fd, 1 << 20);
  fs.closeSync(fd);
  if (xattrUnavailable() === null) writeXattr(path.join(src, "a"), "user.k", "v");
  if (process.getuid?.() === 0) fs.lchownSync(path.join(src, "a"), 1234, 5678);
  const p = profileSource(src, manifestOf(src, path.join(root, "mixed.bin")));
  if (fs.statSync(path.join(src, "holes")).blocks * 512 < 1 << 20) expect(p.sparse).toBe(true);
  if (xattrUnavailable() === null) expect(p.xattrs).toBe(true);
  if (process.getuid?.() === 0) expect(p.owner).toBeNull();
});
