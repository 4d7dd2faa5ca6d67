import { afterAll, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { invokedAs } from "../lib/io";
import { BENCH, ROOT, readResults, runCli, tmpDir, writeConfig } from "./helpers";
import pkg from "../package.json" with { type: "json" };

// Unix manners: --version, short flags, `-` for stdin and stdout, a usage that names the command typed.

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function setup() {
  const dir = tmpDir("mb-manners-");
  dirs.push(dir);
  const yaml = `version: 1
workspace: ${dir}/ws
results_dir: ${dir}/results
defaults: { runs: 3, warmup: 1, cache: keep }
tools:
  cp: { argv: [cp, -a, "{src}/.", "{dst}/"] }
  cpr: { label: cp-R, argv: [cp, -R, "{src}/.", "{dst}/"] }
scenarios:
  - name: s
    workload: { files: { count: 5, size: 1KiB } }
    tools: [cp, cpr]
`;
  return { dir, yaml, config: writeConfig(dir, yaml) };
}

async function withStdin(args: string[], stdin: string, env: Record<string, string> = {}) {
  const proc = Bun.spawn(["bun", BENCH, ...args, ...(["report", "compare"].includes(args[0] ?? "") ? [] : ["--no-preflight"])], { cwd: ROOT, env: { ...(process.env as Record<string, string>), NO_COLOR: "1", ...env }, stdin: new TextEncoder().encode(stdin), stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, code };
}

test("--version and -V print `mirrorbench <version>` and nothing else", async () => {
  for (const flag of ["--version", "-V"]) {
    const r = await runCli([flag]);
    expect(r).toEqual({ code: 0, stdout: `mirrorbench ${pkg.version}\n`, stderr: "" });
  }
});

test("the usage names the command as it was started: bun run bench from the package script, else bun <script>", async () => {
  expect((await runCli(["--help"], { env: { npm_lifecycle_event: "bench" } })).stdout).toStartWith("usage: bun run bench [options]\n");
  const direct = await runCli(["-h"], { env: { npm_lifecycle_event: "" } });
  expect(direct.stdout).toStartWith("usage: bun scripts/bench.ts [options]\n");
  expect(direct.stdout).toContain("  bun scripts/bench.ts report [FILE|latest]");
  expect((await runCli(["report", "--help"], { env: { npm_lifecycle_event: "bench" } })).stdout).toStartWith("usage: bun run bench report [FILE|latest] [options]\n");
});

test("the compiled executable's usage names the path typed, and the npm bin its name on PATH", () => {
  expect(invokedAs({ argv: ["bun", "/$bunfs/root/mirrorbench"], argv0: "./dist/mirrorbench", env: {}, main: "/$bunfs/root/mirrorbench", cwd: "/x" })).toBe("./dist/mirrorbench");
  const dir = tmpDir("mb-bin-");
  dirs.push(dir);
  fs.symlinkSync(path.join(ROOT, "scripts/bench.ts"), path.join(dir, "mirrorbench"));
  const env = { _: path.join(dir, "mirrorbench"), PATH: dir };
  expect(invokedAs({ argv: ["bun", path.join(ROOT, "scripts/bench.ts")], argv0: "bun", env, main: path.join(ROOT, "scripts/bench.ts"), cwd: "/" })).toBe("mirrorbench");
  expect(invokedAs({ argv: ["bun", path.join(ROOT, "scripts/bench.ts")], argv0: "bun", env: { ...env, PATH: "/nowhere" }, main: "", cwd: "/" })).toBe(path.join(dir, "mirrorbench"));
  expect(invokedAs({ argv: ["bun", path.join(ROOT, "scripts/bench.ts")], argv0: "bun", env: { _: "/usr/bin/bun" }, main: "", cwd: ROOT })).toBe("bun scripts/bench.ts");
});

test("-r, -w and -q are --runs, --warmup and --quiet", async () => {
  const { dir, config } = setup();
  const r = await runCli(["--config", config, "-r", "2", "-w", "0", "-q"]);
  expect(r.code).toBe(0);
  expect(r.stdout).not.toContain("Measured run");
  expect(r.stdout).toContain("Average [cp] over 2 measured run(s):");
  const res = readResults(`${dir}/results`);
  expect(res.scenarios[0].runs.filter((x: any) => x.tool === "cp").map((x: any) => x.phase)).toEqual(["measured", "measured"]);
}, 60_000);

test("--config - reads the config from stdin, and its errors say <stdin>:line:col", async () => {
  const { dir, yaml } = setup();
  const ok = await withStdin(["--config", "-", "--dry-run"], yaml);
  expect(ok.code).toBe(0);
  expect(ok.stdout).toContain("Plan for <stdin>");
  expect(ok.stdout).toContain(`dst=${dir}/ws/dst/s/cp`);
  const bad = await withStdin(["--config", "-", "--dry-run"], yaml.replace("runs: 3", "runs: three"));
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/^error: <stdin>:4:\d+: defaults\.runs: /);
});

test("--export-json - writes only the JSON to stdout; the console goes to stderr", async () => {
  const { config } = setup();
  const r = await runCli(["--config", config, "--export-json", "-"]);
  expect(r.code).toBe(0);
  const json = JSON.parse(r.stdout);
  expect(json.results.map((x: any) => x.command)).toEqual(["s: cp", "s: cp-R"]);
  expect(r.stderr).toContain("Average [cp] over 3 measured run(s):");
  expect(r.stderr).toContain("Benchmark complete.");
}, 60_000);

test("two exports to stdout are refused before anything runs", async () => {
  const { config } = setup();
  const r = await runCli(["--config", config, "--export-json", "-", "--export-csv", "-"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("--export-json and --export-csv both write to stdout");
});

test("report --export-csv - --pair exports one pair to stdout for a t-test; the console report is not printed", async () => {
  const { dir, config } = setup();
  expect((await runCli(["--config", config])).code).toBe(0);
  const r = await runCli(["report", "--results-dir", `${dir}/results`, "--export-csv", "-", "--pair", "cp-R,cp"]);
  expect(r.code).toBe(0);
  const rows = r.stdout.trim().split("\n");
  expect(rows.length).toBe(3);
  expect(rows.slice(1).map((l) => l.split(",")[0])).toEqual(["s: cp-R", "s: cp"]);
  expect(r.stderr).toBe("");
}, 60_000);
