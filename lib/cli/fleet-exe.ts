// Which mirrorbench executable goes to a host: the dist file for its OS and CPU, this executable itself, or one built on demand by build:all's own code.

import fs from "node:fs";
import path from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { FleetStepError } from "../remote/fleet";
import { sha256File } from "../remote/transfer";
import { formatBytes } from "../units";

/** build:all's name for a host from its `uname -s` / `uname -m`, or null when no build exists for it. */
export function targetOf(os: string | null, arch: string | null): string | null {
  const o = os === "Linux" ? "linux" : os === "Darwin" ? "darwin" : null;
  const a = arch === "x86_64" || arch === "amd64" ? "x64" : arch === "aarch64" || arch === "arm64" ? "arm64" : null;
  return o && a ? `${o}-${a}` : null;
}

/** This process is a compiled single-file executable (its modules live in Bun's embedded file system). */
export function isCompiled(main = Bun.main): boolean {
  return main.startsWith("/$bunfs/") || /^[A-Z]:[\\/]~BUN[\\/]/.test(main);
}

const REPO = path.resolve(import.meta.dir, "../..");

/** MIRRORBENCH_DIST_DIR (as for build:all), else the source tree's dist/, else (compiled) the executable's own folder. */
export function distDir(env: Record<string, string | undefined>): string {
  if (env.MIRRORBENCH_DIST_DIR) return path.resolve(env.MIRRORBENCH_DIST_DIR);
  return isCompiled() ? path.dirname(process.execPath) : path.join(REPO, "dist");
}

export interface ChosenExe {
  target: string;
  file: string;
  /** dist: a build:all output found; self: this very executable; built: built now with build:all's code. */
  how: "dist" | "self" | "built";
  sha256: string;
  bytes: number;
  /** Said once per file: a dist file older than the sources, or how long the build took. */
  note: string | null;
}

/** The newest source file (lib/, scripts/, package.json) when it is newer than `file`: the dist file may be stale. */
function newerSource(file: string): string | null {
  const built = fs.statSync(file).mtimeMs;
  let newest: { f: string; t: number } | null = null;
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|c|json)$/.test(e.name)) {
        const t = fs.statSync(p).mtimeMs;
        if (t > built && (!newest || t > newest.t)) newest = { f: p, t };
      }
    }
  };
  try {
    walk(path.join(REPO, "lib"));
    walk(path.join(REPO, "scripts"));
  } catch {
    return null;
  }
  return newest ? path.relative(REPO, (newest as { f: string }).f) : null;
}

/** One executable per target for the whole fleet run: found or built once, hashed once. */
export class ExecutablePicker {
  private readonly chosen = new Map<string, Promise<ChosenExe>>();
  private readonly noted = new Set<string>();
  constructor(private readonly env: Record<string, string | undefined>) {}

  /** Where the file for `target` would come from, without building or hashing (for --dry-run). */
  preview(target: string): { file: string; how: ChosenExe["how"] } | { file: null; why: string } {
    const file = path.join(distDir(this.env), `mirrorbench-${target}`);
    if (fs.existsSync(file)) return { file, how: "dist" };
    if (isCompiled() && target === ownTarget()) return { file: process.execPath, how: "self" };
    if (!isCompiled()) return { file, how: "built" };
    return { file: null, why: noExecutable(target, file) };
  }

  /** The file's note, the first time it is asked for (every host using the file would say it again). */
  noteOnce(e: ChosenExe): string | null {
    if (!e.note || this.noted.has(e.file)) return null;
    this.noted.add(e.file);
    return e.note;
  }

  pick(target: string): Promise<ChosenExe> {
    let p = this.chosen.get(target);
    if (!p) this.chosen.set(target, (p = this.find(target)));
    return p;
  }

  private async find(target: string): Promise<ChosenExe> {
    const prev = this.preview(target);
    if (prev.file === null) throw new FleetStepError("copy", prev.why);
    let note: string | null = null;
    if (prev.how === "dist" && !isCompiled()) {
      const newer = newerSource(prev.file);
      if (newer) note = `${prev.file} is older than the sources (${newer} changed since): run \`bun run build:all --target ${target}\` to refresh it`;
    }
    if (prev.how === "built") {
      const t0 = performance.now();
      // build:all's own code (package.json's build line, the baseline runtimes, the checks on the bytes), not a copy of it.
      const { TARGETS, buildTarget, parseBuildLine } = await import("../../scripts/build-all");
      const t = TARGETS.find((x) => x.name === target);
      if (!t) throw new FleetStepError("copy", `build:all has no target ${target}`);
      fs.mkdirSync(path.dirname(prev.file), { recursive: true });
      try {
        buildTarget(t, parseBuildLine(pkg.scripts.build), path.dirname(prev.file));
      } catch (e) {
        throw new FleetStepError("copy", `building ${path.basename(prev.file)} failed: ${(e as Error).message}`);
      }
      note = `built ${prev.file} for ${target} with build:all (${((performance.now() - t0) / 1000).toFixed(1)} s)`;
    }
    const { sha256, bytes } = await sha256File(prev.file);
    return { target, file: prev.file, how: prev.how, sha256, bytes, note };
  }
}

function ownTarget(): string | null {
  return targetOf(process.platform === "linux" ? "Linux" : process.platform === "darwin" ? "Darwin" : null, process.arch === "x64" ? "x86_64" : process.arch);
}

function noExecutable(target: string, file: string): string {
  return `no mirrorbench executable for ${target} at ${file}, and a compiled mirrorbench cannot build one: run \`bun run build:all --target ${target}\` in the source tree and put the file there (or set MIRRORBENCH_DIST_DIR)`;
}

/** "dist/mirrorbench-linux-x64 (linux-x64, 104.8 MiB, sha256 3258ab12…)" for the console. */
export function describeExe(e: ChosenExe, cwd: string): string {
  const shown = path.relative(cwd, e.file).startsWith("..") ? e.file : path.relative(cwd, e.file);
  return `${shown} (${e.target}${e.how === "self" ? ", this executable" : ""}, ${formatBytes(e.bytes)}, sha256 ${e.sha256.slice(0, 12)}…)`;
}
