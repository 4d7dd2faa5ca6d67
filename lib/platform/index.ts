// The operating system behind one interface, chosen once at start and passed down (the interface is types.ts).
import { darwinPlatform } from "./darwin";
import { linuxPlatform } from "./linux";
import { flushDurable } from "./durable";
import { buildMeter } from "./meter";
import { settle } from "./settle";
import { killGroup, timed } from "./system";
import { countOf, type Meter, type Platform } from "./types";
import { win32Platform } from "./win32";

export type { CacheDropResult, DropOptions, EvictResult, FadviseResult, Meter, MeterMemory, Platform } from "./types";

/** Any other POSIX system: no cache drop, the mb-run meter, process groups, /bin/sh. */
function otherPlatform(name: string): Platform {
  let meter: Meter | null = null;
  return {
    name,
    dropCaches: async () => timed(() => ({ treatment: `not-dropped: no cache drop for platform ${name}` })),
    residentFraction: () => null,
    evict: (files) => ({ ok: 0, failed: countOf(files), firstError: `no per-file eviction on ${name}` }),
    meter: () => (meter ??= buildMeter(name)),
    killTree: killGroup,
    fsType: () => null,
    flushDurable: (dst) => flushDurable(dst, { platform: name }),
    settle: (req) => settle(req),
    shell: { kind: "posix", argv: (command) => ["/bin/sh", "-c", command] },
  };
}

/** The platform a run uses; another name gives that platform's code path (tests run darwin's and win32's on Linux). */
export function selectPlatform(name: string = process.platform): Platform {
  if (name === "linux") return linuxPlatform();
  if (name === "darwin") return darwinPlatform();
  if (name === "win32") return win32Platform();
  return otherPlatform(name);
}
