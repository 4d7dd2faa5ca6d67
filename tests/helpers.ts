// Shared test helpers: temp folders, tiny copy tools as real scripts, running the real CLI.

import { afterAll } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { BenchError } from "../lib/errors";

export const ROOT = path.join(import.meta.dir, "..");
export const BENCH = path.join(ROOT, "scripts", "bench.ts");

export function tmpDir(prefix = "mb-test-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Fresh temporary folders for one test file, all removed after its last test: `const fresh = tempDirs("mb-x-")`. */
export function tempDirs(prefix: string): () => string {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  return () => {
    const d = tmpDir(prefix);
    dirs.push(d);
    return d;
  };
}

/** The BenchError `fn` throws (any other error is rethrown); a test failure when it throws none. */
export function benchErrorOf(fn: () => unknown): BenchError {
  try {
    fn();
  } catch (e) {
    if (e instanceof BenchError) return e;
    throw e;
  }
  throw new Error("expected a config error");
}

/** A deliberately wasteful copier (dd bs=4096 per file: 4 KiB reads and writes, no copy_file_range), as `<dir>/dd-copy.sh SRC DST`. */
export function ddCopier(dir: string): string {
  const file = path.join(dir, "dd-copy.sh");
  fs.writeFileSync(file, [
    "#!/bin/sh",
    "# Copies SRC to DST one file at a time with dd bs=4096: 4 KiB reads and writes.",
    "set -e",
    'cd "$1"',
    'find . -type d | while IFS= read -r d; do mkdir -p "$2/$d"; done',
    'find . -type f | while IFS= read -r f; do dd if="$f" of="$2/$f" bs=4096 status=none; done',
    "",
  ].join("\n"), { mode: 0o755 });
  return file;
}

/** A copy tool as a real script: optional delay, then cp -a, then an exit code. */
export function copyScript(dir: string, name: string, opts: { delayS?: number; exit?: number; copy?: boolean } = {}): string {
  const file = path.join(dir, name);
  const lines = ["#!/bin/sh"];
  if (opts.delayS) lines.push(`sleep ${opts.delayS}`);
  if (opts.copy !== false) lines.push('cp -a "$1/." "$2/" || exit 99');
  lines.push(`exit ${opts.exit ?? 0}`);
  fs.writeFileSync(file, lines.join("\n") + "\n", { mode: 0o755 });
  return file;
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The commands with options of their own: they take no run flags. */
const OWN_COMMANDS = new Set(["report", "compare", "agent"]);

/**
 * Runs the real CLI. A run gets --no-preflight unless `preflight: true`: the suite runs the CLI dozens of times on a
 * loaded 2-core machine, where the load check would refuse most runs (tests about preflight opt back in).
 */
export async function runCli(args: string[], opts: { env?: Record<string, string>; cwd?: string; preflight?: boolean; stdin?: string } = {}): Promise<CliRun> {
  const env: Record<string, string> = { ...(process.env as Record<string, string>), NO_COLOR: "1", ...opts.env };
  for (const k of ["RUNS", "WARMUP", "SIZE_MB", "KEEP_BENCH_DIR", "BENCH_ROOT"]) if (!opts.env?.[k]) delete env[k];
  if (!opts.preflight && !OWN_COMMANDS.has(args[0] ?? "")) args = [...args, "--no-preflight"];
  const proc = Bun.spawn(["bun", BENCH, ...args], { cwd: opts.cwd ?? ROOT, env, stdout: "pipe", stderr: "pipe", ...(opts.stdin !== undefined ? { stdin: new TextEncoder().encode(opts.stdin) } : {}) });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

export function writeConfig(dir: string, yaml: string): string {
  const file = path.join(dir, "bench.config.yaml");
  fs.writeFileSync(file, yaml);
  return file;
}

export function resultsFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith(".json")).map((f) => path.join(dir, f)).sort();
}

export function readResults(dir: string): any {
  const files = resultsFiles(dir);
  if (!files.length) throw new Error(`no results file in ${dir}`);
  return JSON.parse(fs.readFileSync(files[files.length - 1]!, "utf8"));
}
