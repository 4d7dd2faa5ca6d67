import { afterAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { readXattrs, writeXattr, xattrUnavailable } from "../lib/platform/xattr";
import { checkSameWork, sameWorkFlags, type KindCheck } from "../lib/run/same-work";
import { tmpDir } from "./helpers";

const root = tmpDir("mb-same-work-");
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;

function tree(build: (src: string) => void): string {
  const src = path.join(root, `src${n++}`);
  fs.mkdirSync(path.join(src, "d"), { recursive: true });
  build(src);
  return src;
}

function copy(argv: string[], src: string): string {
  const dst = path.join(root, `dst${n++}`);
  const full = argv.map((a) => a.replace("{src}", src).replace("{dst}", dst));
  if (argv[0] === "cp") fs.mkdirSync(dst);
  const p = Bun.spawnSync(full, { stderr: "pipe" });
  if (p.exitCode !== 0) throw new Error(`${full.join(" ")}: ${p.stderr.toString()}`);
  return dst;
}

const only = (kind: KindCheck["kind"]) => ({ kinds: { links: kind === "links", xattrs: kind === "xattrs", sparse: kind === "sparse", owner: kind === "owner" } });

describe("hard-link groups", () => {
  const src = tree((s) => {
    fs.writeFileSync(path.join(s, "d", "a"), "payload");
    fs.linkSync(path.join(s, "d", "a"), path.join(s, "d", "b"));
    fs.linkSync(path.join(s, "d", "a"), path.join(s, "c"));
    fs.writeFileSync(path.join(s, "lonely"), "x");
  });

  test.skipIf(!Bun.which("rsync"))("rsync -a without -H splits the group and is flagged", () => {
    const [c] = checkSameWork(src, copy(["rsync", "-a", "{src}/", "{dst}/"], src), only("links"));
    expect(c).toEqual({ kind: "links", checked: 1, differing: 1, examples: ["c = d/a = d/b: split into 3 files"] });
  });

  test.skipIf(!Bun.which("rsync"))("rsync -aH keeps the group", () => {
    const [c] = checkSameWork(src, copy(["rsync", "-aH", "{src}/", "{dst}/"], src), only("links"));
    expect(c).toEqual({ kind: "links", checked: 1, differing: 0, examples: [] });
  });

  test("cp -a keeps the group", () => {
    const [c] = checkSameWork(src, copy(["cp", "-a", "{src}/.", "{dst}/"], src), only("links"));
    expect(c!.differing).toBe(0);
  });

  test("files joined into one in the destination are counted too", () => {
    const dst = copy(["cp", "-a", "{src}/.", "{dst}/"], src);
    fs.rmSync(path.join(dst, "lonely"));
    fs.linkSync(path.join(dst, "d", "a"), path.join(dst, "lonely"));
    const [c] = checkSameWork(src, dst, only("links"));
    expect(c!.differing).toBe(1);
    expect(c!.examples[0]).toMatch(/lonely.*one file in the destination, 2 in the source/);
  });
});

describe.skipIf(xattrUnavailable() !== null)("extended attributes", () => {
  const src = tree((s) => {
    fs.writeFileSync(path.join(s, "d", "f"), "x");
    writeXattr(path.join(s, "d", "f"), "user.origin", "camera-7");
    writeXattr(path.join(s, "d"), "user.empty", "");
    fs.writeFileSync(path.join(s, "plain"), "y");
  });

  test("attributes written through lsetxattr read back through llistxattr/lgetxattr", () => {
    const r = readXattrs(path.join(src, "d", "f"));
    expect(r.ok && [...r.attrs].map(([k, v]) => [k, new TextDecoder().decode(v)])).toEqual([["user.origin", "camera-7"]]);
  });

  test("cp -a keeps user xattrs; cp -r drops them and is flagged per entry", () => {
    const [kept] = checkSameWork(src, copy(["cp", "-a", "{src}/.", "{dst}/"], src), only("xattrs"));
    expect(kept).toEqual({ kind: "xattrs", checked: 2, differing: 0, examples: [] });
    const [lost] = checkSameWork(src, copy(["cp", "-r", "{src}/.", "{dst}/"], src), only("xattrs"));
    expect(lost!.differing).toBe(2);
    expect(lost!.examples).toContain("d/f: missing user.origin");
  });

  test("a changed value and an extra attribute both count", () => {
    const dst = copy(["cp", "-a", "{src}/.", "{dst}/"], src);
    writeXattr(path.join(dst, "d", "f"), "user.origin", "camera-8");
    writeXattr(path.join(dst, "plain"), "user.added", "1");
    const [c] = checkSameWork(src, dst, only("xattrs"));
    expect(c!.differing).toBe(2);
    expect(c!.examples).toEqual(["d/f: changed user.origin", "plain: extra user.added"]);
  });
});

describe("sparse files", () => {
  const src = tree((s) => {
    const fd = fs.openSync(path.join(s, "holes"), "w");
    fs.writeSync(fd, Buffer.alloc(4096, 1), 0, 4096, 0);
    fs.ftruncateSync(fd, 8 << 20);
    fs.closeSync(fd);
    fs.writeFileSync(path.join(s, "dense"), Buffer.alloc(64 << 10, 7));
  });
  const sparseHere = fs.statSync(path.join(src, "holes")).blocks * 512 < 1 << 20;

  test.skipIf(!sparseHere)("cp --sparse=never fills the holes and is flagged", () => {
    const [c] = checkSameWork(src, copy(["cp", "-a", "--sparse=never", "{src}/.", "{dst}/"], src), only("sparse"));
    expect(c!.checked).toBe(1);
    expect(c!.differing).toBe(1);
    expect(c!.examples[0]).toStartWith("holes: holes filled");
  });

  test.skipIf(!sparseHere)("cp -a keeps the holes", () => {
    const [c] = checkSameWork(src, copy(["cp", "-a", "{src}/.", "{dst}/"], src), only("sparse"));
    expect(c).toEqual({ kind: "sparse", checked: 1, differing: 0, examples: [] });
  });
});

describe.skipIf(process.getuid?.() !== 0)("ownership (needs root)", () => {
  const src = tree((s) => {
    fs.writeFileSync(path.join(s, "d", "owned"), "x");
    fs.chownSync(path.join(s, "d", "owned"), 1234, 5678);
  });

  test("cp -a keeps uid/gid; cp -r gives the copier's and is flagged", () => {
    const [kept] = checkSameWork(src, copy(["cp", "-a", "{src}/.", "{dst}/"], src), only("owner"));
    expect(kept!.differing).toBe(0);
    const [lost] = checkSameWork(src, copy(["cp", "-r", "{src}/.", "{dst}/"], src), only("owner"));
    expect(lost!.differing).toBe(1);
    expect(lost!.examples).toEqual(["d/owned: 0:0, source 1234:5678"]);
  });
});

describe("row flags", () => {
  const check = (kind: KindCheck["kind"], checked: number, differing: number): KindCheck => ({ kind, checked, differing, examples: [] });

  test("a tool that did different work than the others is flagged in its row; the others are not", () => {
    const flags = sameWorkFlags({ cp: [check("links", 12, 0)], rsync: [check("links", 12, 12)] });
    expect(flags).toEqual({ cp: [], rsync: ["different work: split or joined 12 hard-link group(s) of 12"] });
  });

  test("when every tool lost the property the flag says so", () => {
    const flags = sameWorkFlags({ a: [check("xattrs", 3, 3)], b: [check("xattrs", 3, 1)] });
    expect(flags.a).toEqual(["different work: xattrs differ on 3 entries (3 with xattrs in the source) (every tool)"]);
    expect(flags.b).toEqual(["different work: xattrs differ on 1 entry (3 with xattrs in the source) (every tool)"]);
  });

  test("a check that could not run here flags nothing", () => {
    expect(sameWorkFlags({ a: [{ ...check("xattrs", 0, 0), unavailable: "no libc" }] })).toEqual({ a: [] });
  });
});
