// Source integrity: an lstat snapshot of a scenario's source, compared after every run, so a tool that changes its source fails and the next tool is not blamed.
//
// Decisions (where the issue was silent):
// - One snapshot per scenario, one re-walk per run, outside the timed window; the root is entry "".
//   The snapshot is packed records in memory (datasets/records.ts; in memory so no tool can reach
//   or swap it, unlike a file in the workspace) in tree order, one fixed-size
//   fingerprint (kind, mode, nlink, size, mtime and ctime in ns, dev, ino; + symlink target) per
//   entry; a run's check is one sorted walk merged with it, so memory holds one directory listing
//   per level and the first DEFAULTS.sourceChangesKept changes, never an object per file. Changes
//   past that many are counted, and cannot be excused as the copy's hard links.
// - ctime is compared too (it catches content rewritten with the old mtime put back), so anything
//   that links to or unlinks from a source inode moves it. Hard links a destination holds to the
//   source are therefore explained rather than blamed: a change that is only "hard-linked" on an
//   inode the destination shares is the copy's fault (failed as "shares … with the source" unless
//   verify.allow_source_links), and while anything outside the tree links to a source inode, the
//   snapshot is taken again after each reset (which removes such links and moves ctimes again).
// - A damaged source is marked invalid at once (the cache's `complete` marker goes), and rebuilt
//   lazily before the next run of the scenario; after the last run it stays invalid, so its next use
//   (next scenario, next invocation) regenerates it and says so.
import { plural } from "../text";
import fs from "node:fs";
import path from "node:path";
import { DataPool } from "../datasets/pool";
import { RecordFileError } from "../datasets/records";
import type { WorkerResponse } from "../datasets/worker";
import { DEFAULTS } from "../defaults";
import { pidAlive } from "../lock";
import type { Log } from "../log";
import { lstatOrNull, walk } from "../safe-fs";
import { compareSnapshots, snapshotSource, type SourceChanges, type SourceSnapshot } from "../datasets/source-snapshot";
import { ProfileTaker, type SourceProfile } from "./source-profile";

export { compareSnapshots, snapshotSource, type ChangeKind, type SourceChange, type SourceChanges, type SourceSnapshot } from "../datasets/source-snapshot";
/** "a (size, mtime), b (added) and 4 more": the first few changes, most telling first. */
export function describeChanges(found: SourceChanges): string {
  const named = found.changes.slice(0, DEFAULTS.sourceChangesNamed).map((c) => `${c.path || "."} (${c.kinds.join(", ")})`);
  const more = found.total - named.length;
  return named.join(", ") + (more > 0 ? ` and ${more} more` : "");
}

/** Destination files that are the same inode as a source file listed in `devInos`, with the source's path. */
export function sharedInodes(dstDir: string, devInos: Map<string, string>): { dst: string; src: string }[] {
  const out: { dst: string; src: string }[] = [];
  if (!lstatOrNull(dstDir)?.isDirectory()) return out;
  walk(
    dstDir,
    (rel, kind, abs) => {
      if (kind !== "file") return;
      const s = fs.lstatSync(abs, { bigint: true });
      if (s.nlink < 2n) return;
      const src = devInos.get(`${s.dev}:${s.ino}`);
      if (src !== undefined) out.push({ dst: rel, src });
    },
    { sorted: true },
  );
  return out;
}

/** What the guard needs of a scenario's source: where it is, and how to mark it invalid and rebuild it. */
export interface GuardedSource {
  srcDir: string;
  invalidate?: (reason: string) => void;
  rebuild?: () => Promise<void>;
}

export interface GuardOptions {
  /** Take the source's profile along the first snapshot (the same-work checks read it). */
  profile?: boolean;
  /**
   * A real directory of ours in the workspace to keep the snapshot in, as a record file, rather than in
   * memory (~60 bytes an entry: 60 MB for a million); removed by finish().
   */
  spillDir?: string | null;
  /** afterRunBeside walks the source on a data thread (when the snapshot is a file): the harness asks for it for a big source (DEFAULTS.sourceCheckThreadMinEntries). */
  checkOnThread?: boolean;
  /** The data thread's module (DataPool's; tests give one that fails to start, to see the check fall back to the main thread). */
  threadModule?: string;
}

/** Snapshot files a killed run left (its pid is gone): ours, by name, in our own folder; a live run's are left alone. */
function sweepLeftovers(dir: string): void {
  for (const name of fs.readdirSync(dir)) {
    const pid = Number(/^source-(\d+)-\d+\.rec$/.exec(name)?.[1] ?? NaN);
    if (Number.isInteger(pid) && pid !== process.pid && !pidAlive(pid)) fs.rmSync(path.join(dir, name), { force: true });
  }
}

export class SourceGuard {
  private snap: SourceSnapshot;
  private damagedBy: string | null = null;
  /** Whether the last damage was to our snapshot (the source could not be checked) rather than a change found in the source. */
  private snapshotDamaged = false;
  private damageText = () => (this.snapshotDamaged ? `could not be checked after ${this.damagedBy} (it damaged mirrorbench's snapshot of the source)` : `was modified by ${this.damagedBy}`);
  /** Milliseconds spent walking the source, for the log's cost line. */
  checkMs = 0;
  checks = 0;

  /** What the whole source has for the same-work checks (owner, holes, xattrs), taken along the first snapshot's lstat walk when asked. */
  readonly profile: SourceProfile | null;
  /** The snapshot's record file when it is kept on disk (GuardOptions.spillDir), else null. */
  private file: string | null = null;
  private files = 0;

  constructor(
    private readonly src: GuardedSource,
    private readonly log: Log,
    private readonly opts: GuardOptions = {},
  ) {
    if (opts.spillDir) sweepLeftovers(opts.spillDir);
    const taker = opts.profile ? new ProfileTaker() : null;
    this.snap = this.take(taker ? (st, abs) => taker.add(st, () => abs) : undefined);
    this.profile = taker ? taker.result() : null;
  }

  private take(onEntry?: (st: fs.BigIntStats, abs: string) => void): SourceSnapshot {
    const t0 = performance.now();
    const old = this.file;
    const file = this.opts.spillDir ? path.join(this.opts.spillDir, `source-${process.pid}-${++this.files}.rec`) : null;
    // A leftover of a killed run that had our pid: ours to replace (rm removes a link itself, never its target).
    if (file) fs.rmSync(file, { force: true });
    let s: SourceSnapshot;
    try {
      s = snapshotSource(this.src.srcDir, onEntry, file ?? undefined);
    } catch (e) {
      if (file) fs.rmSync(file, { force: true });
      throw e;
    }
    this.file = file;
    if (old) fs.rmSync(old, { force: true });
    this.checkMs += performance.now() - t0;
    this.checks++;
    return s;
  }

  private compare(): SourceChanges {
    const t0 = performance.now();
    const found = compareSnapshots(this.snap, this.src.srcDir);
    this.last = { ms: performance.now() - t0, thread: false };
    this.checkMs += this.last.ms;
    this.checks++;
    return found;
  }

  /** Before a run's reset or restore (restore may read the source): rebuild a source the last tool damaged. */
  async beforeReset(): Promise<void> {
    if (!this.damagedBy || !this.src.rebuild) return;
    this.log.line(`Source ${this.src.srcDir} ${this.damageText()}: rebuilding the source before the next run`);
    await this.src.rebuild();
    this.damagedBy = null;
    this.snap = this.take();
  }

  /** After the reset: it removed a destination's links to the source, which moved the source's ctimes. */
  afterReset(): void {
    if (this.snap.externalLinks > 0) this.snap = this.take();
  }

  /**
   * After the run, outside the timed window: why it fails (it modified the source, or its copy
   * shares the source's inodes), or null. `dstDir` is null when the destination is not a real
   * directory (then no inodes can be shared through it).
   */
  afterRun(label: string, dstDir: string | null, allowSourceLinks: boolean): string | null {
    let found: SourceChanges;
    try {
      found = this.compare();
    } catch (e) {
      return this.unreadable(label, e as NodeJS.ErrnoException, e instanceof RecordFileError);
    }
    return this.judge(label, dstDir, allowSourceLinks, found);
  }

  /**
   * afterRun with the walk on a data thread (GuardOptions.checkOnThread, a snapshot kept in a file): the
   * caller verifies the copy on the main thread meanwhile (two cores, two walks of a million entries
   * each). Inline (afterRun) otherwise — a smaller source, where the thread's ~10 MiB is not worth a
   * second's walk — and when the thread cannot start.
   */
  async afterRunBeside(label: string, dstDir: string | null, allowSourceLinks: boolean): Promise<string | null> {
    const snap = this.snap;
    if (!this.opts.checkOnThread || typeof snap.records !== "string") return this.afterRun(label, dstDir, allowSourceLinks);
    const pool = new DataPool(1, this.opts.threadModule);
    let r: WorkerResponse;
    try {
      r = await pool.run({ op: "compareSource", snapshot: { ...snap, records: snap.records }, root: this.src.srcDir });
    } finally {
      pool.close();
    }
    if (r.ok) {
      // The thread's own time: the main thread may answer its message late, busy verifying.
      this.checkMs += r.ms!;
      this.checks++;
      this.last = { ms: r.ms!, thread: true };
      return this.judge(label, dstDir, allowSourceLinks, r.found!);
    }
    if (pool.failure) {
      this.log.file(`source check: no data thread (${pool.failure.replace(/\s+/g, " ").trim()}); checked on the main thread`);
      return this.afterRun(label, dstDir, allowSourceLinks);
    }
    return this.unreadable(label, Object.assign(new Error(r.message), { code: r.code ?? undefined, path: r.path ?? undefined }), !!r.records);
  }
  /** The last walk's time, and whether it ran on a data thread (afterRunBeside) rather than the main thread. */
  last: { ms: number; thread: boolean } | null = null;

  /** The check could not be made: our snapshot file is damaged (`records`), or the source no longer reads. */
  private unreadable(label: string, err: NodeJS.ErrnoException, records: boolean): string {
    // The snapshot file itself (in the workspace, where a tool may write): the source can no longer be vouched for.
    this.snapshotDamaged = records || (this.file !== null && err.path === this.file);
    if (this.snapshotDamaged) return this.damaged(label, `damaged mirrorbench's snapshot of the source (${err.message}), so the source cannot be checked`);
    return this.damaged(label, `modified the source: it can no longer be read (${err.code ?? err.message}${err.path ? ` ${err.path}` : ""})`);
  }

  /** A run's changes found: why it fails, or null (only the copy's links changed the source, and they are allowed). */
  private judge(label: string, dstDir: string | null, allowSourceLinks: boolean, found: SourceChanges): string | null {
    this.snapshotDamaged = false;
    if (!found.total) return null;
    const { changes } = found;
    const linked = new Map<string, string>();
    for (const c of changes) if (c.devIno && c.kinds.includes("hard-linked")) linked.set(c.devIno, c.path);
    const shared = linked.size && dstDir ? sharedInodes(dstDir, linked) : [];
    const sharedSrc = new Set(shared.map((s) => s.src));
    const unexplained = changes.filter((c) => !(sharedSrc.has(c.path) && c.kinds.every((k) => k === "hard-linked")));
    // Changes beyond the kept ones cannot be explained by the copy's links: they count as modifications.
    const beyond = found.total - changes.length;
    if (unexplained.length || beyond > 0) return this.damaged(label, `modified the source: ${describeChanges({ changes: unexplained.length ? unexplained : changes, total: unexplained.length + beyond })}`);
    // Only the copy's links changed the source: keep looking from here (afterReset looks again once they are gone).
    this.snap = this.take();
    if (allowSourceLinks) return null;
    const names = shared.slice(0, DEFAULTS.sourceChangesNamed).map((s) => s.dst);
    const more = shared.length > names.length ? ` and ${shared.length - names.length} more` : "";
    return `destination shares ${plural(shared.length, "file")} with the source (hard links, not a copy): ${names.join(", ")}${more}`;
  }

  private damaged(label: string, reason: string): string {
    this.damagedBy = label;
    this.src.invalidate?.(`${label} ${reason}`);
    // Without a way to rebuild, judge later runs against the damaged tree rather than blame them for it.
    if (!this.src.rebuild) {
      try {
        this.snap = this.take();
      } catch {
        /* unreadable: the next run's check says so again */
      }
    }
    return reason;
  }

  /** After the scenario's last run: say where a damaged source was left. */
  finish(): void {
    if (this.file) fs.rmSync(this.file, { force: true });
    if (this.damagedBy) this.log.line(`Source ${this.src.srcDir} ${this.damageText()}: its cached dataset stays marked invalid and is regenerated on its next use`);
    this.log.file(`source check: ${plural(this.checks, "walk")} of ${this.src.srcDir}, ${this.snap.entries} entries, ${(this.checkMs / Math.max(1, this.checks)).toFixed(1)} ms each`);
  }
}
