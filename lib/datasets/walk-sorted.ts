// A pull-style sorted walk (tree order, never following a link) that merges against a manifest stream: one directory listing per level held, children read only when descended into.
import fs from "node:fs";
import path from "node:path";
import type { Kind } from "../safe-fs";
import { collectAfter } from "./collect";

export interface WalkItem {
  rel: string;
  kind: Kind;
  abs: string;
}

interface Frame {
  rel: string;
  abs: string;
  /** What path.join(abs, name) puts before a name (readdir never returns "", ".", ".." or a name with "/"), built once per directory. */
  prefix: string;
  names: fs.Dirent[];
  i: number;
}

function kindOf(d: fs.Dirent, abs: string): Kind {
  if (d.isFile()) return "file";
  if (d.isDirectory()) return "dir";
  if (d.isSymbolicLink()) return "symlink";
  if (d.isFIFO() || d.isSocket() || d.isBlockDevice() || d.isCharacterDevice()) return "other";
  // DT_UNKNOWN (some network file systems): lstat, never stat.
  const st = fs.lstatSync(abs);
  return st.isFile() ? "file" : st.isDirectory() ? "dir" : st.isSymbolicLink() ? "symlink" : "other";
}

const byName = (a: fs.Dirent, b: fs.Dirent) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * Entries below `root` in tree order (siblings by code unit, parents before children). A directory
 * is listed when the walk moves past it, unless `skip()` was called after it was returned (it was
 * removed or replaced); a directory that vanished meanwhile has no children. A missing root walks nothing.
 */
export class SortedWalk {
  private stack: Frame[] = [];
  private pending: WalkItem | null = null;

  constructor(readonly root: string) {
    let st: fs.Stats | null = null;
    try {
      st = fs.lstatSync(root);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
    if (!st) return;
    if (!st.isDirectory()) throw new Error(`${root} is ${st.isSymbolicLink() ? "a symlink" : "not a directory"}; refusing to walk it`);
    this.push("", root);
  }

  private push(rel: string, abs: string): void {
    let names: fs.Dirent[];
    try {
      names = fs.readdirSync(abs, { withFileTypes: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return;
      throw e;
    }
    names.sort(byName);
    collectAfter(names.length);
    this.stack.push({ rel, abs, prefix: path.join(abs, "_").slice(0, -1), names, i: 0 });
  }

  /** Do not descend into the directory last returned. */
  skip(): void {
    this.pending = null;
  }

  next(): WalkItem | null {
    if (this.pending) {
      const p = this.pending;
      this.pending = null;
      this.push(p.rel, p.abs);
    }
    while (this.stack.length) {
      const f = this.stack[this.stack.length - 1]!;
      if (f.i >= f.names.length) {
        this.stack.pop();
        continue;
      }
      const d = f.names[f.i++]!;
      const abs = f.prefix + d.name;
      const item: WalkItem = { rel: f.rel ? `${f.rel}/${d.name}` : d.name, kind: kindOf(d, abs), abs };
      if (item.kind === "dir") this.pending = item;
      return item;
    }
    return null;
  }
}
