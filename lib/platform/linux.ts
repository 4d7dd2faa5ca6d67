// Linux: drop_caches (or sudo, or cgroup v2 memory.reclaim, or fadvise per file), mincore residency, the mb-run meter, process groups, the file-system type from the mount table.
import fs from "node:fs";
import { DEFAULTS } from "../defaults";
import { findReclaimTarget, reclaimOnce, type CgroupFs, type ReclaimState, type ReclaimTarget } from "./cgroup";
import type { CacheDropResult, DropOptions, EvictResult, Platform } from "./types";
import { fadviseDontNeed, residentFraction } from "./libc";
import { flushDurable } from "./durable";
import { buildMeter } from "./meter";
import { settle } from "./settle";
import { killGroup, realCommands, syncFs, timed, walkFiles, type Commands, type FileWalker } from "./system";

const PROC_DROP_CACHES = "/proc/sys/vm/drop_caches";

/** What the Linux cache treatment touches: commands (sync, sudo), files (drop_caches, the cgroup tree), fadvise. Tests pass a recording fake. */
export interface LinuxSystem extends Commands, CgroupFs {
  uid(): number | null;
  pid(): number;
  /** posix_fadvise(DONTNEED) on each file of a stream (libc.ts). */
  fadvise(files: Iterable<string>): EvictResult;
  walkFiles: FileWalker;
  /** Runs fn when the process exits (the cgroup child route moves us back). */
  onExit(fn: () => void): void;
}

export const realLinuxSystem: LinuxSystem = {
  ...realCommands,
  uid: () => (typeof process.getuid === "function" ? process.getuid() : null),
  pid: () => process.pid,
  readFile: (file) => fs.readFileSync(file, "utf8"),
  // One write(2) whose errno comes back as the error's code (memory.reclaim answers EAGAIN when it got less than
  // asked); O_WRONLY without O_CREAT: a control file that is not there is ENOENT, never created.
  writeFile(file, data) {
    const fd = fs.openSync(file, fs.constants.O_WRONLY);
    try {
      fs.writeSync(fd, data);
    } finally {
      fs.closeSync(fd);
    }
  },
  mkdir: (dir) => fs.mkdirSync(dir),
  rmdir: (dir) => fs.rmdirSync(dir),
  fadvise: fadviseDontNeed,
  walkFiles,
  onExit: (fn) => void process.once("exit", fn),
};

/** The cgroup reclaim a platform object found on its first drop without root (or why there is none), kept for the next drops. */
export interface ReclaimSession {
  target: ReclaimTarget | { why: string } | null;
  state: ReclaimState;
}

export const newReclaimSession = (): ReclaimSession => ({ target: null, state: { swappinessKey: true } });

/** fadvise over the stream, or over the tree when the stream is empty (no list is built). */
function fadviseSource(sys: LinuxSystem, srcDir: string, files: Iterable<string>): EvictResult {
  const f = sys.fadvise(files);
  if (f.ok + f.failed > 0) return f;
  const total: EvictResult = { ok: 0, failed: 0 };
  sys.walkFiles(srcDir, (abs) => {
    const r = sys.fadvise([abs]);
    total.ok += r.ok;
    total.failed += r.failed;
    if (r.firstError !== undefined) total.firstError ??= r.firstError;
  });
  return total;
}

/**
 * Linux: drop_caches (root) → sudo -n tee → cgroup v2 memory.reclaim (delegated, no root) plus fadvise of the
 * source → fadvise alone → not-dropped. Every step that was tried and failed is named in the outcome.
 */
export function dropCachesLinux(srcDir: string, files: Iterable<string>, opts: DropOptions = {}, sys: LinuxSystem = realLinuxSystem, session: ReclaimSession = newReclaimSession()): Omit<CacheDropResult, "ms"> {
  const path = opts.dropCachesPath ?? PROC_DROP_CACHES;
  const reasons: string[] = [];
  syncFs(sys);
  try {
    sys.writeFile(path, "3");
    return { treatment: "dropped", detail: `sync; echo 3 > ${path}` };
  } catch (e) {
    reasons.push(`writing ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  // Root whose write failed (e.g. read-only /proc/sys in a container) gains nothing from sudo.
  if ((opts.trySudo ?? true) && sys.uid() !== 0) {
    if (sys.which("sudo")) {
      const r = sys.run(["sudo", "-n", "tee", path], { stdin: "3" });
      if (r.ok) return { treatment: "dropped", detail: `sync; echo 3 | sudo -n tee ${path}` };
      reasons.push(`sudo -n tee: ${r.why}`);
    } else {
      reasons.push("sudo not found");
    }
  }
  let reclaimed: string | null = null;
  if (opts.tryReclaim ?? true) {
    if (session.target === null) {
      session.target = findReclaimTarget(sys, sys.pid());
      const t = session.target;
      if ("release" in t && t.route === "child") sys.onExit(t.release);
    }
    const t = session.target;
    const r = "why" in t ? { ok: false as const, why: t.why } : reclaimOnce(sys, t.dir, session.state);
    if (r.ok) reclaimed = r.detail;
    else reasons.push(`cgroup v2 memory.reclaim: ${r.why}`);
  }
  // The stream is read once, file by file; an empty one means the caller has no list: walk the source.
  const f = fadviseSource(sys, srcDir, files);
  const partial = f.failed > 0 ? ` (${f.failed} failed: ${f.firstError})` : "";
  // Reclaim covers what was charged to our cgroup; fadvise the source pages some other cgroup first read.
  if (reclaimed) return { treatment: "reclaim", detail: `full drop not possible (${reasons.join("; ")}); ${reclaimed}; posix_fadvise DONTNEED on ${f.ok} source file(s)${partial}` };
  if (f.ok + f.failed === 0) return { treatment: `not-dropped: ${reasons.join("; ")}; no source files to fadvise` };
  if (f.ok === 0) {
    return { treatment: `not-dropped: ${reasons.join("; ")}; fadvise failed: ${f.firstError ?? "unknown"}` };
  }
  return {
    treatment: "fadvise",
    detail: `full drop not possible (${reasons.join("; ")}); evicted ${f.ok} source file(s) with posix_fadvise DONTNEED${partial}; dentries/inodes stay cached`,
  };
}

/** Unescapes a mountinfo path field (spaces, tabs, newlines and backslashes are written as \ooo octal). */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/**
 * The file-system type of the mount that holds `dir`: the longest mount point of /proc/self/mountinfo
 * that is `dir` or one of its parents (`stat -f` names ext4 "ext2/ext3", from the shared magic number).
 * Line format: id parent major:minor root mountpoint options [optional…] - fstype source superoptions.
 */
export function fsTypeFromMountinfo(mountinfo: string, dir: string): string | null {
  let best: { mp: string; type: string } | null = null;
  for (const line of mountinfo.split("\n")) {
    const f = line.split(" ");
    const dash = f.indexOf("-");
    if (f.length < 5 || dash < 0 || !f[dash + 1]) continue;
    const mp = unescapeMount(f[4]!);
    const inside = dir === mp || mp === "/" || dir.startsWith(mp.endsWith("/") ? mp : `${mp}/`);
    // A later mount on the same point hides an earlier one, so ties go to the later line.
    if (inside && (!best || mp.length >= best.mp.length)) best = { mp, type: f[dash + 1]! };
  }
  return best?.type ?? null;
}

function fsType(dir: string): string | null {
  try {
    return fsTypeFromMountinfo(fs.readFileSync("/proc/self/mountinfo", "utf8"), fs.realpathSync(dir));
  } catch {
    return null;
  }
}

export function linuxPlatform(sys: LinuxSystem = realLinuxSystem): Platform {
  let meter: ReturnType<typeof buildMeter> | null = null;
  const reclaim = newReclaimSession();
  return {
    name: "linux",
    async dropCaches(srcDir, files, opts) {
      return timed(() => dropCachesLinux(srcDir, files, opts, sys, reclaim));
    },
    residentFraction: (files, sampleMax = DEFAULTS.residencySampleFiles) => residentFraction(files, sampleMax),
    evict: (files) => sys.fadvise(files),
    meter: () => (meter ??= buildMeter("linux")),
    killTree: killGroup,
    fsType,
    flushDurable: (dst) => flushDurable(dst, { platform: "linux" }),
    settle: (req) => settle(req),
    shell: { kind: "posix", argv: (command) => ["/bin/sh", "-c", command] },
  };
}
