// Datasets: plan a spec into an exact tree, generate it deterministically (in parallel), cache it by spec hash with a manifest.
//
// Layout of one cached dataset:  <datasetsRoot>/<specHash>/tree/…, manifest.json, complete (written last).
// Generation happens in <datasetsRoot>/.tmp-<specHash>-<pid>-<n>/ and is renamed into place, so a
// half-written dataset never carries the `complete` marker.
//
// Tree layout (decisions the issue left open):
// - Group g with count n, perDir p, depth d: L = ceil(n/p) leaf dirs. depth 0 puts the leaf dirs
//   directly in the group dir (g/d0/f0.dat); depth k adds k levels of intermediate dirs with the
//   smallest fan-out f such that f^k >= L. File i sits in leaf dir floor(i/p). Depth is therefore
//   never a capacity limit; checkSpec only reports path-length limits.
// - Name styles: short = "f0042.dat" / "d07" / "l3" (zero-padded so sorting = index order);
//   long = file and dir names padded to ~200 bytes; unicode = NFC names from several scripts
//   (incl. a non-BMP character); deep = a shared chain of DEEP_CHAIN_LEVELS extra 24-byte dirs between
//   the group dir and its tree (paths of ~1 KiB).
// - Extras live under "_extras/": empty/eN (empty dirs), symlinks/sN (relative links to group files),
//   hardlinks/hN (second names of group files). Executables (0755) and old mtimes (2001-01-01) are
//   applied to group files picked evenly through the file list.
// - Every file gets mtime FIXED_MTIME_MS (2020-01-01) unless it has an old mtime; dirs likewise.
// - Manifest fileCount counts every regular-file name (hard-link names too); totalBytes counts the
//   bytes of distinct files (a hard link adds no data). datasetTotals returns the same two numbers.
// - Content hash: wyhash64 (Bun.hash.wyhash) of each 1 MiB chunk seeded with the chunk index, then
//   for files over 1 MiB a wyhash of the chunk hashes seeded with the size (see worker.ts).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { createHash } from "node:crypto";
import type { DatasetSpec, FileGroup } from "../types.ts";
import { invalidReason, structureCheck } from "./check.ts";
import { removeEntry } from "../safe-fs.ts";
import { DEFAULTS } from "../defaults.ts";
import { Rng, contentKey, detExp, detLn, hashWords } from "../prng.ts";
import {
  HASH_CHUNK_BYTES,
  SPARSE_BLOCK_BYTES,
  combineChunkHashes,
  handleRequest,
  needsChmod,
  sparseBlocks,
  type ContentDesc,
  type HashPiece,
  type HashResult,
  type WorkerRequest,
  type WorkerResponse,
  type WritePiece,
} from "./worker.ts";

export interface ManifestEntry {
  path: string; // posix, relative
  type: "file" | "dir" | "symlink";
  size: number;
  mode: number;
  mtimeMs: number;
  hash?: string;
  target?: string;
  linkOf?: string;
}
export interface Manifest {
  version: 1;
  specHash: string;
  fileCount: number;
  totalBytes: number;
  entries: ManifestEntry[];
  /** How `hash` was computed, so a reader never compares hashes of different kinds. */
  hashAlgorithm?: string;
}
export interface DatasetHandle {
  dir: string;
  manifest: Manifest;
  reused: boolean;
  generateMs: number;
}
export interface Progress {
  start(label: string, totalFiles: number, totalBytes: number): void;
  /** Increments since the previous tick (not running totals). */
  tick(files: number, bytes: number): void;
  end(): void;
}

export const HASH_ALGORITHM = "wyhash64-1MiB-chunks-v1";
export const FIXED_MTIME_MS = Date.UTC(2020, 0, 1);
export const OLD_MTIME_MS = Date.UTC(2001, 0, 1);
export const EXTRAS_DIR = "_extras";
export const DEEP_CHAIN_LEVELS = 40;
const FILE_MODE = 0o644;
const EXEC_MODE = 0o755;
const DIR_MODE = 0o755;
/** Linux PATH_MAX is 4096 including the root prefix; keep this much for where the tree is placed. */
const PATH_ROOM_BYTES = 512;
const PATH_MAX_BYTES = 4096;
const NAME_MAX_BYTES = 255;
/** Files bigger than this are split into pieces written/hashed by several workers. */
export const PIECE_BYTES = 64 << 20;

// ---- errors -------------------------------------------------------------------------

/** Not enough disk for a dataset; message names the dataset and the space needed. */
export class DatasetSpaceError extends Error {
  constructor(
    message: string,
    readonly specHash: string,
    readonly neededBytes: number,
    readonly freeBytes: number,
  ) {
    super(message);
    this.name = "DatasetSpaceError";
  }
}

// ---- spec hash and checks ----------------------------------------------------------------

/** Canonical JSON (sorted keys) so field order in the YAML never changes the hash. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return "[" + v.map(canonical).join(",") + "]";
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return "{" + Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => JSON.stringify(k) + ":" + canonical(o[k])).join(",") + "}";
  }
  return JSON.stringify(v);
}

/** Generator version: bump when the bytes or layout for a given spec change, so old caches are not reused. */
const GENERATOR_VERSION = 1;

export function specHash(spec: DatasetSpec): string {
  return createHash("sha256").update(`mirrorbench-dataset-v${GENERATOR_VERSION}\n` + canonical(spec)).digest("hex").slice(0, 16);
}

/** Problems this module knows about (path/name limits, extras without files); [] when fine. */
export function checkSpec(spec: DatasetSpec): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  spec.groups.forEach((g, gi) => {
    const where = `groups[${gi}] (${g.name})`;
    if (g.name === EXTRAS_DIR) problems.push(`${where}: group name "${EXTRAS_DIR}" is reserved for dataset extras`);
    if (names.has(g.name)) problems.push(`${where}: duplicate group name`);
    names.add(g.name);
    if (g.count < 0 || !Number.isInteger(g.count)) problems.push(`${where}: count must be a non-negative integer`);
    if (g.perDir < 1) problems.push(`${where}: perDir must be >= 1`);
    if (g.minBytes > g.maxBytes) problems.push(`${where}: minBytes > maxBytes`);
    if (g.count < 1 || g.perDir < 1) return;
    const lay = groupLayout(g, 0);
    const longestFile = Buffer.byteLength(fileName(g, 0, g.count - 1, lay.fileDigits));
    const longestDir = Math.max(...lay.sampleDirNames.map((n) => Buffer.byteLength(n)));
    if (Math.max(longestFile, longestDir, Buffer.byteLength(g.name)) > NAME_MAX_BYTES) {
      problems.push(`${where}: names of style "${g.names}" would exceed NAME_MAX ${NAME_MAX_BYTES} bytes`);
    }
    const pathBytes = Buffer.byteLength(samplePath(g));
    if (pathBytes > PATH_MAX_BYTES - PATH_ROOM_BYTES) {
      problems.push(
        `${where}: paths would be ${pathBytes} bytes long (names "${g.names}", depth ${g.depth}); ` +
          `PATH_MAX is ${PATH_MAX_BYTES} and ${PATH_ROOM_BYTES} bytes are kept for the dataset location — lower depth or use shorter names`,
      );
    }
  });
  const totalFiles = spec.groups.reduce((s, g) => s + Math.max(0, g.count), 0);
  const x = spec.extras;
  for (const k of ["symlinks", "hardlinks", "executables", "oldMtimes"] as const) {
    if (x[k] > 0 && totalFiles === 0) problems.push(`extras.${k}: ${x[k]} requested but the dataset has no files`);
  }
  if (x.executables > totalFiles && totalFiles > 0) problems.push(`extras.executables: ${x.executables} > ${totalFiles} files`);
  if (x.oldMtimes > totalFiles && totalFiles > 0) problems.push(`extras.oldMtimes: ${x.oldMtimes} > ${totalFiles} files`);
  return problems;
}

// ---- plan ---------------------------------------------------------------------------------

interface PlannedFile {
  path: string; // relative posix
  sizeBytes: number;
  desc: ContentDesc;
  mode: number;
  mtimeMs: number;
}
export interface DatasetPlan {
  dirs: string[]; // relative, parents before children
  files: PlannedFile[];
  symlinks: { path: string; target: string; targetPath: string }[];
  hardlinks: { path: string; linkOf: string }[];
}

const UNICODE_WORDS = [
  "\u00e9t\u00e9", // été
  "na\u00efve",
  "\u00c5ngstr\u00f6m",
  "\u03a9\u03bc\u03ad\u03b3\u03b1", // Ωμέγα
  "\u041f\u0440\u0438\u0432\u0435\u0442", // Привет
  "\u65e5\u672c\u8a9e", // 日本語
  "\ud55c\uad6d\uc5b4", // 한국어
  "\u0639\u0631\u0628\u064a", // عربي
  "\u0939\u093f\u0928\u094d\u0926\u0940", // हिन्दी
  "\ud83c\udfb5music", // 🎵 (non-BMP)
  "Stra\u00dfe",
  "\u0161\u0165\u017e\u010d",
];
const LONG_NAME_BYTES = 200;

function pad(i: number, width: number): string {
  return String(i).padStart(width, "0");
}
function digits(n: number): number {
  return String(Math.max(0, n - 1)).length;
}

function longFiller(seedWord: number, a: number, b: number, bytes: number): string {
  const rng = new Rng(seedWord, 0x4c4f4e47, a, b);
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  let s = "";
  while (s.length < bytes) s += alphabet[rng.below(alphabet.length)];
  return s;
}

function styledName(g: FileGroup, kind: "f" | "d" | "l", index: number, width: number, gi: number, ext: string): string {
  const base = kind + pad(index, width);
  switch (g.names) {
    case "short":
    case "deep":
      return base + ext;
    case "long":
      return base + "_" + longFiller(gi, kind.charCodeAt(0), index, LONG_NAME_BYTES - base.length - 1 - ext.length) + ext;
    case "unicode": {
      const w = UNICODE_WORDS[(index + gi) % UNICODE_WORDS.length]!;
      return `${w}_${base}${ext}`;
    }
  }
}

function fileName(g: FileGroup, gi: number, i: number, width: number): string {
  return styledName(g, "f", i, width, gi, ".dat");
}

interface GroupLayout {
  leafDirs: number;
  fanout: number;
  fileDigits: number;
  leafDigits: number;
  fanDigits: number;
  sampleDirNames: string[];
  chain: string[];
}

function groupLayout(g: FileGroup, gi: number): GroupLayout {
  const leafDirs = Math.max(1, Math.ceil(g.count / Math.max(1, g.perDir)));
  let fanout = 1;
  if (g.depth > 0) {
    while (fanout ** g.depth < leafDirs) fanout++;
  }
  const chain: string[] = [];
  if (g.names === "deep") {
    for (let k = 0; k < DEEP_CHAIN_LEVELS; k++) chain.push(`deep${pad(k, 2)}_` + longFiller(gi, 0x44, k, 16));
  }
  const leafDigits = digits(leafDirs);
  const fanDigits = digits(fanout);
  return {
    leafDirs,
    fanout,
    fileDigits: digits(g.count),
    leafDigits,
    fanDigits,
    chain,
    sampleDirNames: [styledName(g, "d", leafDirs - 1, leafDigits, gi, ""), styledName(g, "l", fanout - 1, fanDigits, gi, ""), ...chain],
  };
}

/** Relative dir of leaf dir j (without the group name). */
function leafDirPath(g: FileGroup, gi: number, lay: GroupLayout, j: number): string[] {
  const parts = [...lay.chain];
  if (g.depth > 0) {
    const ds: number[] = [];
    let rest = j;
    for (let k = 0; k < g.depth; k++) {
      ds.push(rest % lay.fanout);
      rest = Math.floor(rest / lay.fanout);
    }
    for (const dgt of ds.reverse()) parts.push(styledName(g, "l", dgt, lay.fanDigits, gi, ""));
  }
  parts.push(styledName(g, "d", j, lay.leafDigits, gi, ""));
  return parts;
}

function samplePath(g: FileGroup): string {
  const lay = groupLayout(g, 0);
  const parts = [g.name, ...leafDirPath(g, 0, lay, lay.leafDirs - 1)];
  // The longest dir names sit at the highest indices.
  return parts.join("/") + "/" + fileName(g, 0, g.count - 1, lay.fileDigits);
}

function fileSize(g: FileGroup, rng: Rng): number {
  const lo = g.minBytes;
  const hi = g.maxBytes;
  if (hi <= lo) return lo;
  const u = rng.nextFloat();
  if (g.distribution === "log-uniform") {
    const a = detLn(Math.max(1, lo));
    const b = detLn(hi + 1);
    const v = Math.floor(detExp(a + u * (b - a)));
    return Math.min(hi, Math.max(lo, v));
  }
  return lo + Math.floor(u * (hi - lo + 1));
}

/** Exact list of what the spec produces; pure, no I/O. */
export function planDataset(spec: DatasetSpec): DatasetPlan {
  const dirs: string[] = [];
  const files: PlannedFile[] = [];
  spec.groups.forEach((g, gi) => {
    dirs.push(g.name);
    if (g.count <= 0) return;
    const lay = groupLayout(g, gi);
    const sizeRng = new Rng(spec.seed, 0x53495a45, gi);
    const seenDirs = new Set<string>();
    let chainDone = false;
    for (let j = 0; j < lay.leafDirs; j++) {
      const parts = leafDirPath(g, gi, lay, j);
      let cur = g.name;
      parts.forEach((p, k) => {
        cur += "/" + p;
        if (k < lay.chain.length) {
          if (!chainDone) dirs.push(cur);
        } else if (!seenDirs.has(cur)) {
          seenDirs.add(cur);
          dirs.push(cur);
        }
      });
      chainDone = true;
      const first = j * g.perDir;
      const last = Math.min(g.count, first + g.perDir);
      for (let i = first; i < last; i++) {
        const sizeBytes = fileSize(g, sizeRng);
        files.push({
          path: cur + "/" + fileName(g, gi, i, lay.fileDigits),
          sizeBytes,
          desc: { content: g.content, a: gi, b: i, sizeBytes, compressRatio: g.compressRatio },
          mode: FILE_MODE,
          mtimeMs: FIXED_MTIME_MS,
        });
      }
    }
  });
  const x = spec.extras;
  const symlinks: DatasetPlan["symlinks"] = [];
  const hardlinks: DatasetPlan["hardlinks"] = [];
  const hasExtras = x.emptyDirs + x.symlinks + x.hardlinks > 0;
  if (hasExtras) dirs.push(EXTRAS_DIR);
  const F = files.length;
  const pick = (tag: number, k: number, n: number): PlannedFile => {
    const offset = new Rng(spec.seed, 0x58545241, tag).below(F);
    return files[(Math.floor((k * F) / n) + offset) % F]!;
  };
  if (x.emptyDirs > 0) {
    dirs.push(`${EXTRAS_DIR}/empty`);
    for (let k = 0; k < x.emptyDirs; k++) dirs.push(`${EXTRAS_DIR}/empty/e${pad(k, digits(x.emptyDirs))}`);
  }
  if (F > 0) {
    for (let k = 0; k < Math.min(x.executables, F); k++) pick(1, k, Math.min(x.executables, F)).mode = EXEC_MODE;
    for (let k = 0; k < Math.min(x.oldMtimes, F); k++) pick(2, k, Math.min(x.oldMtimes, F)).mtimeMs = OLD_MTIME_MS;
    if (x.symlinks > 0) {
      dirs.push(`${EXTRAS_DIR}/symlinks`);
      for (let k = 0; k < x.symlinks; k++) {
        const t = pick(3, k, x.symlinks);
        symlinks.push({ path: `${EXTRAS_DIR}/symlinks/s${pad(k, digits(x.symlinks))}`, target: "../../" + t.path, targetPath: t.path });
      }
    }
    if (x.hardlinks > 0) {
      dirs.push(`${EXTRAS_DIR}/hardlinks`);
      for (let k = 0; k < x.hardlinks; k++) {
        hardlinks.push({ path: `${EXTRAS_DIR}/hardlinks/h${pad(k, digits(x.hardlinks))}`, linkOf: pick(4, k, x.hardlinks).path });
      }
    }
  }
  return { dirs, files, symlinks, hardlinks };
}

/**
 * Exact file count and bytes without generating (same numbers as the manifest's). A fixed size is
 * count × size; a range draws each file's size as the plan does, so it refuses counts no plan could
 * hold in this machine's memory (config load refuses those workloads first) instead of looping for hours.
 */
export function datasetTotals(spec: DatasetSpec): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  spec.groups.forEach((g, gi) => {
    if (g.count <= 0) return;
    if (g.maxBytes <= g.minBytes) bytes += g.count * g.minBytes;
    else {
      if (g.count * DEFAULTS.planBytesPerFile > os.totalmem()) {
        throw new Error(`datasetTotals: group ${g.name} has ${g.count} files of random size, more than a plan could hold in this machine's memory`);
      }
      const rng = new Rng(spec.seed, 0x53495a45, gi);
      for (let i = 0; i < g.count; i++) bytes += fileSize(g, rng);
    }
    files += g.count;
  });
  if (files > 0) files += spec.extras.hardlinks;
  return { files, bytes };
}

/** Bytes of the group's longest relative path (the highest-numbered file), for limits computed without a plan. */
export function longestPathBytes(g: FileGroup): number {
  return Buffer.byteLength(samplePath(g));
}

/** Disk blocks the tree will take (holes of sparse files excluded), for the up-front space check. */
function diskBytesNeeded(plan: DatasetPlan): number {
  const block = 4096;
  let total = (plan.dirs.length + plan.symlinks.length) * block;
  for (const f of plan.files) {
    if (f.desc.content === "sparse") total += sparseBlocks(f.sizeBytes).length * SPARSE_BLOCK_BYTES;
    else total += Math.ceil(f.sizeBytes / block) * block;
  }
  return total;
}

// ---- worker pool ----------------------------------------------------------------------------

type Req = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, "id" | "mirrorbenchData"> : never) : never;

/**
 * In a `bun build --compile` executable the worker is a second entrypoint, addressed from the
 * bundle root ("./lib/…"); import.meta.url there points at the executable, not at this file.
 */
function workerSpecifier(): string {
  return import.meta.url.startsWith("file:///$bunfs/") ? "./lib/datasets/worker.ts" : new URL("./worker.ts", import.meta.url).href;
}

/** Pools not closed yet: a run abandoned for overrunning its budget has its workers terminated (execute.ts). */
const livePools = new Set<DataPool>();

export function closeLivePools(): number {
  const n = livePools.size;
  for (const p of [...livePools]) p.close();
  return n;
}

/** Runs batches on N Bun Workers (or inline when N = 0); callers submit all work, then await. */
export class DataPool {
  private workers: Worker[] = [];
  private idle: Worker[] = [];
  private queue: { req: WorkerRequest; resolve: (r: WorkerResponse) => void }[] = [];
  private pending = new Map<number, (r: WorkerResponse) => void>();
  private nextId = 1;
  constructor(readonly size: number) {
    livePools.add(this);
    for (let i = 0; i < size; i++) {
      const w = new Worker(workerSpecifier());
      w.addEventListener("message", (ev: MessageEvent) => {
        const res = ev.data as WorkerResponse;
        const cb = this.pending.get(res.id);
        this.pending.delete(res.id);
        this.idle.push(w);
        this.pump();
        cb?.(res);
      });
      w.addEventListener("error", (ev: ErrorEvent) => {
        for (const [id, cb] of this.pending) cb({ id, ok: false, code: null, message: `data worker failed: ${ev.message}`, path: null });
        this.pending.clear();
      });
      this.workers.push(w);
      this.idle.push(w);
    }
  }
  run(r: Req): Promise<WorkerResponse> {
    const req = { ...r, id: this.nextId++, mirrorbenchData: true } as WorkerRequest;
    if (this.size === 0) return Promise.resolve(handleRequest(req));
    return new Promise((resolve) => {
      this.queue.push({ req, resolve });
      this.pump();
    });
  }
  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const w = this.idle.pop()!;
      const { req, resolve } = this.queue.shift()!;
      this.pending.set(req.id, resolve);
      w.postMessage(req);
    }
  }
  close(): void {
    livePools.delete(this);
    for (const w of this.workers) w.terminate();
    this.workers = [];
  }
}

/** Workers pay off above a few thousand files or tens of MiB; below, their start-up dominates. */
export function poolFor(files: number, bytes: number): DataPool {
  const cores = Number(process.env.MIRRORBENCH_DATA_WORKERS) || Math.max(1, Math.min(os.availableParallelism?.() ?? os.cpus().length, 8));
  const worth = files >= 2000 || bytes >= 64 << 20;
  return new DataPool(worth && cores > 1 ? cores : 0);
}

/** Batches of pieces: whole files grouped up to `batchBytes`/`batchFiles`, big files split into PIECE_BYTES ranges. */
export function batchBySize<T>(items: T[], bytesOf: (t: T) => number, batchFiles: number, batchBytes: number): T[][] {
  const batches: T[][] = [];
  let cur: T[] = [];
  let curBytes = 0;
  for (const it of items) {
    cur.push(it);
    curBytes += bytesOf(it);
    if (cur.length >= batchFiles || curBytes >= batchBytes) {
      batches.push(cur);
      cur = [];
      curBytes = 0;
    }
  }
  if (cur.length) batches.push(cur);
  return batches;
}

/** Hash many files (whole) with the pool, splitting big ones; results keyed by input index. */
export async function hashFiles(
  pool: DataPool,
  files: { path: string; sizeHint: number }[],
  onDone?: (files: number, bytes: number) => void,
): Promise<HashResult[]> {
  const results: HashResult[] = new Array(files.length);
  const jobs: Promise<void>[] = [];
  const small: { i: number; piece: HashPiece }[] = [];
  for (let i = 0; i < files.length; i++) {
    const f = files[i]!;
    if (f.sizeHint <= PIECE_BYTES) {
      small.push({ i, piece: { path: f.path, offsetBytes: 0, lengthBytes: 0, whole: true } });
      continue;
    }
    // Big file: stat here, hash ranges in parallel, combine.
    jobs.push(
      (async () => {
        let st: fs.BigIntStats;
        try {
          st = fs.lstatSync(f.path, { bigint: true });
        } catch (e) {
          results[i] = { error: (e as NodeJS.ErrnoException).code ?? String(e) };
          return;
        }
        const size = Number(st.size);
        const parts: Promise<WorkerResponse>[] = [];
        for (let off = 0; off < size || (off === 0 && size === 0); off += PIECE_BYTES) {
          parts.push(pool.run({ op: "hash", pieces: [{ path: f.path, offsetBytes: off, lengthBytes: Math.min(PIECE_BYTES, size - off), whole: false }] }));
          if (size === 0) break;
        }
        const rs = await Promise.all(parts);
        const chunks: bigint[] = [];
        for (const r of rs) {
          if (!r.ok) throw new Error(r.message);
          const hr = r.results![0]!;
          if (hr.error) {
            results[i] = { error: hr.error };
            return;
          }
          chunks.push(...hr.chunkHashes!);
        }
        results[i] = {
          hash: combineChunkHashes(chunks, size),
          size,
          mode: Number(st.mode),
          mtimeNs: st.mtimeNs,
          mtimeMs: Number(st.mtimeNs / 1000n) / 1000,
          ino: Number(st.ino),
        };
        onDone?.(1, size);
      })(),
    );
  }
  for (const batch of batchBySize(small, (s) => files[s.i]!.sizeHint, 1000, 32 << 20)) {
    jobs.push(
      pool.run({ op: "hash", pieces: batch.map((b) => b.piece) }).then((r) => {
        if (!r.ok) throw new Error(r.message);
        let bytes = 0;
        r.results!.forEach((hr, k) => {
          results[batch[k]!.i] = hr;
          bytes += hr.size ?? 0;
        });
        onDone?.(batch.length, bytes);
      }),
    );
  }
  await Promise.all(jobs);
  return results;
}

// ---- generation -------------------------------------------------------------------------------

function fmtBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let u = 0;
  let v = n;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}
export { fmtBytes as formatBytes };

function describeSpec(spec: DatasetSpec): string {
  const gs = spec.groups.map((g) => {
    const size = g.minBytes === g.maxBytes ? fmtBytes(g.minBytes) : `${fmtBytes(g.minBytes)}..${fmtBytes(g.maxBytes)} ${g.distribution}`;
    return `${g.name}: ${g.count} x ${size} ${g.content}`;
  });
  return `seed ${spec.seed}; ${gs.join("; ")}`;
}

/** Generate the planned tree into `treeDir` (which must exist and be empty); returns the manifest. */
export async function generateTree(spec: DatasetSpec, treeDir: string, hash: string, progress?: Progress, plan = planDataset(spec)): Promise<Manifest> {
  const totals = datasetTotals(spec);
  progress?.start(`dataset ${hash}`, totals.files, totals.bytes);
  for (const d of plan.dirs) {
    fs.mkdirSync(path.join(treeDir, d));
    if (needsChmod(DIR_MODE)) fs.chmodSync(path.join(treeDir, d), DIR_MODE);
  }
  const key = contentKey(spec.seed, 0x434f4e54);
  const pool = poolFor(plan.files.length, totals.bytes);
  const hashes: string[] = new Array(plan.files.length);
  try {
    const jobs: Promise<void>[] = [];
    const smallIdx: number[] = [];
    const fail = (r: WorkerResponse & { ok: false }): never => {
      const e = new Error(r.message) as NodeJS.ErrnoException;
      e.code = r.code ?? undefined;
      e.path = r.path ?? undefined;
      throw e;
    };
    plan.files.forEach((f, i) => {
      if (f.sizeBytes <= PIECE_BYTES) {
        smallIdx.push(i);
        return;
      }
      const abs = path.join(treeDir, f.path);
      const fd = fs.openSync(abs, "w", f.mode);
      fs.closeSync(fd);
      const parts: Promise<WorkerResponse>[] = [];
      for (let off = 0; off < f.sizeBytes; off += PIECE_BYTES) {
        const piece: WritePiece = { path: abs, desc: f.desc, offsetBytes: off, lengthBytes: Math.min(PIECE_BYTES, f.sizeBytes - off), whole: false, mode: f.mode, mtimeMs: f.mtimeMs };
        parts.push(pool.run({ op: "write", key, pieces: [piece] }));
      }
      jobs.push(
        Promise.all(parts).then((rs) => {
          const chunks: bigint[] = [];
          for (const r of rs) {
            if (!r.ok) fail(r);
            chunks.push(...(r as { hashes: bigint[][] }).hashes[0]!);
          }
          // Sparse: pwrite only wrote data blocks, so make sure the apparent size is right.
          fs.truncateSync(abs, f.sizeBytes);
          if (needsChmod(f.mode)) fs.chmodSync(abs, f.mode);
          fs.utimesSync(abs, f.mtimeMs / 1000, f.mtimeMs / 1000);
          hashes[i] = combineChunkHashes(chunks, f.sizeBytes);
          progress?.tick(1, f.sizeBytes);
        }),
      );
    });
    for (const batch of batchBySize(smallIdx, (i) => plan.files[i]!.sizeBytes, 2000, 64 << 20)) {
      const pieces: WritePiece[] = batch.map((i) => {
        const f = plan.files[i]!;
        return { path: path.join(treeDir, f.path), desc: f.desc, offsetBytes: 0, lengthBytes: f.sizeBytes, whole: true, mode: f.mode, mtimeMs: f.mtimeMs };
      });
      jobs.push(
        pool.run({ op: "write", key, pieces }).then((r) => {
          if (!r.ok) return fail(r);
          let bytes = 0;
          batch.forEach((i, k) => {
            hashes[i] = combineChunkHashes(r.hashes![k]!, plan.files[i]!.sizeBytes);
            bytes += plan.files[i]!.sizeBytes;
          });
          progress?.tick(batch.length, bytes);
        }),
      );
    }
    // Settle everything before failing, so no worker still writes into a dir we are about to remove.
    const settled = await Promise.allSettled(jobs);
    const bad = settled.find((s) => s.status === "rejected") as PromiseRejectedResult | undefined;
    if (bad) throw bad.reason;
  } finally {
    pool.close();
  }
  for (const l of plan.hardlinks) {
    fs.linkSync(path.join(treeDir, l.linkOf), path.join(treeDir, l.path));
    progress?.tick(1, 0);
  }
  for (const s of plan.symlinks) {
    const abs = path.join(treeDir, s.path);
    fs.symlinkSync(s.target, abs);
    fs.lutimesSync(abs, FIXED_MTIME_MS / 1000, FIXED_MTIME_MS / 1000);
  }
  // Dir mtimes last, children before parents, since creating entries changes them.
  for (let k = plan.dirs.length - 1; k >= 0; k--) {
    fs.utimesSync(path.join(treeDir, plan.dirs[k]!), FIXED_MTIME_MS / 1000, FIXED_MTIME_MS / 1000);
  }
  progress?.end();
  return buildManifest(hash, plan, hashes);
}

function buildManifest(hash: string, plan: DatasetPlan, hashes: string[]): Manifest {
  const entries: ManifestEntry[] = [];
  let totalBytes = 0;
  const byPath = new Map<string, ManifestEntry>();
  for (const d of plan.dirs) entries.push({ path: d, type: "dir", size: 0, mode: DIR_MODE, mtimeMs: FIXED_MTIME_MS });
  plan.files.forEach((f, i) => {
    const e: ManifestEntry = { path: f.path, type: "file", size: f.sizeBytes, mode: f.mode, mtimeMs: f.mtimeMs, hash: hashes[i] };
    entries.push(e);
    byPath.set(f.path, e);
    totalBytes += f.sizeBytes;
  });
  for (const l of plan.hardlinks) {
    const t = byPath.get(l.linkOf)!;
    entries.push({ ...t, path: l.path, linkOf: l.linkOf });
  }
  for (const s of plan.symlinks) {
    entries.push({ path: s.path, type: "symlink", size: Buffer.byteLength(s.target), mode: 0o777, mtimeMs: FIXED_MTIME_MS, target: s.target });
  }
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  fixLinkOf(entries);
  return { version: 1, specHash: hash, fileCount: plan.files.length + plan.hardlinks.length, totalBytes, entries, hashAlgorithm: HASH_ALGORITHM };
}

/** linkOf must name the first entry (in manifest order) of the inode, whatever name was created first. */
export function fixLinkOf(entries: ManifestEntry[]): void {
  const groups = new Map<string, ManifestEntry[]>();
  for (const e of entries) {
    if (e.type !== "file") continue;
    const root = e.linkOf ?? e.path;
    if (e.linkOf || groups.has(root)) {
      const g = groups.get(root) ?? [];
      g.push(e);
      groups.set(root, g);
    } else groups.set(root, [e]);
  }
  for (const [, g] of groups) {
    if (g.length < 2) continue;
    const first = g[0]!.path;
    g[0]!.linkOf = undefined;
    delete g[0]!.linkOf;
    for (const e of g.slice(1)) e.linkOf = first;
  }
}

// ---- cache --------------------------------------------------------------------------------------

export function datasetPaths(datasetsRoot: string, hash: string) {
  const dir = path.join(datasetsRoot, hash);
  return { dir, tree: path.join(dir, "tree"), manifest: path.join(dir, "manifest.json"), complete: path.join(dir, "complete") };
}

/** Quick check: every entry exists with the right type, size and mtime (1 ms); no extras looked for. */
export function quickCheck(treeDir: string, manifest: Manifest): string | null {
  for (const e of manifest.entries) {
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

/** Full check: the tree's structure (extras, types, modes, links) and every file's content hash against the manifest. */
export async function deepCheck(treeDir: string, manifest: Manifest, progress?: Progress): Promise<string | null> {
  const wrong = structureCheck(treeDir, manifest);
  if (wrong) return wrong;
  const files = manifest.entries.filter((e) => e.type === "file" && !e.linkOf);
  const pool = poolFor(files.length, manifest.totalBytes);
  try {
    progress?.start(`checking dataset ${manifest.specHash}`, files.length, manifest.totalBytes);
    const rs = await hashFiles(pool, files.map((e) => ({ path: path.join(treeDir, e.path), sizeHint: e.size })), (f, b) => progress?.tick(f, b));
    progress?.end();
    for (let i = 0; i < files.length; i++) {
      const r = rs[i]!;
      if (r.error) return `${files[i]!.path}: ${r.error}`;
      if (r.hash !== files[i]!.hash) return `${files[i]!.path} content differs from the manifest`;
    }
    return null;
  } finally {
    pool.close();
  }
}

export function readManifest(file: string): Manifest {
  const m = JSON.parse(fs.readFileSync(file, "utf8")) as Manifest;
  if (m.version !== 1 || !Array.isArray(m.entries)) throw new Error(`${file}: not a mirrorbench manifest v1`);
  return m;
}

function writeFileDurable(file: string, data: string): void {
  const fd = fs.openSync(file, "w", 0o644);
  try {
    fs.writeSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Remove leftovers of interrupted generations of this hash whose process is gone. */
function removeStaleTemps(datasetsRoot: string, hash: string): void {
  let names: string[] = [];
  try {
    names = fs.readdirSync(datasetsRoot);
  } catch {
    return;
  }
  for (const n of names) {
    const m = /^\.tmp-([0-9a-f]+)-(\d+)-\d+$/.exec(n);
    if (!m || m[1] !== hash) continue;
    const pid = Number(m[2]);
    if (pid === process.pid || !processAlive(pid)) removeEntry(path.join(datasetsRoot, n));
  }
}

let tempCounter = 0;

/** Generate into a temp dir then rename into place; the `complete` marker is the last write. */
export async function buildCached(
  datasetsRoot: string,
  hash: string,
  label: string,
  neededBytes: number,
  build: (treeDir: string) => Promise<Manifest>,
): Promise<{ dir: string; manifest: Manifest }> {
  const p = datasetPaths(datasetsRoot, hash);
  fs.mkdirSync(datasetsRoot, { recursive: true });
  const sf = fs.statfsSync(datasetsRoot);
  const freeBytes = Number(sf.bavail) * Number(sf.bsize);
  const spaceError = (why: string) =>
    new DatasetSpaceError(
      `dataset ${hash} (${label}) needs ${fmtBytes(neededBytes)}, ${fmtBytes(freeBytes)} free on the filesystem of ${datasetsRoot}${why}`,
      hash,
      neededBytes,
      freeBytes,
    );
  if (neededBytes > freeBytes) throw spaceError("");
  const tmp = path.join(datasetsRoot, `.tmp-${hash}-${process.pid}-${tempCounter++}`);
  removeEntry(tmp);
  fs.mkdirSync(tmp);
  try {
    const tree = path.join(tmp, "tree");
    fs.mkdirSync(tree);
    const manifest = await build(tree);
    writeFileDurable(path.join(tmp, "manifest.json"), JSON.stringify(manifest));
    try {
      fs.renameSync(tmp, p.dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if ((code === "ENOTEMPTY" || code === "EEXIST") && fs.existsSync(p.complete)) {
        // Someone else finished the same dataset first; theirs is as good as ours.
        removeEntry(tmp);
        return { dir: p.tree, manifest: readManifest(p.manifest) };
      }
      throw e;
    }
    writeFileDurable(p.complete, new Date().toISOString() + "\n");
    return { dir: p.tree, manifest };
  } catch (e) {
    removeEntry(tmp);
    if ((e as NodeJS.ErrnoException).code === "ENOSPC") throw spaceError(" (ran out of space while writing)");
    throw e;
  }
}

export async function ensureDataset(
  spec: DatasetSpec,
  datasetsRoot: string,
  opts: { verifyDataset?: boolean; progress?: Progress; onRegenerate?: (why: string) => void } = {},
): Promise<DatasetHandle> {
  const hash = specHash(spec);
  const p = datasetPaths(datasetsRoot, hash);
  const t0 = performance.now();
  removeStaleTemps(datasetsRoot, hash);
  if (fs.existsSync(p.complete)) {
    try {
      const manifest = readManifest(p.manifest);
      const quick = quickCheck(p.tree, manifest);
      const deep = !quick && opts.verifyDataset ? await deepCheck(p.tree, manifest, opts.progress) : null;
      if (!quick && !deep) return { dir: p.tree, manifest, reused: true, generateMs: performance.now() - t0 };
      opts.onRegenerate?.(quick ? `quick check found ${quick}` : `--verify-dataset found ${deep}`);
    } catch (e) {
      opts.onRegenerate?.(`its manifest is unreadable (${(e as Error).message})`);
    }
  } else {
    const invalid = invalidReason(p.dir);
    if (invalid) opts.onRegenerate?.(`marked invalid (${invalid})`);
  }
  // Incomplete, damaged or stale: it is ours, so start over.
  removeEntry(p.dir);
  const plan = planDataset(spec);
  const { dir, manifest } = await buildCached(datasetsRoot, hash, `spec ${describeSpec(spec)}`, diskBytesNeeded(plan), (tree) =>
    generateTree(spec, tree, hash, opts.progress, plan),
  );
  return { dir, manifest, reused: false, generateMs: performance.now() - t0 };
}

// ---- progress ---------------------------------------------------------------------------------

export function consoleProgress(stream: NodeJS.WriteStream | { isTTY?: boolean; write(s: string): any }): Progress {
  let label = "";
  let totalFiles = 0;
  let totalBytes = 0;
  let files = 0;
  let bytes = 0;
  let t0 = 0;
  let lastDrawMs = 0;
  const tty = !!stream.isTTY;
  const draw = (final: boolean) => {
    const elapsedS = (performance.now() - t0) / 1000;
    const frac = totalBytes > 0 ? bytes / totalBytes : totalFiles > 0 ? files / totalFiles : 1;
    const width = 24;
    const filled = Math.min(width, Math.round(frac * width));
    const rate = elapsedS > 0 ? bytes / elapsedS : 0;
    const eta = frac > 0 && !final ? elapsedS * (1 / frac - 1) : 0;
    const bar = "#".repeat(filled) + "-".repeat(width - filled);
    stream.write(
      `\r${label} [${bar}] ${files}/${totalFiles} files, ${fmtBytes(bytes)}/${fmtBytes(totalBytes)}, ${fmtBytes(rate)}/s, ETA ${eta.toFixed(0)}s\x1b[K` + (final ? "\n" : ""),
    );
  };
  return {
    start(l, f, b) {
      label = l;
      totalFiles = f;
      totalBytes = b;
      files = 0;
      bytes = 0;
      t0 = performance.now();
      if (tty) draw(false);
      else stream.write(`Generating ${l}: ${f} files, ${(b / 1048576).toFixed(1)} MiB...\n`);
    },
    tick(f, b) {
      files += f;
      bytes += b;
      const now = performance.now();
      if (tty && now - lastDrawMs > 100) {
        lastDrawMs = now;
        draw(false);
      }
    },
    end() {
      const s = (performance.now() - t0) / 1000;
      if (tty) draw(true);
      else stream.write(`Generated ${label}: ${files} files, ${(bytes / 1048576).toFixed(1)} MiB in ${s.toFixed(3)}s\n`);
    },
  };
}
