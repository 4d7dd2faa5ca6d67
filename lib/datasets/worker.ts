// The data worker: one build entry (package.json's build script names it) that answers the pool's write / hash / copy requests with content.ts, and a source check against a snapshot file.
import { DataContext, type HashPiece, type HashResult, type WritePiece } from "./content";
import { copyFiles, type CopyItem } from "./copy";
import { nativeWhyNot, writeLeaf, type LeafWork } from "./leaf";
import { RecordFileError } from "./records";
import { compareSnapshots, type SourceChanges, type SourceSnapshot } from "./source-snapshot";

export type WorkerRequest =
  | { mirrorbenchData: true; id: number; op: "write"; key: Uint8Array; pieces: WritePiece[] }
  | { mirrorbenchData: true; id: number; op: "writeLeaf"; key: Uint8Array; leaf: LeafWork }
  | { mirrorbenchData: true; id: number; op: "hash"; pieces: HashPiece[] }
  | { mirrorbenchData: true; id: number; op: "copy"; items: CopyItem[] }
  | { mirrorbenchData: true; id: number; op: "compareSource"; snapshot: SourceSnapshot & { records: string }; root: string };

export type WorkerResponse =
  | { id: number; ok: true; hashes?: bigint[][]; results?: HashResult[]; marks?: bigint[]; leafHashes?: BigUint64Array; nativeWhyNot?: string; found?: SourceChanges; ms?: number }
  | { id: number; ok: false; code: string | null; message: string; path: string | null; records?: true };

let ctx: DataContext | null = null;
let ctxKeyHex = "";

function keyed(key: Uint8Array): DataContext {
  const keyHex = Buffer.from(key).toString("hex");
  if (!ctx || ctxKeyHex !== keyHex) {
    ctx = new DataContext(Buffer.from(key));
    ctxKeyHex = keyHex;
  }
  return ctx;
}

/** Run a request in this thread; shared by the inline path and the Worker. */
export function handleRequest(req: WorkerRequest): WorkerResponse {
  try {
    switch (req.op) {
      case "write":
        return { id: req.id, ok: true, hashes: req.pieces.map((p) => keyed(req.key).write(p)) };
      case "writeLeaf":
        return { id: req.id, ok: true, leafHashes: writeLeaf(keyed(req.key), req.leaf), nativeWhyNot: nativeWhyNot(req.leaf) };
      case "hash": {
        const c = ctx ?? (ctx = new DataContext(Buffer.alloc(16)));
        return { id: req.id, ok: true, results: req.pieces.map((p) => c.hash(p)) };
      }
      case "copy":
        return { id: req.id, ok: true, marks: copyFiles(req.items) };
      case "compareSource": {
        const t0 = performance.now();
        const found = compareSnapshots(req.snapshot, req.root);
        return { id: req.id, ok: true, found, ms: performance.now() - t0 };
      }
    }
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    // A damaged record file says so across the thread: the guard tells it from a source that cannot be read.
    return { id: req.id, ok: false, code: err.code ?? null, message: err.message ?? String(e), path: err.path ?? null, ...(e instanceof RecordFileError ? { records: true as const } : {}) };
  }
}

declare const self: Worker;
if (!Bun.isMainThread) {
  // Only answer our own messages, so importing this module from another worker is harmless.
  self.addEventListener("message", (ev: MessageEvent) => {
    const req = ev.data as WorkerRequest;
    if (!req || req.mirrorbenchData !== true) return;
    self.postMessage(handleRequest(req));
    // A batch (hashing, copying, a leaf directory's files written) leaves garbage (paths, results);
    // collecting after each keeps the worker's heap flat (measured on 100k files of 1 B–1 KiB against
    // collecting every 4th hash batch and never while writing: generation on 2 workers 6-7 MiB lower in
    // the same CPU time; verify on 4 workers 87-88 MiB instead of 105, for 1.2-1.6 s instead of
    // 1.2-1.5 s, noisy). Not after a big file's piece: that garbage is one reused buffer, and the
    // collector's page churn there cost more system time than it saved.
    if (req.op !== "write") Bun.gc(true);
  });
}
