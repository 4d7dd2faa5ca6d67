// Linux: drop_caches (or sudo, or fadvise per file), mincore residency, the mb-run meter, process groups, the file-system type from the mount table.
import fs, { writeFileSync } from "node:fs";
import { DEFAULTS } from "../defaults";
import { walk } from "../safe-fs";
import type { CacheDropResult, DropOptions, FadviseResult, Platform } from "./types";
import { fadviseDontNeed, residentFraction } from "./libc";
import { buildMeter } from "./meter";
import { isRoot, killGroup, runSync, syncFs, timed } from "./system";

const PROC_DROP_CACHES = "/proc/sys/vm/drop_caches";

/** Evicts every regular file below `dir` as the walk finds it (no list); a missing dir evicts nothing. */
function evictTree(dir: string): FadviseResult {
  const total: FadviseResult = { ok: 0, failed: 0 };
  try {
    walk(dir, (_rel, kind, abs) => {
      if (kind !== "file") return;
      const r = fadviseDontNeed([abs]);
      total.ok += r.ok;
      total.failed += r.failed;
      if (r.firstError !== undefined) total.firstError ??= r.firstError;
    });
  } catch {
    // A missing source dir leaves nothing to evict; the caller reports that as not-dropped.
  }
  return total;
}

/** Linux: drop_caches (root) → sudo -n tee → fadvise on the source files → not-dropped. */
export function dropCachesLinux(srcDir: string, files: Iterable<string>, opts: DropOptions = {}): Omit<CacheDropResult, "ms"> {
  const path = opts.dropCachesPath ?? PROC_DROP_CACHES;
  const reasons: string[] = [];
  syncFs();
  try {
    writeFileSync(path, "3");
    return { treatment: "dropped", detail: `sync; echo 3 > ${path}` };
  } catch (e) {
    reasons.push(`writing ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  // Root whose write failed (e.g. read-only /proc/sys in a container) gains nothing from sudo.
  if ((opts.trySudo ?? true) && !isRoot()) {
    if (Bun.which("sudo")) {
      const r = runSync(["sudo", "-n", "tee", path], "3");
      if (r.ok) return { treatment: "dropped", detail: `sync; echo 3 | sudo -n tee ${path}` };
      reasons.push(`sudo -n tee: ${r.why}`);
    } else {
      reasons.push("sudo not found");
    }
  }
  // The stream is read once, file by file; an empty one means the caller has no list: walk the source.
  let f = fadviseDontNeed(files);
  if (f.ok + f.failed === 0) f = evictTree(srcDir);
  if (f.ok + f.failed === 0) return { treatment: `not-dropped: ${reasons.join("; ")}; no source files to fadvise` };
  if (f.ok === 0) {
    return { treatment: `not-dropped: ${reasons.join("; ")}; fadvise failed: ${f.firstError ?? "unknown"}` };
  }
  const partial = f.failed > 0 ? ` (${f.failed} failed: ${f.firstError})` : "";
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

export function linuxPlatform(): Platform {
  let meter: ReturnType<typeof buildMeter> | null = null;
  return {
    name: "linux",
    async dropCaches(srcDir, files, opts) {
      return timed(() => dropCachesLinux(srcDir, files, opts));
    },
    residentFraction: (files, sampleMax = DEFAULTS.residencySampleFiles) => residentFraction(files, sampleMax),
    evict: fadviseDontNeed,
    meter: () => (meter ??= buildMeter("linux")),
    killTree: killGroup,
    fsType,
    shell: { kind: "posix", argv: (command) => ["/bin/sh", "-c", command] },
  };
}
