import { afterAll, beforeAll, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadResults } from "../lib/results/load";
import type { ResultsFile } from "../lib/results/file";

// One `bun build --compile` into a temp folder, then the same tiny config run by the executable (from a
// folder with no node_modules, on a PATH with no bun or node) and by `bun scripts/bench.ts`.
const repo = path.resolve(import.meta.dir, "..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mb-build-"));
const exe = path.join(tmp, "dist", "mirrorbench");
const config = path.join(tmp, "tiny.yaml");
const noBunPath = path.join(tmp, "bin");
let build: { exitCode: number; stderr: string };
let compiled: { exitCode: number; stdout: string; stderr: string };
let script: { exitCode: number; stdout: string; stderr: string };

/** A PATH holding every command of /usr/bin and /bin except bun, bunx, node, npm and npx. */
function pathWithoutBun(): string {
  fs.mkdirSync(noBunPath, { recursive: true });
  for (const dir of ["/usr/local/bin", "/usr/bin", "/bin"]) {
    let names: string[] = [];
    try {
      names = fs.readdirSync(dir);
    } catch {
      continue;
    }
    for (const n of names) {
      if (["bun", "bunx", "node", "npm", "npx", "nodejs"].includes(n) || fs.existsSync(path.join(noBunPath, n))) continue;
      fs.symlinkSync(path.join(dir, n), path.join(noBunPath, n));
    }
  }
  return noBunPath;
}

function run(argv: string[], cwd: string, env: Record<string, string>) {
  const r = Bun.spawnSync(argv, { cwd, env, stdout: "pipe", stderr: "pipe", timeout: 60_000 });
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

beforeAll(() => {
  fs.writeFileSync(
    config,
    `version: 1
workspace: ${path.join(tmp, "ws")}
keep_workspace: true
results_dir: results
defaults: { runs: 2, warmup: 0, cache: keep }
tools:
  cp: { argv: [cp, -a, "{src}/.", "{dst}/"] }
  cp-r: { argv: [cp, -R, "{src}/.", "{dst}/"] }
scenarios:
  - name: tiny
    workload: { files: { count: 2500, size: 1KiB } }   # above the data-worker threshold: the worker entrypoint must be in the executable
    tools: [cp-r, cp]
    baseline: cp-r
    candidate: cp
`,
  );
  // The same command as `bun run build`, with the output redirected into the temp folder.
  const buildScript: string = JSON.parse(fs.readFileSync(path.join(repo, "package.json"), "utf8")).scripts.build;
  const argv = buildScript.split(/\s+/).map((a) => (a === "dist/mirrorbench" ? exe : a));
  expect(argv[0]).toBe("bun");
  const b = Bun.spawnSync([process.execPath, ...argv.slice(1)], { cwd: repo, stdout: "pipe", stderr: "pipe" });
  build = { exitCode: b.exitCode ?? -1, stderr: b.stderr.toString() };
  if (build.exitCode !== 0) return;
  const home = path.join(tmp, "home");
  fs.mkdirSync(home);
  const bare = path.join(tmp, "bare");
  fs.mkdirSync(bare);
  compiled = run([exe, "--config", config, "--results-dir", path.join(tmp, "r-exe"), "--no-preflight"], bare, { PATH: pathWithoutBun(), HOME: home });
  script = run([process.execPath, path.join(repo, "scripts/bench.ts"), "--config", config, "--results-dir", path.join(tmp, "r-bun"), "--no-preflight"], repo, { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home });
}, 60_000);

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function only(dir: string): ResultsFile {
  const files = fs.readdirSync(dir).filter((n) => n.endsWith(".json"));
  expect(files).toHaveLength(1);
  return loadResults(path.join(dir, files[0]!));
}

/** What must match between the two: everything but times, paths and versions. */
function shape(r: ResultsFile) {
  return {
    scenarios: r.scenarios.map((s) => ({
      name: s.name,
      state: s.state,
      baseline: s.baseline,
      candidates: s.candidates,
      tools: s.tools.map((t) => ({ tool: t.tool, state: t.state, n: t.state === "skipped" ? 0 : t.stats?.time.n })),
      runs: s.runs.map((x) => ({ tool: x.tool, phase: x.phase, index: x.index, round: x.round, state: x.state, cache: x.cache })),
      verdicts: s.verdicts.map((v) => ({ candidate: v.candidate, baseline: v.baseline, keys: Object.keys(v).sort(), ratio: v.timeRatio === null ? null : Object.keys(v.timeRatio).sort() })),
    })),
    decisionKeys: r.decision ? Object.keys(r.decision).sort() : null,
    interrupted: r.interrupted,
  };
}

test("bun build --compile produces one executable file", () => {
  expect(build.stderr).not.toContain("error:");
  expect(build.exitCode).toBe(0);
  expect(fs.statSync(exe).mode & 0o111).not.toBe(0);
});

test("the test PATH for the executable really has no bun", () => {
  expect(Bun.which("bun", { PATH: noBunPath })).toBeNull();
});

test("the executable runs a config on a PATH without bun and from a folder without node_modules", () => {
  expect([0, 1]).toContain(compiled.exitCode); // GO or NO-GO: cp vs cp -R on 3 KiB is a coin toss
  expect(compiled.stderr).not.toMatch(/Cannot find module|error: /);
  expect(compiled.stdout).toContain("Average [cp] over 2 measured run(s):");
});

test("the executable's results file has the same scenarios, tools, runs, states and verdict structure as bun's", () => {
  const a = only(path.join(tmp, "r-exe"));
  const b = only(path.join(tmp, "r-bun"));
  expect(script.stderr).not.toContain("error:");
  expect(shape(a)).toEqual(shape(b));
  expect(a.scenarios[0]!.runs.filter((r) => r.phase === "measured")).toHaveLength(4);
  expect(a.scenarios[0]!.verdicts).toHaveLength(1);
});

test("the executable measures memory like the script does (mitata and the mb-run meter are bundled)", () => {
  const a = only(path.join(tmp, "r-exe"));
  const b = only(path.join(tmp, "r-bun"));
  expect(a.meter.kind).toBe(b.meter.kind);
  expect(a.engine.version).toBe(b.engine.version);
});

// The native run writer (leaf-writer.c, compiled by Bun's TinyCC from a private copy) must work inside the
// executable too, in its data-worker threads: seen from the kernel, each generated file is created relative
// to its directory's descriptor, as the C does, never by a whole path from the working directory, as node:fs does.
// (Forced on: it is used by itself from DEFAULTS.nativeWriterMinFiles files, too many for this test.)
test.skipIf(process.platform !== "linux" || !Bun.which("strace"))("the executable generates through the native writer (strace: files created relative to their directory)", () => {
  const cfg = path.join(tmp, "native.yaml");
  fs.writeFileSync(
    cfg,
    `version: 1\nworkspace: ${path.join(tmp, "ws-native")}\nresults_dir: results\ndefaults: { runs: 1, warmup: 0, cache: keep, verify: false }\n` +
      `tools:\n  cp: { argv: [cp, -a, "{src}/.", "{dst}/"] }\nscenarios:\n  - name: native\n    workload: { files: { count: 2500, size: 1KiB, per_dir: 500 } }\n    tools: [cp]\n`,
  );
  const trace = path.join(tmp, "openat.trace");
  const r = run(["strace", "-f", "-qq", "--seccomp-bpf", "-e", "trace=openat", "-o", trace, exe, "--config", cfg, "--results-dir", path.join(tmp, "r-native"), "--no-preflight"], path.join(tmp, "bare"), { PATH: noBunPath, HOME: path.join(tmp, "home"), MIRRORBENCH_NATIVE_WRITER: "1" });
  expect([0, 1]).toContain(r.exitCode);
  const creates = fs.readFileSync(trace, "utf8").split("\n").filter((l) => /O_CREAT\|O_EXCL/.test(l) && /\.dat"/.test(l));
  // The copies (cp) create files too, under the run's destination; the dataset's own are these.
  expect(creates.filter((l) => /openat\((\d+), "f\d+\.dat"/.test(l))).toHaveLength(2500);
  expect(creates.filter((l) => /\/datasets\//.test(l))).toEqual([]);
}, 60_000);
