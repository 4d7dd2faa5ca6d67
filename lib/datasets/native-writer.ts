// Generation's native run writer: leaf-writer.c compiled once per thread by Bun's built-in TinyCC (bun:ffi cc), on Linux only; null elsewhere or when it cannot be built, and leaf.ts then writes through node:fs.
//
// Why: creating small files is the kernel's work, and node:fs adds a whole-path lookup per open and its own
// work per call (100k files of 1 B–1 KiB, one thread, ext4: 1.08–1.25 s through this, 1.24–1.44 s through
// node:fs). Linux only because that is where it is tested; TinyCC ships inside Bun, so no compiler is needed.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import source from "./leaf-writer.c" with { type: "text" };
import { DEFAULTS } from "../defaults";
import { removeEntry } from "../safe-fs";

/** Linux's O_CLOEXEC (x86-64 and arm64 alike; node's constants leave it out): no child spawned meanwhile inherits a file being written. */
const O_CLOEXEC = 0o2000000;
/** Never through a link planted at a name, never over a file that is there: a generated file is always new (the C removes only what it created). */
const CREATE_FLAGS = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW | O_CLOEXEC;

export interface RunWriter {
  /** Opens a leaf directory for `write` (never following a link at its name). */
  openDir(dir: string): number;
  /**
   * Writes `sizes.length` whole files named `names[i]` in `dirFd` from `data` (file i's bytes start at the
   * 16-aligned offset after file i-1's). Returns the index of the first file that failed (that file is not
   * left behind), or -1 when all were written.
   */
  write(dirFd: number, names: string[], sizes: Uint32Array, data: Uint8Array, kinds: Uint8Array | null, modes: { file: number; exec: number }, mtimesMs: { fixed: number; old: number }): number;
}

/** Whether a dataset of `files` files is written through the native writer: from DEFAULTS.nativeWriterMinFiles; MIRRORBENCH_NATIVE_WRITER=1 for any size, =0 never. */
export function nativeWriterFor(files: number): boolean {
  const env = process.env.MIRRORBENCH_NATIVE_WRITER;
  if (env === "0" || env === "1") return env === "1";
  return files >= DEFAULTS.nativeWriterMinFiles;
}

let cached: { writer: RunWriter | null; why: string } | null = null;

/** This thread's writer, built on first use; `why` says why there is none. Never throws. */
export function runWriter(): { writer: RunWriter | null; why: string } {
  if (cached) return cached;
  if (process.platform !== "linux") return (cached = { writer: null, why: `not built on ${process.platform}` });
  try {
    return (cached = { writer: build(), why: "" });
  } catch (e) {
    return (cached = { writer: null, why: `it could not be built: ${String((e as Error).message ?? e).split("\n")[0]}` });
  }
}

function build(): RunWriter {
  // cc reads a real file (not one embedded in the executable): a private copy, removed once compiled.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mirrorbench-cc-"));
  let lib;
  try {
    const file = path.join(dir, "leaf-writer.c");
    fs.writeFileSync(file, source, { flag: "wx" });
    // Loaded here, not at the top: every data thread imports this module (verify's four too), and bun:ffi costs a thread ~0.2 MiB.
    const { cc, FFIType } = require("bun:ffi") as typeof import("bun:ffi");
    const { i32, ptr, i64 } = FFIType;
    lib = cc({ source: file, symbols: { mb_write_run: { args: [i32, ptr, ptr, ptr, i32, i32, ptr, i32, i32, i64, i64, i64, i64], returns: i32 } } });
  } finally {
    removeEntry(dir);
  }
  const call = lib.symbols.mb_write_run;
  const secNsec = (ms: number): [number, number] => {
    const s = Math.floor(ms / 1000);
    return [s, Math.round((ms - s * 1000) * 1e6)];
  };
  return {
    openDir: (dir) => fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY | fs.constants.O_NOFOLLOW),
    write(dirFd, names, sizes, data, kinds, modes, mtimesMs) {
      const n = sizes.length;
      if (n === 0) return -1;
      const nameBytes = Buffer.from(names.join("\0") + "\0", "utf8");
      const [fs0, fn0] = secNsec(mtimesMs.fixed);
      const [os0, on0] = secNsec(mtimesMs.old);
      const r = call(dirFd, nameBytes, sizes, data, n, CREATE_FLAGS, kinds, modes.file, modes.exec, fs0, fn0, os0, on0);
      return r === n ? -1 : -r - 1;
    },
  };
}
