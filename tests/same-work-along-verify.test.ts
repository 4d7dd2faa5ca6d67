import { expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { ensureDataset } from "../lib/datasets/store";
import { ManifestWriter, type Manifest } from "../lib/datasets/manifest";
import { SortedWalk } from "../lib/datasets/walk-sorted";
import { writeXattr, xattrUnavailable } from "../lib/platform/xattr";
import { checkSameWork, profileSource, SameWorkPass, type SourceProfile } from "../lib/run/same-work";
import { SourceGuard } from "../lib/run/source-check";
import { verifyCopy } from "../lib/run/verify";
import { cloneSample, manifestCandidates } from "../lib/run/clone-check";
import { localInspect } from "../lib/run/steps";
import type { PlannedRun } from "../lib/types";
import { openLog } from "../lib/log";
import type { DatasetSpec } from "../lib/types";
import { tempDirs } from "./helpers";

// The same-work levels ride on verification's walk of the copy (each file's stat from the fstat that hashed it):
// their findings must be exactly those of a check with its own walk and lstat per entry, whatever the copy did.

const fresh = tempDirs("mb-same-work-verify-");
const LENIENT = { enabled: true, mode: false, mtime: false, symlinks: true };

function copy(argv: string[], src: string, root: string, name: string): string {
  const dst = path.join(root, name);
  fs.mkdirSync(dst);
  const p = Bun.spawnSync(argv.map((a) => a.replace("{src}", src).replace("{dst}", dst)), { stderr: "pipe" });
  if (p.exitCode !== 0) throw new Error(`${argv.join(" ")}: ${p.stderr}`);
  return dst;
}

/** Verification feeding a pass: its findings, the profile the pass took, whether the copy verified. */
async function along(src: string, m: Manifest, dst: string, profile?: SourceProfile) {
  const got: { taken: SourceProfile | null } = { taken: null };
  const pass = new SameWorkPass(profile ? { profile } : { onProfile: (p) => (got.taken = p) });
  const v = await verifyCopy(src, m, dst, LENIENT, { onPair: (e, abs, meta) => pass.entry({ rel: e.path, kind: e.type, group: e.linkOf ?? (e.linked ? e.path : null), size: e.size }, () => path.join(src, e.path), abs, meta) });
  const found = pass.result();
  return { found, taken: got.taken, ok: v.ok };
}

test("on a generated dataset with hard links, symlinks and empty dirs: the pass fed by verification finds what the own-walk check finds, copy by copy", async () => {
  const root = fresh();
  const spec: DatasetSpec = {
    seed: 7,
    groups: [{ name: "files", count: 300, minBytes: 1, maxBytes: 9000, distribution: "uniform", perDir: 40, depth: 2, content: "random", compressRatio: 1, names: "short" }],
    extras: { emptyDirs: 2, symlinks: 3, hardlinks: 4, executables: 2, oldMtimes: 2 },
  };
  const ds = await ensureDataset(spec, path.join(root, "datasets"));
  const copies = {
    "rsync -a": copy(["rsync", "-a", "{src}/", "{dst}/"], ds.dir, root, "rsync-a"),
    "rsync -aH": copy(["rsync", "-aH", "{src}/", "{dst}/"], ds.dir, root, "rsync-aH"),
    "cp -a": copy(["cp", "-a", "{src}/.", "{dst}/"], ds.dir, root, "cp-a"),
  };
  const links: Record<string, number> = {};
  for (const [tool, dst] of Object.entries(copies)) {
    const own = checkSameWork(ds.dir, dst, { manifest: ds.manifest });
    const { found, taken, ok } = await along(ds.dir, ds.manifest, dst);
    expect(ok).toBe(true);
    expect(found).toEqual(own);
    expect(taken!).toEqual(profileSource(ds.dir, ds.manifest));
    links[tool] = found.find((c) => c.kind === "links")!.differing;
  }
  // The fixture is not vacuous: rsync without -H split the groups, -aH and cp -a kept them.
  expect(links).toEqual({ "rsync -a": 4, "rsync -aH": 0, "cp -a": 0 });

  // The clone sample drawn along the first verified copy is the one a pass of its own draws, and it is drawn once.
  const lines: string[] = [];
  const insp = localInspect({ srcDir: ds.dir, manifest: ds.manifest, spec: { links: true, xattrs: true, sparse: true, owner: true, clone: true }, log: openLog(null, { out: (l) => lines.push(l), err: () => {} }) })!;
  const feed = insp.feed(null)!;
  expect((await verifyCopy(ds.dir, ds.manifest, copies["cp -a"], LENIENT, { onPair: feed.onPair })).ok).toBe(true);
  const own = cloneSample(manifestCandidates(ds.manifest));
  expect(own.length).toBeGreaterThan(8);
  expect(feed.picker!.result()).toEqual(own);
  const out = await insp.inspect({ dst: copies["cp -a"], label: "cp" } as PlannedRun, feed);
  expect(out.clone?.state === "unknown" || out.clone?.sampledFiles === own.length).toBe(true);
  expect(insp.feed(null)!.picker).toBeNull();
});

function manifestOf(tree: string, file: string): Manifest {
  const w = new ManifestWriter(file);
  const walk = new SortedWalk(tree);
  // Hard links named as generation names them: the first name in tree order `linked`, the others `linkOf` it.
  const firstName = new Map<number, string>();
  for (let x = walk.next(); x; x = walk.next()) {
    const st = fs.lstatSync(x.abs);
    const first = st.nlink > 1 && x.kind === "file" ? firstName.get(st.ino) : undefined;
    if (st.nlink > 1 && x.kind === "file" && !first) firstName.set(st.ino, x.rel);
    const link = st.nlink > 1 && x.kind === "file" ? (first ? { linkOf: first } : { linked: true as const }) : {};
    w.add({ path: x.rel, type: x.kind as "file" | "dir" | "symlink", size: x.kind === "file" ? st.size : 0, mode: st.mode, mtimeMs: st.mtimeMs, ...link, ...(x.kind === "symlink" ? { target: fs.readlinkSync(x.abs) } : {}) });
  }
  return w.finish({ specHash: "test", hashAlgorithm: "none" });
}

test("on a mixed source (holes, xattrs, another owner, a hard link, a symlink rsync -r skips): the same findings both ways, with and without a profile", async () => {
  const root = fresh();
  const src = path.join(root, "src");
  fs.mkdirSync(path.join(src, "d"), { recursive: true });
  for (let i = 0; i < 8; i++) fs.writeFileSync(path.join(src, "d", `f${i}`), Buffer.alloc(8 << 10, i + 1));
  fs.linkSync(path.join(src, "d", "f0"), path.join(src, "d", "f0-link"));
  fs.symlinkSync("d/f1", path.join(src, "to-f1"));
  const fd = fs.openSync(path.join(src, "holes"), "w");
  fs.writeSync(fd, Buffer.alloc(4096, 1), 0, 4096, 0);
  fs.ftruncateSync(fd, 1 << 20);
  fs.closeSync(fd);
  const xattrs = xattrUnavailable() === null;
  if (xattrs) writeXattr(path.join(src, "d", "f2"), "user.k", "v");
  const root0 = process.getuid?.() === 0;
  if (root0) fs.lchownSync(path.join(src, "d", "f4"), 1234, 5678);
  const m = manifestOf(src, path.join(root, "m.bin"));
  const dsts = {
    "cp -a": copy(["cp", "-a", "{src}/.", "{dst}/"], src, root, "cp-a"),
    "rsync -r": copy(["rsync", "-r", "{src}/", "{dst}/"], src, root, "rsync-r"),
  };
  if (xattrs) writeXattr(path.join(dsts["cp -a"], "d", "f6"), "user.added", "1");
  const differing: Record<string, Record<string, number>> = {};
  for (const [tool, dst] of Object.entries(dsts)) {
    const own = checkSameWork(src, dst, { manifest: m });
    const first = await along(src, m, dst);
    expect(first.found).toEqual(own);
    expect(first.taken!).toEqual(profileSource(src, m));
    expect((await along(src, m, dst, first.taken!)).found).toEqual(own);
    // The harness takes the profile along the source check's first snapshot instead: the same profile.
    const guard = new SourceGuard({ srcDir: src }, openLog(null, { out: () => {}, err: () => {} }), { profile: true });
    expect(guard.profile!).toEqual(first.taken!);
    differing[tool] = Object.fromEntries(own.map((c) => [c.kind, c.differing]));
  }
  // Not vacuous: rsync -r split the link and filled the holes; where the VM allows, it lost the xattr and the owner, cp -a added one.
  expect(differing["rsync -r"]!.links).toBe(1);
  expect(differing["rsync -r"]!.sparse).toBe(1);
  if (root0) expect(differing["rsync -r"]!.owner).toBeGreaterThan(0);
  if (xattrs) expect([differing["cp -a"]!.xattrs, differing["rsync -r"]!.xattrs]).toEqual([1, 1]);
  const profile = new SourceGuard({ srcDir: src }, openLog(null, { out: () => {}, err: () => {} }), { profile: true }).profile!;
  expect(profile).toEqual({ owner: root0 ? null : profile.owner, sparse: true, xattrs });
});
