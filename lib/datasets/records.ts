// Packed record files: a stream of (path, payload) records in tree order, prefix-compressed, with a length and checksum trailer; read back one pass at a time.
//
// Layout (little-endian):
//   "MBREC01\n"                                   8-byte magic
//   records: u16 sharedUnits, u16 suffixBytes, suffix (UTF-8), u16 payloadBytes, payload
//   meta JSON (UTF-8), u32 metaBytes, f64 recordCount, u64 checksum, "MBRECEND"
// sharedUnits counts UTF-16 code units shared with the previous record's path (never splitting a
// surrogate pair), so a million paths of one leaf directory cost a few bytes each. The checksum is
// wyhash chained over the file's aligned BLOCK_BYTES blocks up to the meta, so a truncated, cut or
// bit-flipped file is detected by length, framing or checksum, never misread.
import fs from "node:fs";
import { collectAfter } from "./collect";

const MAGIC = Buffer.from("MBREC01\n", "latin1");
const END = Buffer.from("MBRECEND", "latin1");
const BLOCK_BYTES = 1 << 20;
const TAIL_BYTES = 4 + 8 + 8 + 8;

/** A record file that is not whole: the caller regenerates what it describes. */
export class RecordFileError extends Error {
  constructor(file: string, why: string) {
    super(`${file}: ${why}`);
    this.name = "RecordFileError";
  }
}

/** Tree order: a sorted pre-order walk's order (siblings by code unit), i.e. paths compared with "/" below every other character. */
export function cmpTreeOrder(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x === 47) x = 0;
    if (y === 47) y = 0;
    return x - y;
  }
  return a.length - b.length;
}

function sharedUnits(a: string, b: string): number {
  const n = Math.min(a.length, b.length, 0xffff);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  // Never end the shared part between the halves of a surrogate pair: the suffix must be valid UTF-16.
  if (i > 0 && (a.charCodeAt(i - 1) & 0xfc00) === 0xd800) i--;
  return i;
}

/** Records kept in memory instead of a file: the same bytes, in blocks (a packed buffer, no object per record). */
export interface MemoryRecords {
  blocks: Buffer[];
  head: RecordHead | null;
}

/** Writes records in strictly increasing tree order; `finish` adds the meta, length and checksum, and fsyncs. */
export class RecordWriter {
  private fd = -1;
  private block = Buffer.allocUnsafe(BLOCK_BYTES);
  private used = 0;
  private hash = 0n;
  private prev = "";
  private bytes = 0;
  count = 0;

  /** A file path (created exclusively: never through a link left at that name), or blocks in memory. */
  constructor(readonly file: string | MemoryRecords) {
    if (typeof file === "string") this.fd = fs.openSync(file, "wx", 0o644);
    else file.blocks = [];
    this.put(MAGIC);
  }

  private flushBlock(): void {
    const data = this.block.subarray(0, this.used);
    this.hash = Bun.hash.wyhash(data, this.hash) as bigint;
    this.bytes += data.length;
    if (typeof this.file !== "string") this.file.blocks.push(Buffer.from(data));
    else {
      let done = 0;
      while (done < data.length) done += fs.writeSync(this.fd, data, done, data.length - done);
    }
    this.used = 0;
  }

  private put(bytes: Uint8Array): void {
    let off = 0;
    while (off < bytes.length) {
      const n = Math.min(bytes.length - off, BLOCK_BYTES - this.used);
      this.block.set(bytes.subarray(off, off + n), this.used);
      this.used += n;
      off += n;
      if (this.used === BLOCK_BYTES) this.flushBlock();
    }
  }

  private scratch = Buffer.allocUnsafe(8192);

  add(path: string, payload: Uint8Array): void {
    if (this.count > 0 && cmpTreeOrder(this.prev, path) >= 0) throw new Error(`${this.file}: record ${JSON.stringify(path)} is not after ${JSON.stringify(this.prev)} in tree order`);
    if (payload.length > 0xffff) throw new Error(`${this.file}: payload of ${path} is ${payload.length} bytes (at most 65535)`);
    const shared = this.count > 0 ? sharedUnits(this.prev, path) : 0;
    const need = 6 + path.length * 3 + payload.length;
    if (this.scratch.length < need) this.scratch = Buffer.allocUnsafe(need * 2);
    const s = this.scratch;
    const suffixBytes = s.write(path.slice(shared), 4, "utf8");
    if (suffixBytes > 0xffff) throw new Error(`${this.file}: path ${path.slice(0, 80)}… is too long`);
    s.writeUInt16LE(shared, 0);
    s.writeUInt16LE(suffixBytes, 2);
    s.writeUInt16LE(payload.length, 4 + suffixBytes);
    s.set(payload, 6 + suffixBytes);
    this.put(s.subarray(0, 6 + suffixBytes + payload.length));
    this.prev = path;
    this.count++;
  }

  /** Trailer and fsync; the file is whole only after this returns. */
  finish(meta: unknown): void {
    if (this.used > 0) this.flushBlock();
    if (typeof this.file !== "string") {
      this.file.head = { meta, count: this.count, dataBytes: this.bytes, checksum: this.hash };
      return;
    }
    const json = Buffer.from(JSON.stringify(meta), "utf8");
    const tail = Buffer.alloc(TAIL_BYTES);
    tail.writeUInt32LE(json.length, 0);
    tail.writeDoubleLE(this.count, 4);
    tail.writeBigUInt64LE(this.hash, 12);
    END.copy(tail, 20);
    for (const part of [json, tail]) {
      let done = 0;
      while (done < part.length) done += fs.writeSync(this.fd, part, done, part.length - done);
    }
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
  }

  /** Gives up (an error while producing records): closes without a trailer, so the file never reads as whole. */
  abort(): void {
    if (this.fd < 0) return;
    try {
      fs.closeSync(this.fd);
    } catch {
      /* already closed */
    }
  }
}

export interface RecordHead {
  meta: unknown;
  count: number;
  /** Bytes of magic + records (where the meta starts). */
  dataBytes: number;
  checksum: bigint;
}

/** The trailer, checked for framing and length (not yet the checksum: a pass does that). */
export function readHead(file: string): RecordHead {
  const fd = fs.openSync(file, "r");
  try {
    const size = fs.fstatSync(fd).size;
    if (size < MAGIC.length + TAIL_BYTES) throw new RecordFileError(file, `truncated (${size} bytes)`);
    const magic = Buffer.alloc(MAGIC.length);
    fs.readSync(fd, magic, 0, magic.length, 0);
    if (!magic.equals(MAGIC)) throw new RecordFileError(file, "not a mirrorbench record file");
    const tail = Buffer.alloc(TAIL_BYTES);
    fs.readSync(fd, tail, 0, TAIL_BYTES, size - TAIL_BYTES);
    if (!tail.subarray(20).equals(END)) throw new RecordFileError(file, "truncated (no end marker)");
    const metaBytes = tail.readUInt32LE(0);
    const count = tail.readDoubleLE(4);
    const dataBytes = size - TAIL_BYTES - metaBytes;
    if (dataBytes < MAGIC.length || !Number.isSafeInteger(count) || count < 0) throw new RecordFileError(file, "damaged trailer");
    const json = Buffer.alloc(metaBytes);
    fs.readSync(fd, json, 0, metaBytes, dataBytes);
    let meta: unknown;
    try {
      meta = JSON.parse(json.toString("utf8"));
    } catch {
      throw new RecordFileError(file, "damaged meta");
    }
    return { meta, count, dataBytes, checksum: tail.readBigUInt64LE(12) };
  } finally {
    fs.closeSync(fd);
  }
}

/** One record as read: its path and a view of its payload (valid until the next record is pulled). */
export interface RawRecord {
  path: string;
  payload: Buffer;
  index: number;
}

/**
 * One pass over the records, in file order. Every block read is hashed; a pass that ends early,
 * overruns, counts differently or hashes differently throws RecordFileError — after the records it
 * already yielded, so a consumer that acts while reading must also treat a throw as "do not trust".
 */
export function* readRecords(file: string | MemoryRecords, head?: RecordHead): Generator<RawRecord> {
  if (typeof file !== "string") {
    if (!file.head) throw new Error("records in memory were not finished");
    head = file.head;
  }
  head ??= readHead(file as string);
  const fd = typeof file === "string" ? fs.openSync(file, "r") : -1;
  const name = typeof file === "string" ? file : "<memory>";
  let blockNo = 0;
  try {
    let buf: Buffer = Buffer.alloc(0);
    let pos = 0; // in buf
    let fileOff = 0;
    let hash = 0n;
    let index = 0;
    let prev = "";
    const fill = (need: number): boolean => {
      while (buf.length - pos < need) {
        if (fileOff >= head!.dataBytes) return false;
        const n = Math.min(BLOCK_BYTES - (fileOff % BLOCK_BYTES), head!.dataBytes - fileOff);
        let block: Buffer;
        if (fd < 0) block = (file as MemoryRecords).blocks[blockNo++]!;
        else {
          block = Buffer.allocUnsafe(n);
          let got = 0;
          while (got < n) {
            const r = fs.readSync(fd, block, got, n - got, fileOff + got);
            if (r === 0) throw new RecordFileError(name, "truncated while reading");
            got += r;
          }
        }
        hash = Bun.hash.wyhash(block, hash) as bigint;
        fileOff += n;
        buf = pos < buf.length ? Buffer.concat([buf.subarray(pos), block]) : block;
        pos = 0;
      }
      return true;
    };
    if (!fill(MAGIC.length) || !buf.subarray(0, MAGIC.length).equals(MAGIC)) throw new RecordFileError(name, "not a mirrorbench record file");
    pos = MAGIC.length;
    while (true) {
      if (!fill(4)) {
        if (buf.length - pos !== 0) throw new RecordFileError(name, "damaged (a record is cut short)");
        break;
      }
      const shared = buf.readUInt16LE(pos);
      const suffixBytes = buf.readUInt16LE(pos + 2);
      if (!fill(6 + suffixBytes)) throw new RecordFileError(name, "damaged (a record is cut short)");
      const payloadBytes = buf.readUInt16LE(pos + 4 + suffixBytes);
      if (!fill(6 + suffixBytes + payloadBytes)) throw new RecordFileError(name, "damaged (a record is cut short)");
      if (shared > prev.length) throw new RecordFileError(name, "damaged (bad path prefix)");
      const path = prev.slice(0, shared) + buf.toString("utf8", pos + 4, pos + 4 + suffixBytes);
      const payloadStart = pos + 6 + suffixBytes;
      pos = payloadStart + payloadBytes;
      prev = path;
      collectAfter(1);
      yield { path, payload: buf.subarray(payloadStart, payloadStart + payloadBytes), index: index++ };
    }
    if (index !== head!.count) throw new RecordFileError(name, `damaged (${index} records, the trailer says ${head!.count})`);
    if (hash !== head!.checksum) throw new RecordFileError(name, "damaged (checksum mismatch)");
  } finally {
    if (fd >= 0) fs.closeSync(fd);
  }
}

/** A whole pass without decoding payloads: the trailer's count and checksum hold. Throws RecordFileError. */
export function checkRecords(file: string): RecordHead {
  const head = readHead(file);
  for (const _ of readRecords(file, head));
  return head;
}
