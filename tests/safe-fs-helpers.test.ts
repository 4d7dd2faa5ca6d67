import { afterAll, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { BenchError } from "../lib/errors";
import { LOCK_NAME } from "../lib/lock";
import { workspacePaths } from "../lib/paths";
import { ensureRealDir, firstNonDir, listKinds, removeEntry, removeInside, walk } from "../lib/safe-fs";
import { claimWorkspace, OWN_TOP_LEVEL, removeWorkspace, resetDestination } from "../lib/workspace";

const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "mb-safefs-")));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
let n = 0;

/** A root with an outside folder next to it holding keep/precious.txt. */
function setup(): { root: string; outside: string } {
  const base = path.join(tmp, `c${n++}`);
  const root = path.join(base, "root");
  const outside = path.join(base, "outside");
  fs.mkdirSync(root, { recursive: true });
  fs.mkdirSync(path.join(outside, "keep"), { recursive: true });
  fs.writeFileSync(path.join(outside, "keep", "precious.txt"), "x");
  return { root, outside };
}
const intact = (outside: string) => expect(fs.readFileSync(path.join(outside, "keep", "precious.txt"), "utf8")).toBe("x");

test("ensureRealDir creates every missing component", () => {
  const { root } = setup();
  expect(ensureRealDir(root, path.join(root, "a", "b", "c"))).toEqual([]);
  expect(fs.lstatSync(path.join(root, "a", "b", "c")).isDirectory()).toBe(true);
});

test("ensureRealDir replaces a symlinked component with a real directory and reports the link; the target is untouched", () => {
  const { root, outside } = setup();
  fs.symlinkSync(outside, path.join(root, "a"));
  const replaced = ensureRealDir(root, path.join(root, "a", "keep"));
  expect(replaced).toEqual([{ path: path.join(root, "a"), was: "symlink", target: outside }]);
  expect(fs.lstatSync(path.join(root, "a")).isSymbolicLink()).toBe(false);
  expect(fs.readdirSync(path.join(root, "a", "keep"))).toEqual([]);
  intact(outside);
});

test("ensureRealDir and removeInside refuse paths outside the root, and the root itself", () => {
  const { root, outside } = setup();
  expect(() => ensureRealDir(root, outside)).toThrow(BenchError);
  expect(() => ensureRealDir(root, path.join(root, "..", "outside", "keep"))).toThrow(/not inside/);
  expect(() => removeInside(root, root)).toThrow(/not inside/);
  expect(() => removeInside(root, path.join(outside, "keep"))).toThrow(/not inside/);
  intact(outside);
});

test("removeInside removes a tree holding links to outside folders and files without touching their targets", () => {
  const { root, outside } = setup();
  const t = path.join(root, "t");
  fs.mkdirSync(path.join(t, "d"), { recursive: true });
  fs.writeFileSync(path.join(t, "d", "f"), "y");
  fs.symlinkSync(outside, path.join(t, "d", "dirlink"));
  fs.symlinkSync(path.join(outside, "keep", "precious.txt"), path.join(t, "filelink"));
  expect(removeInside(root, t)).toEqual([]);
  expect(fs.existsSync(t)).toBe(false);
  intact(outside);
});

test("removeInside through a symlinked component removes only the link", () => {
  const { root, outside } = setup();
  fs.symlinkSync(outside, path.join(root, "dst"));
  const replaced = removeInside(root, path.join(root, "dst", "keep"));
  expect(replaced).toEqual([{ path: path.join(root, "dst"), was: "symlink", target: outside }]);
  expect(fs.existsSync(path.join(root, "dst"))).toBe(false);
  intact(outside);
});

test("removeEntry unlinks a symlink to a directory instead of emptying it", () => {
  const { root, outside } = setup();
  fs.symlinkSync(outside, path.join(root, "l"));
  removeEntry(path.join(root, "l"));
  expect(fs.existsSync(path.join(root, "l"))).toBe(false);
  intact(outside);
});

test("walk lists a symlinked directory as a symlink and never descends into it; sorted walks are pre-order", () => {
  const { root, outside } = setup();
  fs.mkdirSync(path.join(root, "b", "c"), { recursive: true });
  fs.writeFileSync(path.join(root, "b", "c", "f"), "");
  fs.writeFileSync(path.join(root, "a"), "");
  fs.symlinkSync(outside, path.join(root, "b", "link"));
  const seen: string[] = [];
  walk(root, (rel, kind) => void seen.push(`${rel}:${kind}`), { sorted: true });
  expect(seen).toEqual(["a:file", "b:dir", "b/c:dir", "b/c/f:file", "b/link:symlink"]);
  expect([...listKinds(root).keys()].sort()).toEqual(["a", "b", "b/c", "b/c/f", "b/link"]);
});

test("walk refuses a root that is a symlink; listKinds of a missing root is empty", () => {
  const { root, outside } = setup();
  fs.symlinkSync(outside, path.join(root, "l"));
  expect(() => walk(path.join(root, "l"), () => {})).toThrow(/is a symlink/);
  expect(listKinds(path.join(root, "missing")).size).toBe(0);
});

test("firstNonDir names the first symlink or missing component on the way to a directory", () => {
  const { root, outside } = setup();
  fs.mkdirSync(path.join(root, "a"));
  fs.symlinkSync(outside, path.join(root, "a", "b"));
  expect(firstNonDir(root, path.join(root, "a", "b", "keep"))).toEqual({ path: path.join(root, "a", "b"), kind: "symlink", target: outside });
  expect(firstNonDir(root, path.join(root, "a", "x"))).toEqual({ path: path.join(root, "a", "x"), kind: "missing", target: null });
  expect(firstNonDir(root, path.join(root, "a"))).toBeNull();
});

test("OWN_TOP_LEVEL holds every top-level name the harness creates in a workspace", () => {
  const ws = "/w";
  const p = workspacePaths(ws);
  const tops = [p.marker, p.log, p.datasets, p.dst("s", "t"), path.join(ws, LOCK_NAME)].map((x) => path.relative(ws, x).split(path.sep)[0]);
  for (const t of tops) expect(OWN_TOP_LEVEL as readonly string[]).toContain(t!);
});

test("resetDestination through a workspace reached by a symlinked parent (macOS /tmp) creates the destination inside it", () => {
  const { root } = setup();
  const real = path.join(root, "real");
  fs.mkdirSync(real);
  fs.symlinkSync(real, path.join(root, "alias"));
  const ws = path.join(root, "alias", "ws");
  claimWorkspace(ws);
  const dst = path.join(ws, "dst", "s", "t");
  expect(resetDestination(ws, dst, path.join(ws, "datasets", "x", "tree"))).toEqual([]);
  expect(fs.lstatSync(path.join(real, "ws", "dst", "s", "t")).isDirectory()).toBe(true);
});

test("removeWorkspace removes only mirrorbench's entries, follows no link, and keeps the folder while a user's file is in it", () => {
  const { root, outside } = setup();
  const ws = path.join(root, "ws");
  claimWorkspace(ws);
  fs.mkdirSync(path.join(ws, "datasets", "h", "tree"), { recursive: true });
  fs.writeFileSync(path.join(ws, "bench.log"), "log\n");
  fs.symlinkSync(outside, path.join(ws, "dst"));
  fs.writeFileSync(path.join(ws, "mine.txt"), "user\n");
  expect(removeWorkspace(ws)).toBe(false);
  expect(fs.readdirSync(ws)).toEqual(["mine.txt"]);
  intact(outside);
  fs.unlinkSync(path.join(ws, "mine.txt"));
  claimWorkspace(ws);
  expect(removeWorkspace(ws)).toBe(true);
  expect(fs.existsSync(ws)).toBe(false);
});
