// The data workers: a pool of Bun Workers (inline below a few thousand files) that write, hash and copy files in batches.
import * as fs from "node:fs";
import * as os from "node:os";
import { DEFAULTS } from "../defaults";
import { combineChunkHashes, type HashPiece, type HashResult } from "./content";
import { handleRequest, type WorkerRequest, type WorkerResponse } from "./worker";

/** What a pool request answers (the worker's response), for the pool's callers. */
export type { WorkerResponse };

/** Files bigger than this are split into pieces written/hashed by several workers. */
export const PIECE_BYTES = 64 << 20;

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
  /** `specifier`: the worker module (tests give one that fails to start). */
  constructor(
    readonly size: number,
    specifier = workerSpecifier(),
  ) {
    livePools.add(this);
    for (let i = 0; i < size; i++) {
      // smol: a smaller heap per worker (measured: 0-3 MiB less each while hashing, within the noise in time).
      const w = new Worker(specifier, { smol: true } as WorkerOptions);
      w.addEventListener("message", (ev: MessageEvent) => {
        const res = ev.data as WorkerResponse;
        const cb = this.pending.get(res.id);
        this.pending.delete(res.id);
        this.idle.push(w);
        this.pump();
        cb?.(res);
      });
      w.addEventListener("error", (ev: ErrorEvent) => this.fail(`data worker failed: ${ev.message}`));
      this.workers.push(w);
      this.idle.push(w);
    }
  }
  /** Why the pool can no longer answer (a worker died or never started), or null. */
  private broken: string | null = null;
  get failure(): string | null {
    return this.broken;
  }

  /**
   * A worker that dies, or fails to start, answers nothing more: every request waiting on any worker and
   * every later one fails at once with the reason (before, a worker that failed to load left generation
   * waiting forever on requests posted to it).
   */
  private fail(message: string): void {
    this.broken ??= message;
    const waiting = [...this.pending].map(([id, cb]) => ({ id, cb })).concat(this.queue.map((q) => ({ id: q.req.id, cb: q.resolve })));
    this.pending.clear();
    this.queue = [];
    this.idle = [];
    for (const { id, cb } of waiting) cb({ id, ok: false, code: null, message: this.broken, path: null });
  }

  run(r: Req): Promise<WorkerResponse> {
    const req = { ...r, id: this.nextId++, mirrorbenchData: true } as WorkerRequest;
    if (this.size === 0) return Promise.resolve(handleRequest(req));
    if (this.broken) return Promise.resolve({ id: req.id, ok: false, code: null, message: this.broken, path: null });
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

/**
 * Workers pay off above a few thousand files or tens of MiB; below, their start-up dominates. Work
 * that reads many small files ("io": verify, checks, restore) waits on the disk per file, so it gets
 * at least DEFAULTS.dataWorkersIo threads even on two cores (measured: verifying 1M cold files of
 * 1 B–1 KiB took 87 s on 2 workers, 42 s on 4); generation ("cpu") gets one per core. When the caller
 * measured the files to read to be in the page cache (`resident`), nothing waits on the disk: per
 * file, the worker's open/read/close costs about what the main thread's walk and lstat of it cost, so
 * threads pay off only for the bytes to hash (DEFAULTS.dataWorkerResidentMinBytes) — and each costs
 * ~10 MiB of peak RSS (measured: verifying 100k cached files of 1 B–1 KiB took 0.9 s inline at
 * 63 MiB peak, 0.9–1.4 s on 2 workers at 74–93 MiB, 1.2–1.3 s on 4 at 109–118 MiB). Small cached
 * files stay inline however many bytes they add up to (DEFAULTS.dataWorkerResidentMinFileBytes;
 * measured at load 3 on 2 cores: 100k of ~512 B 1.05–1.27 s inline against 1.8–2.1 s on 2 workers,
 * 40k of ~8 KiB 0.60–0.81 s against 0.72–0.83 s, 4k of ~128 KiB 0.32–0.57 s against 0.17–0.22 s).
 */
export function poolFor(files: number, bytes: number, kind: "cpu" | "io" = "cpu", resident = false): DataPool {
  return new DataPool(poolSize(files, bytes, kind, resident));
}

/** The workers poolFor starts for such a job (0: it runs inline); bench:scale's kernel floor writes with as many threads as generation. */
export function poolSize(files: number, bytes: number, kind: "cpu" | "io" = "cpu", resident = false): number {
  const cores = Math.max(1, Math.min(os.availableParallelism?.() ?? os.cpus().length, DEFAULTS.dataWorkersMax));
  const io = kind === "io" && !resident;
  const wanted = Number(process.env.MIRRORBENCH_DATA_WORKERS) || (io && files >= DEFAULTS.dataWorkerMinFiles ? Math.max(cores, DEFAULTS.dataWorkersIo) : cores);
  const worth = kind === "io" && resident ? bytes >= DEFAULTS.dataWorkerResidentMinBytes && bytes >= files * DEFAULTS.dataWorkerResidentMinFileBytes : files >= DEFAULTS.dataWorkerMinFiles || bytes >= DEFAULTS.dataWorkerMinBytes;
  return worth && wanted > 1 ? wanted : 0;
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
        let st: fs.Stats;
        try {
          st = fs.lstatSync(f.path);
        } catch (e) {
          results[i] = { error: (e as NodeJS.ErrnoException).code ?? String(e) };
          return;
        }
        const size = st.size;
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
          mode: st.mode,
          mtimeMs: st.mtimeMs,
          ino: st.ino,
          dev: st.dev,
          nlink: st.nlink,
          uid: st.uid,
          gid: st.gid,
          blocks: st.blocks,
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

/**
 * Files hashed as they are fed, in batches on the pool, with a bounded number of batches in flight
 * (so a million-file stream never becomes a million pending items); `onBatch` sees each batch's
 * items and results in feed order.
 */
export class HashStream<T> {
  private items: T[] = [];
  private files: { path: string; sizeHint: number }[] = [];
  private bytes = 0;
  private inFlight: Promise<void>[] = [];
  private last: Promise<void> = Promise.resolve();
  private readonly maxInFlight: number;

  constructor(
    private readonly pool: DataPool,
    private readonly onBatch: (items: T[], results: HashResult[]) => void,
    opts: { batchFiles?: number; batchBytes?: number } = {},
  ) {
    this.maxInFlight = 2 * pool.size + 2;
    this.batchFiles = opts.batchFiles ?? 1000;
    this.batchBytes = opts.batchBytes ?? 32 << 20;
  }
  private readonly batchFiles: number;
  private readonly batchBytes: number;

  /** Queues one file; resolves once there is room for more. */
  async add(item: T, path: string, sizeHint: number): Promise<void> {
    this.items.push(item);
    this.files.push({ path, sizeHint });
    this.bytes += sizeHint;
    if (this.items.length >= this.batchFiles || this.bytes >= this.batchBytes) await this.submit();
  }

  private async submit(): Promise<void> {
    if (!this.items.length) return;
    const items = this.items;
    const files = this.files;
    this.items = [];
    this.files = [];
    this.bytes = 0;
    const hashed = hashFiles(this.pool, files);
    const prev = this.last;
    const done = Promise.all([prev, hashed]).then(([, rs]) => this.onBatch(items, rs));
    this.last = done.catch(() => {});
    this.inFlight.push(done);
    done.catch(() => {}); // awaited below or in finish(); never unhandled
    while (this.inFlight.length >= this.maxInFlight) await this.inFlight.shift();
  }

  /** Submits the rest and waits for every batch; the first failure is thrown after all have settled. */
  async finish(): Promise<void> {
    await this.submit();
    const settled = await Promise.allSettled(this.inFlight);
    this.inFlight = [];
    const bad = settled.find((s) => s.status === "rejected") as PromiseRejectedResult | undefined;
    if (bad) throw bad.reason;
  }
}
