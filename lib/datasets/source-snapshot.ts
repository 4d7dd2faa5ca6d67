// The source's lstat snapshot as a packed record file, and one run's check: a sorted walk of the source merged with it, the changes it finds (bounded).
import fs from "node:fs";
import { cmpTreeOrder, readRecords, RecordWriter, type MemoryRecords } from "./records";
import { SortedWalk } from "./walk-sorted";
import { DEFAULTS } from "../defaults";

/**
 * A snapshot: one packed record per entry of the source, in tree order (root ""), from one lstat walk.
 * In memory, where no tool can reach it, or (a big source) a record file of ours in the workspace:
 * checksummed, so a file a tool damaged fails the check rather than reading as an unchanged source.
 */
export interface SourceSnapshot {
  root: string;
  records: MemoryRecords | string;
  /** The root's device; entries record only whether theirs differs. */
  dev: bigint;
  entries: number;
  /** Source inodes with more names than the tree holds: something outside links to them. */
  externalLinks: number;
}

export type ChangeKind = "added" | "removed" | "type" | "symlink target" | "replaced" | "size" | "mode" | "mtime" | "hard-linked" | "ctime/metadata";
export interface SourceChange {
  path: string;
  kinds: ChangeKind[];
  /** "dev:ino" after the run (files only), to match against a destination's inodes. */
  devIno: string | null;
}
/** What a comparison found: the first changes (most telling first, at most DEFAULTS.sourceChangesKept) and how many there were. */
export interface SourceChanges {
  changes: SourceChange[];
  total: number;
}

const KIND_ORDER: ChangeKind[] = ["added", "removed", "type", "replaced", "symlink target", "size", "mode", "mtime", "hard-linked", "ctime/metadata"];
const KINDS = ["f", "d", "l", "o"] as const;
/** kind u8, mode u16, nlink u32, size, mtimeNs, ctimeNs, ino (u64 each), then the symlink target. The device is the root's (meta): an entry on another device is a change by itself. */
const FIXED = 1 + 2 + 4 + 4 * 8;

/** One entry's fingerprint as bytes (a view into `buf`, valid until the next call). */
function fingerprint(abs: string, buf: Buffer, rootDev: bigint): { bytes: Buffer; st: fs.BigIntStats; kind: (typeof KINDS)[number] } {
  const st = fs.lstatSync(abs, { bigint: true });
  const kind = st.isFile() ? "f" : st.isDirectory() ? "d" : st.isSymbolicLink() ? "l" : "o";
  buf.writeUInt8(KINDS.indexOf(kind), 0);
  buf.writeUInt16LE(Number(st.mode & 0o7777n), 1);
  buf.writeUInt32LE(Number(st.nlink & 0xffffffffn), 3);
  buf.writeBigUInt64LE(BigInt.asUintN(64, st.size), 7);
  buf.writeBigUInt64LE(BigInt.asUintN(64, st.mtimeNs), 15);
  buf.writeBigUInt64LE(BigInt.asUintN(64, st.ctimeNs), 23);
  // Another device than the root's: the inode number alone would not say so; mark it in the kind byte.
  if (st.dev !== rootDev) buf.writeUInt8(0x80 | KINDS.indexOf(kind), 0);
  buf.writeBigUInt64LE(BigInt.asUintN(64, st.ino), 31);
  const n = kind === "l" ? buf.write(fs.readlinkSync(abs), FIXED, "utf8") : 0;
  return { bytes: buf.subarray(0, FIXED + n), st, kind };
}

function fields(b: Buffer, dev: bigint) {
  return {
    kind: KINDS[b.readUInt8(0) & 0x7f]!,
    mode: b.readUInt16LE(1),
    nlink: b.readUInt32LE(3),
    size: b.readBigUInt64LE(7),
    mtime: b.readBigUInt64LE(15),
    devIno: `${b.readUInt8(0) & 0x80 ? "other" : dev}:${b.readBigUInt64LE(31)}`,
    target: b.toString("utf8", FIXED),
  };
}

/** Every entry of the source from a sorted walk, root first; a missing root has no entries. */
function* sourceWalk(root: string): Generator<{ rel: string; abs: string }> {
  try {
    fs.lstatSync(root);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw e;
  }
  yield { rel: "", abs: root };
  if (!fs.lstatSync(root).isDirectory()) return;
  const w = new SortedWalk(root);
  for (let d = w.next(); d; d = w.next()) yield d;
}

/** Takes a snapshot of `root` (one lstat per entry, packed as it goes: ~60 bytes an entry) into memory or `file` (created exclusively); `onEntry` sees every entry below the root with its lstat. */
export function snapshotSource(root: string, onEntry?: (st: fs.BigIntStats, abs: string) => void, file?: string): SourceSnapshot {
  const records: MemoryRecords | string = file ?? { blocks: [], head: null };
  const buf = Buffer.allocUnsafe(FIXED + 3 * 4096);
  const names = new Map<string, { nlink: bigint; seen: number }>();
  const w = new RecordWriter(records);
  let dev = 0n;
  try {
    for (const { rel, abs } of sourceWalk(root)) {
      if (rel === "") dev = fs.lstatSync(abs, { bigint: true }).dev;
      const fp = fingerprint(abs, buf, dev);
      w.add(rel, fp.bytes);
      if (onEntry && rel !== "") onEntry(fp.st, abs);
      if (fp.kind === "f" && fp.st.nlink > 1n) {
        const key = `${fp.st.dev}:${fp.st.ino}`;
        const n = names.get(key) ?? { nlink: fp.st.nlink, seen: 0 };
        n.seen++;
        names.set(key, n);
      }
    }
    w.finish({ root });
  } catch (e) {
    w.abort();
    throw e;
  }
  let externalLinks = 0;
  for (const n of names.values()) if (n.nlink > BigInt(n.seen)) externalLinks++;
  return { root, records, dev, entries: w.count, externalLinks };
}

/** The source now against a snapshot: one sorted walk merged with the snapshot's records. */
export function compareSnapshots(before: SourceSnapshot, root = before.root): SourceChanges {
  const buf = Buffer.allocUnsafe(FIXED + 3 * 4096);
  const keep = DEFAULTS.sourceChangesKept;
  let out: SourceChange[] = [];
  let total = 0;
  const rank = (c: SourceChange) => KIND_ORDER.indexOf(c.kinds[0]!);
  const order = (x: SourceChange, y: SourceChange) => rank(x) - rank(y) || cmpTreeOrder(x.path, y.path);
  const push = (c: SourceChange) => {
    total++;
    out.push(c);
    // Bounded: keep the most telling `keep` (a tool that rewrote a million files is named by a few).
    if (out.length >= 2 * keep) out = out.sort(order).slice(0, keep);
  };
  const walk = sourceWalk(root);
  const recs = readRecords(before.records);
  let d = walk.next();
  let r = recs.next();
  while (!d.done || !r.done) {
    const c = d.done ? -1 : r.done ? 1 : cmpTreeOrder(r.value.path, d.value.rel);
    if (c > 0) {
      push({ path: d.value!.rel, kinds: ["added"], devIno: null });
      d = walk.next();
      continue;
    }
    if (c < 0) {
      push({ path: r.value!.path, kinds: ["removed"], devIno: null });
      r = recs.next();
      continue;
    }
    const now = fingerprint(d.value!.abs, buf, before.dev).bytes;
    if (!now.equals(r.value!.payload)) {
      const a = fields(r.value!.payload, before.dev);
      const b = fields(now, before.dev);
      const kinds: ChangeKind[] = [];
      if (a.kind !== b.kind) kinds.push("type");
      else {
        if (a.devIno !== b.devIno) kinds.push("replaced");
        if (a.target !== b.target) kinds.push("symlink target");
        if (a.size !== b.size) kinds.push("size");
        if (a.mode !== b.mode) kinds.push("mode");
        if (a.mtime !== b.mtime) kinds.push("mtime");
        if (b.nlink > a.nlink) kinds.push("hard-linked");
        if (!kinds.length) kinds.push("ctime/metadata");
      }
      push({ path: r.value!.path, kinds, devIno: b.kind === "f" ? b.devIno : null });
    }
    d = walk.next();
    r = recs.next();
  }
  return { changes: out.sort(order).slice(0, keep), total };
}

