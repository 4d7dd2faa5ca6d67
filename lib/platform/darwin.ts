// macOS: sync && purge (root, or a NOPASSWD sudo rule), the mb-run meter, process groups, the file-system type from mount(8).
import { DEFAULTS } from "../defaults";
import { countOf, type CacheDropResult, type DropOptions, type Platform } from "./types";
import { buildMeter } from "./meter";
import { isRoot, killGroup, runSync, syncFs, timed } from "./system";

/** macOS: `sync && purge` needs root; sudo -n is tried so a NOPASSWD rule works unattended. */
export function dropCachesDarwin(opts: DropOptions = {}): Omit<CacheDropResult, "ms"> {
  syncFs();
  if (isRoot()) {
    const r = runSync(["purge"], undefined, DEFAULTS.cacheCommandTimeoutMs);
    return r.ok ? { treatment: "purged", detail: "sync; purge" } : { treatment: `not-dropped: purge failed (${r.why})` };
  }
  if ((opts.trySudo ?? true) && Bun.which("sudo")) {
    const r = runSync(["sudo", "-n", "purge"], undefined, DEFAULTS.cacheCommandTimeoutMs);
    if (r.ok) return { treatment: "purged", detail: "sync; sudo -n purge" };
    return { treatment: "not-dropped: purge needs root (sudo purge)", detail: `sudo -n purge: ${r.why}` };
  }
  return { treatment: "not-dropped: purge needs root (sudo purge)" };
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

export function darwinPlatform(): Platform {
  let meter: ReturnType<typeof buildMeter> | null = null;
  return {
    name: "darwin",
    dropCaches: async (_srcDir, _files, opts) => timed(() => dropCachesDarwin(opts)),
    // No mincore binding here yet: residency is not measured, and the report says so (null).
    residentFraction: () => null,
    evict: (files) => ({ ok: 0, failed: countOf(files), firstError: "per-file eviction is not implemented on macOS" }),
    meter: () => (meter ??= buildMeter("darwin")),
    killTree: killGroup,
    fsType(dir) {
      try {
        const r = Bun.spawnSync(["/sbin/mount"], { stdout: "pipe", stderr: "ignore" });
        return fsTypeFromMount(r.stdout.toString(), dir);
      } catch {
        return null;
      }
    },
    shell: { kind: "posix", argv: (command) => ["/bin/sh", "-c", command] },
  };
}
