import { describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { DataContext } from "../lib/datasets/content";
import { writeLeaf, type LeafWork } from "../lib/datasets/leaf";
import { nativeWriterFor, runWriter } from "../lib/datasets/native-writer";
import { DEFAULTS } from "../lib/defaults";
import { EXEC_MODE, FILE_MODE, FIXED_MTIME_MS, OLD_MTIME_MS } from "../lib/layout";
import { contentKey } from "../lib/prng";
import type { FileGroup } from "../lib/types";
import { BENCH, tempDirs } from "./helpers";

// Generation's small files go through a C run writer (TinyCC, Linux) instead of node:fs: the same bytes,
// modes and times as the node:fs path, never through a planted link, never over a file that was there, and
// a failure is the system's own error with its path.

const fresh = tempDirs("mb-native-");
const linux = process.platform === "linux";

function group(over: Partial<FileGroup> = {}): FileGroup {
  return { name: "g", count: 300, minBytes: 0, maxBytes: 3000, distribution: "uniform", perDir: 300, depth: 0, content: "random", compressRatio: 1, names: "short", ...over };
}

function leaf(dir: string, g: FileGroup, n: number, flags: Uint8Array | null): LeafWork {
  // Sizes around the 16-byte block edges, empty files and a few KiB, so runs split and slices realign.
  const sizes = Float64Array.from({ length: n }, (_, i) => [0, 1, 15, 16, 17, 31, 33, 1000, 2999, 4096][i % 10]! + (i % 7));
  return { dir, group: g, gi: 0, first: 0, fileDigits: 4, sizes, flags, maxBytes: 1 << 20, native: true };
}

/** Every file of `dir` by name: bytes, permission bits, mtime. */
function snapshot(dir: string): Record<string, { hex: string; mode: number; mtimeMs: number }> {
  const out: Record<string, { hex: string; mode: number; mtimeMs: number }> = {};
  for (const name of fs.readdirSync(dir).sort()) {
    const st = fs.lstatSync(path.join(dir, name));
    out[name] = { hex: fs.readFileSync(path.join(dir, name)).toString("hex"), mode: st.mode & 0o7777, mtimeMs: st.mtimeMs };
  }
  return out;
}

test("datasets from DEFAULTS.nativeWriterMinFiles files use the native writer; MIRRORBENCH_NATIVE_WRITER=1 / 0 forces it on / off", () => {
  const old = process.env.MIRRORBENCH_NATIVE_WRITER;
  try {
    delete process.env.MIRRORBENCH_NATIVE_WRITER;
    expect(nativeWriterFor(DEFAULTS.nativeWriterMinFiles - 1)).toBe(false);
    expect(nativeWriterFor(DEFAULTS.nativeWriterMinFiles)).toBe(true);
    process.env.MIRRORBENCH_NATIVE_WRITER = "1";
    expect(nativeWriterFor(10)).toBe(true);
    process.env.MIRRORBENCH_NATIVE_WRITER = "0";
    expect(nativeWriterFor(10_000_000)).toBe(false);
  } finally {
    if (old === undefined) delete process.env.MIRRORBENCH_NATIVE_WRITER;
    else process.env.MIRRORBENCH_NATIVE_WRITER = old;
  }
});

describe.skipIf(!linux)("the native run writer", () => {
  test("builds on Linux with Bun's own compiler (no C compiler or libc headers needed)", () => {
    const { writer, why } = runWriter();
    expect(why).toBe("");
    expect(writer).not.toBeNull();
  });

  for (const content of ["random", "compressible", "zero"] as const) {
    for (const names of ["short", "unicode"] as const) {
      test(`writes exactly what node:fs writes (${content} content, ${names} names, executables and old mtimes)`, () => {
        const g = group({ content, names, compressRatio: content === "compressible" ? 3 : 1 });
        const flags = Uint8Array.from({ length: 300 }, (_, i) => (i % 5 === 0 ? 1 : 0) | (i % 11 === 0 ? 2 : 0));
        const key = Buffer.from(contentKey(7, 0x434f4e54));
        const a = path.join(fresh(), "a");
        const b = path.join(fresh(), "b");
        fs.mkdirSync(a);
        fs.mkdirSync(b);
        const viaNative = writeLeaf(new DataContext(key), leaf(a, g, 300, flags), runWriter().writer);
        const viaFs = writeLeaf(new DataContext(key), leaf(b, g, 300, flags), null);
        expect([...viaNative]).toEqual([...viaFs]);
        const sa = snapshot(a);
        expect(Object.keys(sa).length).toBe(300);
        expect(sa).toEqual(snapshot(b));
        const modes = new Set(Object.values(sa).map((f) => f.mode));
        expect(modes).toEqual(new Set([FILE_MODE, EXEC_MODE]));
        const mtimes = new Set(Object.values(sa).map((f) => f.mtimeMs));
        expect(mtimes).toEqual(new Set([FIXED_MTIME_MS, OLD_MTIME_MS]));
      });
    }
  }

  test("a link planted at a file's name is never written through: the run stops there with the system's error, the target untouched", () => {
    const root = fresh();
    const dir = path.join(root, "leaf");
    fs.mkdirSync(dir);
    const target = path.join(root, "precious");
    fs.writeFileSync(target, "keep me");
    fs.symlinkSync(target, path.join(dir, "f0005.dat"));
    const w = leaf(dir, group(), 20, null);
    let err: NodeJS.ErrnoException | null = null;
    try {
      writeLeaf(new DataContext(Buffer.alloc(16, 1)), w, runWriter().writer);
    } catch (e) {
      err = e as NodeJS.ErrnoException;
    }
    expect(err?.code).toBe("EEXIST");
    expect(err?.path).toBe(path.join(dir, "f0005.dat"));
    expect(fs.readFileSync(target, "utf8")).toBe("keep me");
    expect(fs.readlinkSync(path.join(dir, "f0005.dat"))).toBe(target);
    // The files before it were written whole; none after it.
    expect(fs.readdirSync(dir).sort()).toEqual(["f0000.dat", "f0001.dat", "f0002.dat", "f0003.dat", "f0004.dat", "f0005.dat"]);
    expect(fs.statSync(path.join(dir, "f0004.dat")).size).toBe(w.sizes[4]!);
  });

  test("a file already at a name is neither overwritten nor removed", () => {
    const dir = path.join(fresh(), "leaf");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "f0002.dat"), "not ours");
    expect(() => writeLeaf(new DataContext(Buffer.alloc(16, 1)), leaf(dir, group(), 10, null), runWriter().writer)).toThrow(/EEXIST/);
    expect(fs.readFileSync(path.join(dir, "f0002.dat"), "utf8")).toBe("not ours");
  });

  test("a leaf directory that is a link is refused, not followed", () => {
    const root = fresh();
    fs.mkdirSync(path.join(root, "elsewhere"));
    fs.symlinkSync(path.join(root, "elsewhere"), path.join(root, "leaf"));
    expect(() => writeLeaf(new DataContext(Buffer.alloc(16, 1)), leaf(path.join(root, "leaf"), group(), 10, null), runWriter().writer)).toThrow(/ELOOP|ENOTDIR/);
    expect(fs.readdirSync(path.join(root, "elsewhere"))).toEqual([]);
  });

  test("through the CLI, a dataset generated with the native writer equals one generated without it (manifest and tree)", async () => {
    const trees: string[] = [];
    for (const native of ["1", "0"]) {
      const dir = fresh();
      const cfg = path.join(dir, "c.yaml");
      fs.writeFileSync(
        cfg,
        `version: 1\nworkspace: ${JSON.stringify(path.join(dir, "ws"))}\nresults_dir: ${JSON.stringify(path.join(dir, "results"))}\ndefaults: { runs: 1, warmup: 0, cache: keep }\n` +
          `tools:\n  cp: { argv: [cp, -a, "{src}/.", "{dst}/"] }\nscenarios:\n  - name: s\n    workload:\n      files: { count: 3000, size: 0..2KiB, per_dir: 700, content: compressible }\n` +
          `      extras: { executables: 40, old_mtimes: 30, hardlinks: 5, symlinks: 5, empty_dirs: 2 }\n    tools: [cp]\n`,
      );
      const p = Bun.spawnSync(["bun", BENCH, "--config", cfg], { env: { ...process.env, MIRRORBENCH_NATIVE_WRITER: native, MIRRORBENCH_DATA_WORKERS: "2" }, stdout: "pipe", stderr: "pipe" });
      expect(p.exitCode, p.stderr.toString()).toBe(0);
      trees.push(path.join(dir, "ws"));
    }
    const dump = (ws: string) => {
      const ds = path.join(ws, "datasets");
      const [hash] = fs.readdirSync(ds).filter((n) => !n.startsWith("."));
      const tree = path.join(ds, hash!, "tree");
      const files: string[] = [];
      const walk = (d: string, rel: string) => {
        for (const n of fs.readdirSync(d).sort()) {
          const st = fs.lstatSync(path.join(d, n));
          const r = `${rel}${n}`;
          files.push(`${r} ${st.mode.toString(8)} ${st.mtimeMs} ${st.size} ${st.isFile() ? Bun.hash.wyhash(fs.readFileSync(path.join(d, n))) : st.isSymbolicLink() ? fs.readlinkSync(path.join(d, n)) : ""}`);
          if (st.isDirectory()) walk(path.join(d, n), `${r}/`);
        }
      };
      walk(tree, "");
      return { files, manifest: fs.readFileSync(path.join(ds, hash!, "manifest.bin")) };
    };
    const [a, b] = trees.map(dump);
    expect(a!.files.length).toBeGreaterThan(3000);
    expect(a!.files).toEqual(b!.files);
    expect(Buffer.compare(a!.manifest, b!.manifest)).toBe(0);
  }, 60_000);
});

test("a dataset meant for the native writer but written through node:fs says so once, in the log line it hands back, and comes out whole", () => {
  // A platform without it (process.platform set before anything loads; 500 files stay on this thread).
  const dir = fresh();
  const script = `
    Object.defineProperty(process, "platform", { value: "darwin" });
    const { ensureDataset } = await import(${JSON.stringify(path.join(import.meta.dir, "../lib/datasets/store.ts"))});
    const notes = [];
    const spec = { seed: 3, groups: [{ name: "g", count: 500, minBytes: 1, maxBytes: 900, distribution: "uniform", perDir: 100, depth: 0, content: "random", compressRatio: 1, names: "short" }],
      extras: { emptyDirs: 0, symlinks: 0, hardlinks: 0, executables: 0, oldMtimes: 0 } };
    const ds = await ensureDataset(spec, ${JSON.stringify(path.join(dir, "datasets"))}, { onNote: (l) => notes.push(l) });
    console.log(JSON.stringify({ notes, files: ds.manifest.fileCount }));`;
  const p = Bun.spawnSync(["bun", "-e", script], { env: { ...process.env, MIRRORBENCH_NATIVE_WRITER: "1" }, stdout: "pipe", stderr: "pipe" });
  expect(p.exitCode, p.stderr.toString()).toBe(0);
  const out = JSON.parse(p.stdout.toString().trim().split("\n").pop()!);
  expect(out.files).toBe(500);
  expect(out.notes).toHaveLength(1);
  expect(out.notes[0]).toMatch(/^Generating dataset [0-9a-f]{16} through node:fs, not the native run writer: not built on darwin$/);
});

// The two places the native writer deletes: the file it created and could not finish, and its private copy
// of the C source. A file size limit (ulimit -f, SIGXFSZ ignored) makes a write fail half-way with EFBIG:
// the C must remove that file, so node:fs's redo reports EFBIG itself — were the file left behind, the redo
// would meet it and say EEXIST. Building the writer leaves nothing of its own in the temp folder.
describe.skipIf(!linux)("what the native writer removes", () => {
  const store = (dir: string) => JSON.stringify(path.join(import.meta.dir, "..", dir));
  test("a file it could not finish is removed again, so the error reported is the system's own (EFBIG), with the files before it whole", () => {
    const dir = path.join(fresh(), "leaf");
    const script = `
      process.on("SIGXFSZ", () => {});
      const fs = require("node:fs");
      const { DataContext } = require(${store("lib/datasets/content.ts")});
      const { writeLeaf } = require(${store("lib/datasets/leaf.ts")});
      const { runWriter } = require(${store("lib/datasets/native-writer.ts")});
      fs.mkdirSync(${JSON.stringify(dir)});
      const g = { name: "g", count: 4, minBytes: 0, maxBytes: 40000, distribution: "uniform", perDir: 4, depth: 0, content: "random", compressRatio: 1, names: "short" };
      const w = runWriter().writer;
      let out = { native: !!w };
      try {
        writeLeaf(new DataContext(Buffer.alloc(16, 1)), { dir: ${JSON.stringify(dir)}, group: g, gi: 0, first: 0, fileDigits: 4, sizes: Float64Array.from([100, 200, 40000, 300]), flags: null, maxBytes: 1 << 20, native: true }, w);
      } catch (e) { out = { ...out, code: e.code }; }
      console.log(JSON.stringify({ ...out, files: fs.readdirSync(${JSON.stringify(dir)}).sort().map((n) => [n, fs.statSync(${JSON.stringify(dir)} + "/" + n).size]) }));`;
    const file = path.join(fresh(), "efbig.js");
    fs.writeFileSync(file, script);
    // 32 blocks: 16 KiB in dash, 32 KiB in bash; the C source (~2.5 KB) still fits, the 40,000-byte file does not.
    const p = Bun.spawnSync(["sh", "-c", `ulimit -f 32; exec "$0" "$1"`, process.execPath, file], { stdout: "pipe", stderr: "pipe" });
    expect(p.exitCode, p.stderr.toString()).toBe(0);
    const out = JSON.parse(p.stdout.toString().trim().split("\n").pop()!);
    expect(out.native).toBe(true);
    expect(out.code).toBe("EFBIG");
    expect(out.files.slice(0, 2)).toEqual([["f0000.dat", 100], ["f0001.dat", 200]]);
    expect(out.files.map((f: [string, number]) => f[0])).not.toContain("f0003.dat");
  });

  test("building it leaves nothing of its own in the temp folder, and what was there as it was", () => {
    const tmp = fresh();
    fs.writeFileSync(path.join(tmp, "someone-elses"), "keep");
    const script = `const { runWriter } = require(${store("lib/datasets/native-writer.ts")}); console.log(JSON.stringify(runWriter().why));`;
    const p = Bun.spawnSync([process.execPath, "-e", script], { env: { ...process.env, TMPDIR: tmp }, stdout: "pipe", stderr: "pipe" });
    expect(p.exitCode, p.stderr.toString()).toBe(0);
    expect(JSON.parse(p.stdout.toString().trim())).toBe("");
    // Ours is gone; Bun's cc itself keeps its bundled C headers there (a "bun-cc-0" folder, reused by every build).
    expect(fs.readdirSync(tmp).filter((n) => !/bun-cc/.test(n))).toEqual(["someone-elses"]);
    expect(fs.readFileSync(path.join(tmp, "someone-elses"), "utf8")).toBe("keep");
  });
});
