// macOS: sync && purge (root or a NOPASSWD sudo rule), else mmap + msync(MS_INVALIDATE) per source file; mincore residency; the meter; process groups; the file-system type from mount(8).
import { DEFAULTS } from "../defaults";
import { sampleEvenly } from "./libc";
import { MAP_FAILED, realDarwinSystem, type DarwinLibc, type DarwinSystem } from "./darwin-system";
import { darwinDurableSys, flushDurable } from "./durable";
import { buildMeter } from "./meter";
import { settle } from "./settle";
import { evictStreamOrTree, killGroup, syncFs, timed } from "./system";
import { countOf, type CacheDropResult, type DropOptions, type EvictResult, type Platform } from "./types";

// <sys/mman.h> on macOS (XNU bsd/sys/mman.h); glibc has the same values for these four.
const PROT_NONE = 0;
const PROT_READ = 1;
const MAP_SHARED = 1;
const MS_INVALIDATE = 2;
/** fio maps at most 16 GiB at a time (os/mac/posix.c, MMAP_CHUNK_SIZE). */
export const MSYNC_CHUNK_BYTES = 16 * 1024 ** 3;

const mapFailed = (addr: bigint) => addr === MAP_FAILED || addr === 0n;

/**
 * fio's discard_pages (axboe/fio os/mac/posix.c): map the file PROT_NONE + MAP_SHARED in chunks of at most
 * 16 GiB, msync(MS_INVALIDATE) each chunk (XNU: vm_object_sync with "discard pages"), munmap it. Clean pages
 * only: the caller syncs first. null when evicted, else why not.
 */
export function msyncInvalidate(sys: DarwinSystem, libc: DarwinLibc, file: string): string | null {
  const fd = sys.openRead(file);
  try {
    const sizeBytes = sys.fileSizeBytes(fd);
    if (sizeBytes === 0) return null;
    const pageBytes = libc.getpagesize();
    const lenBytes = Math.ceil(sizeBytes / pageBytes) * pageBytes;
    for (let off = 0; off < lenBytes; off += MSYNC_CHUNK_BYTES) {
      const n = Math.min(MSYNC_CHUNK_BYTES, lenBytes - off);
      const addr = libc.mmap(0, n, PROT_NONE, MAP_SHARED, fd, off);
      if (mapFailed(addr)) return `mmap(${file}): errno ${libc.errno()}`;
      try {
        if (libc.msync(addr, n, MS_INVALIDATE) !== 0) return `msync(${file}, MS_INVALIDATE): errno ${libc.errno()}`;
      } finally {
        libc.munmap(addr, n);
      }
    }
    return null;
  } finally {
    sys.close(fd);
  }
}

/** Evicts a stream of files with msyncInvalidate; with srcDir, an empty stream means every file below it. */
export function evictDarwin(sys: DarwinSystem, files: Iterable<string>, srcDir: string | null = null): EvictResult {
  const libc = sys.libc();
  if ("why" in libc) return { ok: 0, failed: countOf(files), firstError: libc.why };
  const one = (file: string) => {
    try {
      return msyncInvalidate(sys, libc, file);
    } catch (e) {
      return `open(${file}): ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
    }
  };
  return evictStreamOrTree(srcDir ?? "", files, one, srcDir === null ? () => {} : sys.walkFiles);
}

/** macOS: purge (root) → sudo -n purge → msync per source file → not-dropped; every step tried is named. */
export function dropCachesDarwin(srcDir: string, files: Iterable<string>, opts: DropOptions = {}, sys: DarwinSystem = realDarwinSystem): Omit<CacheDropResult, "ms"> {
  syncFs(sys);
  const reasons: string[] = [];
  if (sys.uid() === 0) {
    const r = sys.run(["purge"], { timeoutMs: DEFAULTS.cacheCommandTimeoutMs });
    if (r.ok) return { treatment: "purged", detail: "sync; purge" };
    reasons.push(`purge failed (${r.why})`);
  } else if ((opts.trySudo ?? true) && sys.which("sudo")) {
    const r = sys.run(["sudo", "-n", "purge"], { timeoutMs: DEFAULTS.cacheCommandTimeoutMs });
    if (r.ok) return { treatment: "purged", detail: "sync; sudo -n purge" };
    reasons.push(`purge needs root (sudo -n purge: ${r.why})`);
  } else reasons.push("purge needs root (sudo purge)");
  const libc = sys.libc();
  if ("why" in libc) return { treatment: `not-dropped: ${reasons.join("; ")}; no per-file eviction: ${libc.why}` };
  const f = evictDarwin(sys, files, srcDir);
  if (f.ok + f.failed === 0) return { treatment: `not-dropped: ${reasons.join("; ")}; no source files to evict` };
  if (f.ok === 0) return { treatment: `not-dropped: ${reasons.join("; ")}; msync eviction failed: ${f.firstError ?? "unknown"}` };
  const partial = f.failed > 0 ? ` (${f.failed} failed: ${f.firstError})` : "";
  return {
    treatment: "msync",
    detail: `full drop not possible (${reasons.join("; ")}); evicted ${f.ok} source file(s) with mmap + msync(MS_INVALIDATE) + munmap${partial}; directory metadata stays cached`,
  };
}

/** Fraction of the sampled files' pages in memory: mmap PROT_READ (no page is touched) + mincore, bit 0 = MINCORE_INCORE. */
export function residentFractionDarwin(sys: DarwinSystem, files: readonly string[], sampleMax = DEFAULTS.residencySampleFiles): number | null {
  const libc = sys.libc();
  if ("why" in libc) return null;
  const pageBytes = libc.getpagesize();
  if (!(pageBytes > 0)) return null;
  let resident = 0;
  let total = 0;
  for (const file of sampleEvenly(files, sampleMax)) {
    let fd = -1;
    try {
      fd = sys.openRead(file);
      const sizeBytes = sys.fileSizeBytes(fd);
      if (sizeBytes === 0) continue;
      const addr = libc.mmap(0, sizeBytes, PROT_READ, MAP_SHARED, fd, 0);
      if (mapFailed(addr)) return null;
      try {
        const vec = new Uint8Array(Math.ceil(sizeBytes / pageBytes));
        if (libc.mincore(addr, sizeBytes, vec) !== 0) return null;
        for (const v of vec) resident += v & 1;
        total += vec.length;
      } finally {
        libc.munmap(addr, sizeBytes);
      }
    } catch {
      return null;
    } finally {
      if (fd >= 0) sys.close(fd);
    }
  }
  return total === 0 ? null : resident / total;
}

/** The type of the longest mount point of `mount` output that holds `dir` ("/dev/disk1s1 on / (apfs, local…)"). */
export function fsTypeFromMount(mountOutput: string, dir: string): string | null {
  let best: { mp: string; type: string } | null = null;
  for (const line of mountOutput.split("\n")) {
    const m = /^.+ on (.+) \((\w+)/.exec(line);
    if (m && (dir === m[1] || dir.startsWith(m[1]!.endsWith("/") ? m[1]! : m[1] + "/")) && (!best || m[1]!.length > best.mp.length)) best = { mp: m[1]!, type: m[2]! };
  }
  return best?.type ?? null;
}

/** The workspace's file system: /sbin/mount's list, matched against the real path (/tmp is /private/tmp on macOS). */
export function fsTypeDarwin(sys: DarwinSystem, dir: string): string | null {
  let real = dir;
  try {
    real = sys.realpath(dir);
  } catch {
    /* a folder not made yet: its name as given */
  }
  const r = sys.run(["/sbin/mount"]);
  return r.ok ? fsTypeFromMount(r.stdout, real) : null;
}

export function darwinPlatform(sys: DarwinSystem = realDarwinSystem): Platform {
  let meter: ReturnType<typeof buildMeter> | null = null;
  return {
    name: "darwin",
    dropCaches: async (srcDir, files, opts) => timed(() => dropCachesDarwin(srcDir, files, opts, sys)),
    residentFraction: (files, sampleMax) => residentFractionDarwin(sys, files, sampleMax),
    evict: (files) => evictDarwin(sys, files),
    meter: () => (meter ??= buildMeter("darwin")),
    killTree: killGroup,
    fsType: (dir) => fsTypeDarwin(sys, dir),
    flushDurable: (dst) => flushDurable(dst, { platform: "darwin", darwin: darwinDurableSys(sys) }),
    // sync(8) as on Linux; no /proc/diskstats to wait on, so a wait records "no device to watch".
    settle: (req) => settle(req, { runSync: () => sys.run(["sync"], { timeoutMs: DEFAULTS.cacheCommandTimeoutMs }), resolve: () => ({ state: "none", reason: "no device to watch: /proc/diskstats is Linux's", fsType: null }) }),
    shell: { kind: "posix", argv: (command) => ["/bin/sh", "-c", command] },
  };
}
