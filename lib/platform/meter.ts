// The memory meter per platform: mb-run (native/mb-run.c) built with the machine's C compiler and cached; else Bun's own figure where it is the tool's (macOS, Windows), else none (Linux).
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DEFAULTS } from "../defaults";
import wrapperSource from "./native/mb-run.c" with { type: "text" };
import { realCommands, type Commands } from "./system";
import type { Meter, MeterMemory } from "./types";

/** What building the meter touches: the compiler (through Commands), the cache folder. Tests pass a recording fake. */
export interface MeterSystem extends Commands {
  cacheDir(): string;
  arch: string;
  exists(file: string): boolean;
  /** Creates the folder (with parents) and writes the file. */
  writeFile(file: string, data: string): void;
  rename(from: string, to: string): void;
}

export const realMeterSystem: MeterSystem = {
  ...realCommands,
  cacheDir: () => path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "mirrorbench"),
  arch: process.arch,
  exists: (file) => fs.existsSync(file),
  writeFile(file, data) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, data);
  },
  rename: (from, to) => fs.renameSync(from, to),
};

const MB_RUN: MeterMemory = { source: "mb-run", includesDescendants: true, how: "mb-run: wait4 ru_maxrss of the tool, maxed over its waited-for descendants (the largest process)" };

/**
 * macOS: a child's ru_maxrss is its own task's peak since exec (XNU gives an exec'd or posix_spawned child a fresh
 * ledger; see README "Platforms"), so Bun's figure is the tool's, not the harness's.
 */
const BUN_DARWIN: MeterMemory = { source: "bun", includesDescendants: true, how: "Bun resourceUsage().maxRSS: wait4 ru_maxrss of the tool's own task since exec, maxed over its waited-for descendants" };

/** Windows: GetProcessMemoryInfo(child).PeakWorkingSetSize; libuv lets grandchildren break away from its job, so nothing covers them. */
export const BUN_WIN32: MeterMemory = {
  source: "bun",
  includesDescendants: false,
  how: "Bun resourceUsage().maxRSS: PeakWorkingSetSize of the tool's own process; its descendants are not included, and a shell: true tool (cmd.exe) is not measured",
};

const NONE: MeterMemory = { source: null, includesDescendants: null, how: "not measured" };

/** Windows has no fork and no meter binary: Bun spawns the tool and reports its own process's peak working set. */
export function win32Meter(): Meter {
  return { kind: "bun", wrapperPath: null, memory: BUN_WIN32, memoryNote: "Windows: peak working set of the tool's own process (descendants not included; shell: true tools not measured)" };
}

/** Why no compiler will build mb-run here, or the compiler to use. */
function findCompiler(platform: string, sys: MeterSystem): { compiler: string } | { why: string } {
  const compiler = ["cc", "gcc", "clang"].map((c) => sys.which(c)).find((c): c is string => !!c);
  if (!compiler) return { why: "no C compiler (cc) to build the mb-run meter" };
  // On a Mac without the Command Line Tools, /usr/bin/cc is a stub that fails and opens an install dialog: ask first.
  if (platform === "darwin" && compiler.startsWith("/usr/bin/")) {
    const r = sys.run(["xcode-select", "-p"], { timeoutMs: DEFAULTS.sudoTimeoutMs });
    if (!r.ok) return { why: `${compiler} is Apple's stub: the Command Line Tools are not installed (xcode-select -p: ${r.why})` };
  }
  return { compiler };
}

/** The meter when mb-run cannot be had: Bun's figure where it is the tool's own (macOS), none on Linux (its ru_maxrss keeps Bun's pre-exec peak). */
function withoutMbRun(platform: string, why: string): Meter {
  if (platform === "darwin") {
    return { kind: "bun", wrapperPath: null, memory: BUN_DARWIN, memoryNote: `mb-run not built (${why}): memory is Bun's figure, the tool's own on macOS; wall time includes Bun's spawn; install the Command Line Tools (xcode-select --install) for mb-run` };
  }
  return { kind: "bun", wrapperPath: null, memory: NONE, memoryNote: `memory not measured: ${why}; install gcc or clang` };
}

/** Builds mb-run once per source version (a compiler that exists but fails falls back, never breaks the run). */
export function buildMeter(platform: string, sys: MeterSystem = realMeterSystem): Meter {
  if (platform === "win32") return win32Meter();
  const digest = createHash("sha256").update(wrapperSource).digest("hex").slice(0, 12);
  const dir = sys.cacheDir();
  const bin = path.join(dir, `mb-run-${digest}-${platform}-${sys.arch}`);
  if (sys.exists(bin)) return { kind: "mb-run", memoryNote: null, wrapperPath: bin, memory: MB_RUN };
  const found = findCompiler(platform, sys);
  if ("why" in found) return withoutMbRun(platform, found.why);
  const src = path.join(dir, `mb-run-${digest}.c`);
  const tmp = `${bin}.tmp-${process.pid}`;
  try {
    sys.writeFile(src, wrapperSource);
    const r = sys.run([found.compiler, "-O2", "-o", tmp, src], { timeoutMs: DEFAULTS.meterBuildTimeoutMs });
    if (!r.ok) return withoutMbRun(platform, `building mb-run with ${found.compiler} failed: ${r.why}`);
    sys.rename(tmp, bin);
  } catch (e) {
    return withoutMbRun(platform, `building mb-run: ${(e as Error).message}`);
  }
  return { kind: "mb-run", memoryNote: null, wrapperPath: bin, memory: MB_RUN };
}
