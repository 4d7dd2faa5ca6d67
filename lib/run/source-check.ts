// Source integrity: an lstat snapshot of a scenario's source, compared after every run, so a tool that changes its source fails and the next tool is not blamed.
//
// Decisions (where the issue was silent):
// - One snapshot per scenario, one re-walk per run, outside the timed window; the root is entry "".
//   Per entry one string "kind|size|mtimeNs|ctimeNs|dev|ino|nlink|mode|target", in a sorted walk's
//   order: when nothing was added or removed both walks list the same paths at the same index, so
//   the common case is two string compares per entry and no Map at all.
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
import { DEFAULTS } from "../defaults";
import type { Log } from "../log";
import { lstatOrNull, walk } from "../safe-fs";

export interface SourceSnapshot {
  root: string;
  /** Paths in sorted pre-order ("" first) and their fingerprints, index for index. */
  paths: string[];
  fps: string[];
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

const KIND_ORDER: ChangeKind[] = ["added", "removed", "type", "replaced", "symlink target", "size", "mode", "mtime", "hard-linked", "ctime/metadata"];

export function snapshotSource(root: string): SourceSnapshot {
  const paths: string[] = [];
  const fps: string[] = [];
  const names = new Map<string, { nlink: bigint; seen: number }>();
  const add = (rel: string, abs: string): boolean => {
    const st = fs.lstatSync(abs, { bigint: true });
    const kind = st.isFile() ? "f" : st.isDirectory() ? "d" : st.isSymbolicLink() ? "l" : "o";
    const target = kind === "l" ? fs.readlinkSync(abs) : "";
    paths.push(rel);
    fps.push(`${kind}|${st.size}|${st.mtimeNs}|${st.ctimeNs}|${st.dev}|${st.ino}|${st.nlink}|${st.mode & 0o7777n}|${target}`);
    if (kind === "f" && st.nlink > 1n) {
      const key = `${st.dev}:${st.ino}`;
      const n = names.get(key) ?? { nlink: st.nlink, seen: 0 };
      n.seen++;
      names.set(key, n);
    }
    return kind === "d";
  };
  let rootIsDir = false;
  try {
    rootIsDir = add("", root);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  if (rootIsDir) walk(root, (rel, _kind, abs) => add(rel, abs), { sorted: true });
  let externalLinks = 0;
  for (const n of names.values()) if (n.nlink > BigInt(n.seen)) externalLinks++;
  return { root, paths, fps, externalLinks };
}

function fields(fp: string) {
  const parts = fp.split("|");
  return {
    kind: parts[0]!,
    size: parts[1]!,
    mtime: parts[2]!,
    ctime: parts[3]!,
    devIno: `${parts[4]}:${parts[5]}`,
    nlink: BigInt(parts[6]!),
    mode: parts[7]!,
    target: parts.slice(8).join("|"),
  };
}

/** Whether both walks listed the same paths in the same order (nothing added, removed or renamed). */
function sameShape(before: SourceSnapshot, after: SourceSnapshot): boolean {
  if (before.paths.length !== after.paths.length) return false;
  for (let i = 0; i < before.paths.length; i++) if (before.paths[i] !== after.paths[i]) return false;
  return true;
}

export function compareSnapshots(before: SourceSnapshot, after: SourceSnapshot): SourceChange[] {
  const out: SourceChange[] = [];
  const aligned = sameShape(before, after);
  const afterMap = aligned ? null : new Map(after.paths.map((p, i) => [p, after.fps[i]!]));
  for (let i = 0; i < before.paths.length; i++) {
    const p = before.paths[i]!;
    const fp = before.fps[i]!;
    const now = afterMap ? afterMap.get(p) : after.fps[i];
    if (now === fp) continue;
    if (now === undefined) {
      out.push({ path: p, kinds: ["removed"], devIno: null });
      continue;
    }
    const a = fields(fp);
    const b = fields(now);
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
    out.push({ path: p, kinds, devIno: b.kind === "f" ? b.devIno : null });
  }
  if (!aligned) {
    const had = new Set(before.paths);
    for (const p of after.paths) if (!had.has(p)) out.push({ path: p, kinds: ["added"], devIno: null });
  }
  const rank = (c: SourceChange) => KIND_ORDER.indexOf(c.kinds[0]!);
  return out.sort((x, y) => rank(x) - rank(y) || (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}

/** "a (size, mtime), b (added) and 4 more": the first few changes, most telling first. */
export function describeChanges(changes: SourceChange[]): string {
  const named = changes.slice(0, DEFAULTS.sourceChangesNamed).map((c) => `${c.path || "."} (${c.kinds.join(", ")})`);
  const more = changes.length - named.length;
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

export class SourceGuard {
  private snap: SourceSnapshot;
  private damagedBy: string | null = null;
  /** Milliseconds spent walking the source, for the log's cost line. */
  checkMs = 0;
  checks = 0;

  constructor(
    private readonly src: GuardedSource,
    private readonly log: Log,
  ) {
    this.snap = this.take();
  }

  private take(): SourceSnapshot {
    const t0 = performance.now();
    const s = snapshotSource(this.src.srcDir);
    this.checkMs += performance.now() - t0;
    this.checks++;
    return s;
  }

  /** Before a run's reset or restore (restore may read the source): rebuild a source the last tool damaged. */
  async beforeReset(): Promise<void> {
    if (!this.damagedBy || !this.src.rebuild) return;
    this.log.line(`Source ${this.src.srcDir} was modified by ${this.damagedBy}: rebuilding the source before the next run`);
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
    let now: SourceSnapshot;
    try {
      now = this.take();
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      return this.damaged(label, `modified the source: it can no longer be read (${err.code ?? err.message}${err.path ? ` ${err.path}` : ""})`, null);
    }
    const changes = compareSnapshots(this.snap, now);
    if (!changes.length) return null;
    const linked = new Map<string, string>();
    for (const c of changes) if (c.devIno && c.kinds.includes("hard-linked")) linked.set(c.devIno, c.path);
    const shared = linked.size && dstDir ? sharedInodes(dstDir, linked) : [];
    const sharedSrc = new Set(shared.map((s) => s.src));
    const unexplained = changes.filter((c) => !(sharedSrc.has(c.path) && c.kinds.every((k) => k === "hard-linked")));
    if (unexplained.length) return this.damaged(label, `modified the source: ${describeChanges(unexplained)}`, now);
    // Only the copy's links changed the source: keep looking from here (afterReset looks again once they are gone).
    this.snap = now;
    if (allowSourceLinks) return null;
    const names = shared.slice(0, DEFAULTS.sourceChangesNamed).map((s) => s.dst);
    const more = shared.length > names.length ? ` and ${shared.length - names.length} more` : "";
    return `destination shares ${plural(shared.length, "file")} with the source (hard links, not a copy): ${names.join(", ")}${more}`;
  }

  private damaged(label: string, reason: string, now: SourceSnapshot | null): string {
    this.damagedBy = label;
    this.src.invalidate?.(`${label} ${reason}`);
    // Without a way to rebuild, judge later runs against the damaged tree rather than blame them for it.
    if (!this.src.rebuild && now) this.snap = now;
    return reason;
  }

  /** After the scenario's last run: say where a damaged source was left. */
  finish(): void {
    if (this.damagedBy) this.log.line(`Source ${this.src.srcDir} was modified by ${this.damagedBy}: its cached dataset stays marked invalid and is regenerated on its next use`);
    this.log.file(`source check: ${plural(this.checks, "walk")} of ${this.src.srcDir}, ${this.snap.paths.length} entries, ${(this.checkMs / Math.max(1, this.checks)).toFixed(1)} ms each`);
  }
}
