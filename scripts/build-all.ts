#!/usr/bin/env bun
// Release executables for every host from one command: package.json's `build` line, cross-compiled per target, checked and hashed.
//
// usage: bun run build:all [--outdir DIR] [--target NAME]...   (env MIRRORBENCH_DIST_DIR = --outdir)
// Writes DIR/mirrorbench-<os>-<arch>[.exe] and DIR/SHA256SUMS; prints one line per target; exit 1 names every
// target that could not be built and why. Bun downloads each foreign target's runtime from the npm registry
// (@oven/bun-<os>-<arch>) into its install cache (BUN_INSTALL_CACHE_DIR, default ~/.bun/install/cache).

import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { checkMachOSignature, describeExe, readExeInfo, type Arch } from "./exe-format.ts";
import { adhocSign } from "./macho-sign.ts";

export interface Target {
  /** Our name, used in file names: linux-x64, darwin-arm64, windows-x64 … */
  name: string;
  /** Bun's --target value. */
  bun: string;
  format: "ELF" | "Mach-O" | "PE";
  arch: Arch;
  suffix: "" | ".exe";
}

/**
 * x64 targets use Bun's -baseline runtime (any x86-64 from Nehalem, 2008: SSE4.2, no AVX) instead of the default
 * one (Haswell, 2013+: AVX2), which dies with SIGILL (Linux) or "no_avx2" (Windows) on older boxes, on VMs with a
 * basic CPU model (QEMU's qemu64, Proxmox's kvm64) and under Rosetta 2 before macOS 15. What the harness does in
 * JS (datasets, hashing, verify) ran as fast on both runtimes here, and tools are timed by mb-run, not by Bun.
 */
export const TARGETS: readonly Target[] = [
  { name: "linux-x64", bun: "bun-linux-x64-baseline", format: "ELF", arch: "x64", suffix: "" },
  { name: "linux-arm64", bun: "bun-linux-arm64", format: "ELF", arch: "arm64", suffix: "" },
  { name: "darwin-arm64", bun: "bun-darwin-arm64", format: "Mach-O", arch: "arm64", suffix: "" },
  { name: "darwin-x64", bun: "bun-darwin-x64-baseline", format: "Mach-O", arch: "x64", suffix: "" },
  { name: "windows-x64", bun: "bun-windows-x64-baseline", format: "PE", arch: "x64", suffix: ".exe" },
];

const REPO = path.resolve(import.meta.dir, "..");
const EXE_BASENAME = "mirrorbench";
/** Options of `bun build` whose value is the next word; the rest of the words that do not start with "-" are entrypoints. */
const VALUE_OPTIONS = new Set(["--outfile", "--outdir", "--target", "--format", "--sourcemap", "--define", "--external", "--root", "--public-path", "--entry-naming", "--chunk-naming", "--asset-naming", "--env", "--loader", "--conditions", "--packages"]);

export interface BuildLine {
  /** `bun build` options other than --outfile/--outdir/--target, in their order (e.g. --compile, --minify). */
  options: string[];
  entrypoints: string[];
}

/**
 * Splits package.json's `build` script (a plain `bun build --compile ENTRY... --outfile FILE`) into its options and
 * entrypoints, so a moved entrypoint (the datasets worker, say) is followed without editing this file.
 */
export function parseBuildLine(line: string): BuildLine {
  if (/["'`$|;&<>\\]/.test(line)) throw new Error(`the build script is not one plain command (quotes or shell operators): ${line}`);
  const words = line.trim().split(/\s+/);
  if (words[0] !== "bun" || words[1] !== "build" || !words.includes("--compile")) {
    throw new Error(`the build script does not start with "bun build" and hold --compile: ${line}`);
  }
  const options: string[] = [];
  const entrypoints: string[] = [];
  for (let i = 2; i < words.length; i++) {
    const w = words[i]!;
    const key = w.split("=")[0]!;
    const dropped = key === "--outfile" || key === "--outdir" || key === "--target";
    if (w.startsWith("-")) {
      if (!dropped) options.push(w);
      if (VALUE_OPTIONS.has(w)) {
        if (!dropped && words[i + 1] !== undefined) options.push(words[i + 1]!);
        i++;
      }
    } else entrypoints.push(w);
  }
  if (entrypoints.length === 0) throw new Error(`the build script names no entrypoint: ${line}`);
  return { options, entrypoints };
}

export interface Built {
  target: Target;
  file: string;
  bytes: number;
  sha256: string;
  ms: number;
  what: string;
}

/** Bun's reason for a failed build: its error lines, without colour codes or bundling progress. */
function cause(stderr: string, stdout: string): string {
  const lines = `${stderr}\n${stdout}`
    .replace(/\x1b\[[0-9;]*m/g, "")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !/^\[\s*\d+ms\]/.test(l));
  const errors = lines.filter((l) => /error|fail|not available|refused|timed? ?out|ENOTFOUND|EACCES|ENOSPC|404/i.test(l));
  return (errors.length ? errors : lines).slice(0, 3).join(" | ") || "bun build failed without a message";
}

/** Builds, checks and hashes one target; throws an Error whose message is the cause. */
export function buildTarget(t: Target, build: BuildLine, outdir: string): Built {
  const file = path.join(outdir, `${EXE_BASENAME}-${t.name}${t.suffix}`);
  const partial = path.join(outdir, `.${EXE_BASENAME}-${t.name}.partial${t.suffix}`);
  const t0 = performance.now();
  fs.rmSync(partial, { force: true });
  const argv = [process.execPath, "build", ...build.options, ...build.entrypoints, `--target=${t.bun}`, "--outfile", partial];
  const r = Bun.spawnSync(argv, { cwd: REPO, stdout: "pipe", stderr: "pipe", env: process.env });
  try {
    if (r.exitCode !== 0 || !fs.existsSync(partial)) {
      throw new Error(`bun build --target=${t.bun} exited ${r.exitCode ?? r.signalCode}: ${cause(r.stderr.toString(), r.stdout.toString())}`);
    }
    let bytes: Uint8Array = new Uint8Array(fs.readFileSync(partial));
    let info = readExeInfo(bytes);
    if (info.format !== t.format || info.arch !== t.arch) throw new Error(`expected ${t.format} ${t.arch}, bun wrote ${info.format} ${info.arch}`);
    let note = "";
    if (info.format === "PE" && info.checksum.stored !== info.checksum.computed) throw new Error("PE checksum does not match the file");
    if (info.format === "Mach-O") {
      if (!info.signature) throw new Error("Mach-O without a code signature: macOS on arm64 would kill it at launch");
      const before = checkMachOSignature(bytes, info.signature);
      if (before.mismatched.length > 0) {
        // Bun left a signature that does not cover its own payload: macOS would kill the process.
        bytes = adhocSign(bytes, EXE_BASENAME);
        info = readExeInfo(bytes);
        const after = info.format === "Mach-O" && info.signature ? checkMachOSignature(bytes, info.signature) : null;
        if (!after || after.mismatched.length > 0) throw new Error("re-signing did not make every page hash match");
        note = `, re-signed ad-hoc: all ${after.pages} page hashes match (bun left ${before.mismatched.length} of ${before.pages} stale)`;
      } else note = `, ${before.adhoc ? "ad-hoc " : ""}signature: all ${before.pages} page hashes match`;
    }
    fs.writeFileSync(partial, bytes, { mode: 0o755 });
    fs.renameSync(partial, file);
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    return { target: t, file, bytes: bytes.length, sha256, ms: performance.now() - t0, what: describeExe(info) + note };
  } finally {
    fs.rmSync(partial, { force: true });
  }
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

interface Args {
  outdir: string;
  targets: Target[];
}

function parseArgs(argv: string[]): Args {
  let outdir = process.env.MIRRORBENCH_DIST_DIR || path.join(REPO, "dist");
  const names: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => argv[++i] ?? fatal(`${a} needs a value`);
    if (a === "--outdir") outdir = path.resolve(value());
    else if (a === "--target") names.push(value());
    else if (a === "-h" || a === "--help") {
      console.log(`usage: bun run build:all [--outdir DIR] [--target NAME]...\ntargets: ${TARGETS.map((t) => t.name).join(", ")}\nenv: MIRRORBENCH_DIST_DIR (= --outdir, default dist/)`);
      process.exit(0);
    } else fatal(`unknown argument ${a}`);
  }
  const targets = names.length === 0 ? [...TARGETS] : names.map((n) => TARGETS.find((t) => t.name === n) ?? fatal(`unknown target ${n}; known: ${TARGETS.map((t) => t.name).join(", ")}`));
  return { outdir, targets };
}

function fatal(msg: string): never {
  console.error(`build-all: ${msg}`);
  process.exit(2);
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8"));
  let build: BuildLine;
  try {
    build = parseBuildLine(String(pkg.scripts?.build ?? ""));
  } catch (e) {
    return fatal(`package.json scripts.build: ${(e as Error).message}`);
  }
  for (const e of build.entrypoints) if (!fs.existsSync(path.join(REPO, e))) fatal(`package.json scripts.build names ${e}, which does not exist`);
  fs.mkdirSync(args.outdir, { recursive: true });
  console.log(`build-all: ${build.entrypoints.join(" + ")} -> ${args.outdir} (bun ${Bun.version})`);
  const built: Built[] = [];
  const failed: string[] = [];
  for (const t of args.targets) {
    try {
      const b = buildTarget(t, build, args.outdir);
      built.push(b);
      console.log(`${t.name.padEnd(13)} ${path.basename(b.file).padEnd(28)} ${mib(b.bytes).padStart(10)}  sha256 ${b.sha256}  ${b.what}  (${(b.ms / 1000).toFixed(1)} s)`);
    } catch (e) {
      failed.push(t.name);
      console.error(`build-all: ${t.name} (${t.bun}) FAILED: ${(e as Error).message}`);
    }
  }
  const sums = path.join(args.outdir, "SHA256SUMS");
  // Only what this run built, so the file never vouches for an older binary left in the folder.
  fs.writeFileSync(sums, built.map((b) => `${b.sha256}  ${path.basename(b.file)}\n`).join(""));
  if (failed.length > 0) {
    console.error(`build-all: built ${built.length} of ${args.targets.length}; failed: ${failed.join(", ")}`);
    console.error(
      "hint: a foreign target's runtime comes from the npm registry (@oven/bun-<os>-<arch>, Bun's own version) into " +
        "BUN_INSTALL_CACHE_DIR or ~/.bun/install/cache; with no registry, copy bun-<os>-<arch>-v" +
        `${Bun.version} into that cache from a machine that has it, or set HTTPS_PROXY`,
    );
    return 1;
  }
  console.log(`build-all: ${built.length} executables, checksums in ${sums}`);
  return 0;
}

if (import.meta.main) process.exitCode = await main();
