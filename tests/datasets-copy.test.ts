import { expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { copyFiles, inodeMark } from "../lib/datasets/copy";
import { tempDirs } from "./helpers";

// Restore's per-file copy: a base-mirror file into a destination that a tool may have left links in. It
// must never write through a link (a planted symlink's target is left as it was), never copy a link it
// is given as the source, and leave the mode, the mtime and the mark later restores compare against.

const fresh = tempDirs("mb-copy-");
const mtimeMs = Date.UTC(2020, 0, 2, 3, 4, 5);

test("small and big files are copied with their mode and mtime, and each mark is the new file's", () => {
  const dir = fresh();
  fs.writeFileSync(path.join(dir, "small"), "x".repeat(1000));
  fs.writeFileSync(path.join(dir, "big"), Buffer.alloc((1 << 20) + 5, 3));
  fs.writeFileSync(path.join(dir, "empty"), "");
  const items = [
    { src: path.join(dir, "small"), dst: path.join(dir, "small.copy"), mode: 0o640, mtimeMs },
    { src: path.join(dir, "big"), dst: path.join(dir, "big.copy"), mode: 0o4755, mtimeMs },
    { src: path.join(dir, "empty"), dst: path.join(dir, "empty.copy"), mode: 0o600, mtimeMs },
  ];
  const marks = copyFiles(items);
  items.forEach((it, i) => {
    const st = fs.lstatSync(it.dst, { bigint: true });
    expect(fs.readFileSync(it.dst).equals(fs.readFileSync(it.src))).toBe(true);
    expect(Number(st.mode & 0o7777n)).toBe(it.mode);
    expect(Number(st.mtimeMs)).toBe(mtimeMs);
    expect(marks[i]).toBe(inodeMark(st));
  });
});

test("a symlink planted at the destination is never written through: the copy fails and its target is untouched", () => {
  const dir = fresh();
  const outside = path.join(fresh(), "precious");
  fs.writeFileSync(outside, "keep me");
  fs.writeFileSync(path.join(dir, "src"), "new content");
  fs.symlinkSync(outside, path.join(dir, "dst"));
  expect(() => copyFiles([{ src: path.join(dir, "src"), dst: path.join(dir, "dst"), mode: 0o644, mtimeMs }])).toThrow(/EEXIST/);
  expect(fs.readFileSync(outside, "utf8")).toBe("keep me");
  expect(fs.lstatSync(path.join(dir, "dst")).isSymbolicLink()).toBe(true);
});

test("a source that became a symlink is refused, not followed", () => {
  const dir = fresh();
  const secret = path.join(fresh(), "secret");
  fs.writeFileSync(secret, "not ours");
  fs.symlinkSync(secret, path.join(dir, "src"));
  expect(() => copyFiles([{ src: path.join(dir, "src"), dst: path.join(dir, "dst"), mode: 0o644, mtimeMs }])).toThrow(/ELOOP/);
  expect(fs.existsSync(path.join(dir, "dst"))).toBe(false);
});
