// A dataset's manifest: every entry of the tree (type, size, mode, mtime, content hash, link) as a packed record file in tree order, streamed back one pass at a time and checked.
//
// fileCount counts every regular-file name (hard-link names too); totalBytes counts the bytes of
// distinct files (a hard link adds no data). datasetTotals returns the same two numbers.
// Content hash: wyhash64 (Bun.hash.wyhash) of each 1 MiB chunk seeded with the chunk index, then
// for files over 1 MiB a wyhash of the chunk hashes seeded with the size (see content.ts).
// Hard links: the first name of an inode in tree order carries `linked`, the others `linkOf` = it.
// Format history: v1 was one JSON object with an `entries` array (manifest.json); v2 is manifest.bin
// (records.ts). A cached dataset with a v1 manifest is upgraded in place (upgrade.ts) or regenerated.
import * as fs from "node:fs";
import * as path from "node:path";
import { checkRecords, readRecords, RecordFileError, RecordWriter, type RecordHead } from "./records";

export { cmpTreeOrder } from "./records";

export interface ManifestEntry {
  path: string; // posix, relative
  type: "file" | "dir" | "symlink";
  size: number;
  mode: number;
  mtimeMs: number;
  hash?: string;
  target?: string;
  linkOf?: string;
  /** The first name (in tree order) of an inode that has more names. */
  linked?: true;
}

/** What a manifest says of the whole tree (the record file's meta). */
export interface ManifestMeta {
  version: 2;
  specHash: string;
  fileCount: number;
  totalBytes: number;
  entryCount: number;
  /** How `hash` was computed, so a reader never compares hashes of different kinds. */
  hashAlgorithm: string;
  /** A changed (incremental) tree's change summary, so a cached one is reused as is. */
  changeSummary?: unknown;
}

/** A manifest on disk: its meta, and its entries streamed in tree order (each call a new pass). */
export interface Manifest extends ManifestMeta {
  file: string;
  entries(): Generator<ManifestEntry>;
}

export const HASH_ALGORITHM = "wyhash64-1MiB-chunks-v1";
const TYPES = ["dir", "file", "symlink"] as const;
const F_HASH = 1;
const F_TARGET = 2;
const F_LINKOF = 4;
const F_LINKED = 8;

function encode(e: ManifestEntry, out: Buffer): number {
  let flags = 0;
  if (e.hash) flags |= F_HASH;
  if (e.target !== undefined) flags |= F_TARGET;
  if (e.linkOf) flags |= F_LINKOF;
  if (e.linked) flags |= F_LINKED;
  out.writeUInt8(TYPES.indexOf(e.type), 0);
  out.writeUInt8(flags, 1);
  out.writeUInt16LE(e.mode & 0xffff, 2);
  out.writeDoubleLE(e.size, 4);
  out.writeDoubleLE(e.mtimeMs, 12);
  let n = 20;
  if (e.hash) n += out.write(e.hash.padStart(16, "0").slice(0, 16), n, "latin1");
  for (const s of [flags & F_TARGET ? e.target! : null, flags & F_LINKOF ? e.linkOf! : null]) {
    if (s === null) continue;
    const len = out.write(s, n + 2, "utf8");
    out.writeUInt16LE(len, n);
    n += 2 + len;
  }
  return n;
}

const HEX = "0123456789abcdef";
const hex32 = (x: number): string => (x >>> 0).toString(16).padStart(8, "0");
/** `x` (a uint32) as 8 lower-case hex digits at `at`, as the hash's hex string is written. */
function hexInto(b: Buffer, at: number, x: number): void {
  for (let i = 7; i >= 0; i--) {
    b[at + i] = HEX.charCodeAt(x & 15);
    x >>>= 4;
  }
}

function decode(p: string, b: Buffer, file: string): ManifestEntry {
  if (b.length < 20) throw new RecordFileError(file, `damaged entry ${p}`);
  const type = TYPES[b.readUInt8(0)];
  if (!type) throw new RecordFileError(file, `damaged entry ${p} (type)`);
  const flags = b.readUInt8(1);
  const e: ManifestEntry = { path: p, type, size: b.readDoubleLE(4), mode: b.readUInt16LE(2), mtimeMs: b.readDoubleLE(12) };
  let n = 20;
  if (flags & F_HASH) {
    e.hash = b.toString("latin1", n, n + 16);
    n += 16;
  }
  const str = (): string => {
    const len = b.readUInt16LE(n);
    const s = b.toString("utf8", n + 2, n + 2 + len);
    n += 2 + len;
    return s;
  };
  if (flags & F_TARGET) e.target = str();
  if (flags & F_LINKOF) e.linkOf = str();
  if (flags & F_LINKED) e.linked = true;
  if (n !== b.length) throw new RecordFileError(file, `damaged entry ${p} (length)`);
  return e;
}

/** Writes a manifest entry by entry in tree order (throws on disorder); `finish` makes it whole. */
export class ManifestWriter {
  private w: RecordWriter;
  private buf = Buffer.allocUnsafe(20 + 16 + 4 + 2 * 3 * 4096);
  fileCount = 0;
  totalBytes = 0;
  constructor(readonly file: string) {
    this.w = new RecordWriter(file);
  }
  add(e: ManifestEntry): void {
    this.w.add(e.path, this.buf.subarray(0, encode(e, this.buf)));
    if (e.type !== "file") return;
    this.fileCount++;
    if (!e.linkOf) this.totalBytes += e.size;
  }
  /**
   * A file entry without the entry object: the same record `add` writes, with the hash given as its two
   * 32-bit halves (read from a BigUint64Array's words, so no bigint or hex string is made per file).
   */
  addFile(path: string, size: number, mode: number, mtimeMs: number, hashHi: number, hashLo: number, link?: { linkOf?: string; linked?: true }): void {
    if (link?.linkOf !== undefined || link?.linked) {
      this.add({ path, type: "file", size, mode, mtimeMs, hash: hex32(hashHi) + hex32(hashLo), ...link });
      return;
    }
    const b = this.buf;
    b[0] = 1; // TYPES.indexOf("file")
    b[1] = F_HASH;
    b.writeUInt16LE(mode & 0xffff, 2);
    b.writeDoubleLE(size, 4);
    b.writeDoubleLE(mtimeMs, 12);
    hexInto(b, 20, hashHi);
    hexInto(b, 28, hashLo);
    this.w.add(path, b.subarray(0, 36));
    this.fileCount++;
    this.totalBytes += size;
  }
  finish(meta: Omit<ManifestMeta, "version" | "fileCount" | "totalBytes" | "entryCount">): Manifest {
    const m: ManifestMeta = { version: 2, ...meta, fileCount: this.fileCount, totalBytes: this.totalBytes, entryCount: this.w.count };
    this.w.finish(m);
    return handle(this.file, m);
  }
  abort(): void {
    this.w.abort();
  }
}

function handle(file: string, meta: ManifestMeta, head?: RecordHead): Manifest {
  return {
    ...meta,
    file,
    *entries() {
      for (const r of readRecords(file, head)) yield decode(r.path, r.payload, file);
    },
  };
}

/** Opens a v2 manifest after a whole checksum pass: a truncated or damaged file throws RecordFileError, never reads short. */
export function readManifest(file: string): Manifest {
  const head = checkRecords(file);
  const m = head.meta as ManifestMeta;
  if (!m || m.version !== 2 || typeof m.specHash !== "string" || m.entryCount !== head.count || typeof m.fileCount !== "number" || typeof m.totalBytes !== "number") {
    throw new RecordFileError(file, "not a mirrorbench manifest v2");
  }
  return handle(file, m, head);
}

/**
 * A manifest this process has just written (ManifestWriter.finish, fsynced), now at `file` because its
 * directory was renamed into place: the same meta, without readManifest's second checksum pass (measured:
 * 80-90 ms of a 100k-file dataset's generation; 0.75-0.82 s to read a 1M-entry manifest). Every later
 * read still checks the checksum as it streams.
 */
export function manifestMovedTo(written: Manifest, file: string): Manifest {
  const { file: _was, entries: _e, ...meta } = written;
  return handle(file, meta);
}

/** Every entry, in memory: for tests and small tools only, never on a dataset's hot path. */
export function allEntries(m: Manifest): ManifestEntry[] {
  return [...m.entries()];
}

/** Quick check: every entry exists with the right type, size and mtime (1 ms); no extras looked for. One lstat per entry, streamed. */
export function quickCheck(treeDir: string, manifest: Manifest): string | null {
  for (const e of manifest.entries()) {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(path.join(treeDir, e.path));
    } catch {
      return `${e.path} is missing`;
    }
    if (e.type === "file") {
      if (!st.isFile()) return `${e.path} is not a file`;
      if (st.size !== e.size) return `${e.path} has ${st.size} bytes, expected ${e.size}`;
      if (Math.abs(st.mtimeMs - e.mtimeMs) >= 1) return `${e.path} has a different mtime`;
    } else if (e.type === "dir") {
      if (!st.isDirectory()) return `${e.path} is not a directory`;
    } else if (!st.isSymbolicLink()) return `${e.path} is not a symlink`;
  }
  return null;
}
