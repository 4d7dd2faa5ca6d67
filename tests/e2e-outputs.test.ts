import { afterAll, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { BENCH, ROOT, copyScript, readResults, resultsFiles, runCli, tmpDir, writeConfig } from "./helpers";

const dirs: string[] = [];
const mounts: string[] = [];
const rescued: string[] = [];
afterAll(() => {
  for (const m of mounts.reverse()) Bun.spawnSync(["umount", "-l", m]);
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  for (const f of rescued) fs.rmSync(f, { force: true });
});

function fresh(): string {
  const d = tmpDir("mb-out-");
  dirs.push(d);
  return d;
}

function sh(argv: string[]): { code: number; stderr: string } {
  const p = Bun.spawnSync(argv, { stderr: "pipe", stdout: "pipe" });
  return { code: p.exitCode ?? -1, stderr: p.stderr.toString() };
}

/** A small tmpfs at `dir` (root only): a disk that fills or turns read-only on demand. */
function tmpfs(dir: string, size = "8m"): boolean {
  fs.mkdirSync(dir, { recursive: true });
  if (sh(["mount", "-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir]).code !== 0) return false;
  mounts.push(dir);
  return true;
}

// Whether this machine lets us mount (root in a VM: yes; a container or a user: usually not).
const canMount = (() => {
  const d = fresh();
  const ok = tmpfs(path.join(d, "probe"), "1m");
  if (ok) sh(["umount", path.join(d, "probe")]) && mounts.pop();
  return ok;
})();
const MOUNT_SKIP = "mount -t tmpfs is not permitted here (needs root outside a restricted container)";
if (!canMount) console.warn(`skipping the tmpfs tests: ${MOUNT_SKIP}`);

const noStack = (s: string) => {
  expect(s).not.toMatch(/^\s+at .+[(:]\d+/m);
  expect(s).not.toContain("Bun v");
};

const config = (dir: string, o: { ws: string; results: string; tools: string; list: string; extra?: string }) =>
  writeConfig(dir, `version: 1
workspace: ${o.ws}
results_dir: ${o.results}
${o.extra ?? ""}defaults: { runs: 1, warmup: 0, cache: keep }
tools:
${o.tools}
scenarios:
  - name: s
    workload: { files: { count: 3, size: 1KiB } }
    tools: [${o.list}]
`);

test("results_dir inside a workspace --remove-workspace deletes: exit 2 at its line, nothing created", async () => {
  const dir = fresh();
  const file = config(dir, { ws: `${dir}/ws`, results: `${dir}/ws/results`, tools: '  cp: { argv: [cp, -a, "{src}/.", "{dst}/"] }', list: "cp" });
  const r = await runCli(["--config", file, "--remove-workspace"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain(`error: ${file}:3:1: results_dir: ${dir}/ws/results is inside the workspace ${dir}/ws, which --remove-workspace removes at exit`);
  expect(fs.existsSync(path.join(dir, "ws"))).toBe(false);
});

test("an export path under a file: exit 2 naming the flag, before anything is generated", async () => {
  const dir = fresh();
  fs.writeFileSync(path.join(dir, "afile"), "x");
  const file = config(dir, { ws: `${dir}/ws`, results: `${dir}/results`, tools: '  cp: { argv: [cp, -a, "{src}/.", "{dst}/"] }', list: "cp" });
  const r = await runCli(["--config", file, "--export-json", `${dir}/afile/out.json`]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain(`error: --export-json: cannot write ${dir}/afile/out.json: ${dir}/afile is a file, not a directory`);
  expect(fs.existsSync(path.join(dir, "ws", "datasets"))).toBe(false);
  noStack(r.stderr);
});

test("a results_dir that is a file: exit 2 at its line, also for --dry-run", async () => {
  const dir = fresh();
  fs.writeFileSync(path.join(dir, "afile"), "x");
  const file = config(dir, { ws: `${dir}/ws`, results: `${dir}/afile`, tools: '  cp: { argv: [cp, -a, "{src}/.", "{dst}/"] }', list: "cp" });
  for (const extra of [[], ["--dry-run"]]) {
    const r = await runCli(["--config", file, ...extra]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: ${file}:3:1: results_dir: ${dir}/afile is a file, not a directory`);
  }
});

test("a workload of 10^12 files is refused at once by --dry-run, exit 2 at the count's line", async () => {
  const dir = fresh();
  const file = writeConfig(dir, `workspace: ${dir}/ws
results_dir: ${dir}/results
tools:
  cp: { argv: [cp, -a, "{src}/.", "{dst}/"] }
scenarios:
  - name: huge
    workload: { files: { count: 1000000000000, size: 1KiB } }
    tools: [cp]
`);
  const r = await runCli(["--config", file, "--dry-run"]);
  expect(r.code).toBe(2);
  const col = fs.readFileSync(file, "utf8").split("\n")[6]!.indexOf("count") + 1;
  expect(r.stderr).toContain(`error: ${file}:7:${col}: scenarios[0].workload.files.count: 1,000,000,000,000 files is more than one dataset can hold`);
  noStack(r.stderr);
});

test.skipIf(!canMount)("a read-only results folder: exit 2 naming results_dir and its line, before the first run", async () => {
  const dir = fresh();
  const ro = path.join(dir, "ro");
  expect(tmpfs(ro, "1m")).toBe(true);
  expect(sh(["mount", "-o", "remount,ro", ro]).code).toBe(0);
  const file = config(dir, { ws: `${dir}/ws`, results: ro, tools: '  cp: { argv: [cp, -a, "{src}/.", "{dst}/"] }', list: "cp" });
  const r = await runCli(["--config", file]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain(`error: ${file}:3:1: results_dir: results folder ${ro}: ${ro} is not writable: EROFS (read-only file system)`);
  expect(fs.existsSync(path.join(dir, "ws", "datasets"))).toBe(false);
  noStack(r.stderr);
});

test.skipIf(!canMount)("a disk that fills during the runs: one line, exit 6, the measured runs saved in the temp folder; the next run is not stuck", async () => {
  const dir = fresh();
  const mnt = path.join(dir, "mnt");
  expect(tmpfs(mnt, "8m")).toBe(true);
  // A tool that copies, then fills the disk its destination is on (as a runaway copy would).
  const fill = path.join(dir, "fill.sh");
  fs.writeFileSync(fill, `#!/bin/sh\ncp -a "$1/." "$2/" || exit 99\ndd if=/dev/zero of="$2/filler" bs=64k 2>/dev/null\nexit 0\n`, { mode: 0o755 });
  const ok = copyScript(dir, "ok.sh");
  const file = config(dir, { ws: `${mnt}/ws`, results: `${mnt}/results`, tools: `  ok: { argv: [${ok}, "{src}", "{dst}"] }\n  fill: { argv: [${fill}, "{src}", "{dst}"] }`, list: "ok, fill" });
  const r = await runCli(["--config", file]);
  expect(r.code).toBe(6);
  noStack(r.stderr);
  const lines = r.stderr.split("\n").filter((l) => l.includes(`${mnt}/results/`));
  expect(lines.length).toBe(1);
  expect(lines[0]).toMatch(new RegExp(`^error: cannot write ${mnt}/results/\\S+\\.json: ENOSPC \\(no space left on device\\); the results were saved to (\\S+) instead$`));
  const rescue = /saved to (\S+) instead/.exec(lines[0]!)![1]!;
  rescued.push(rescue, rescue.replace(/\.json$/, ".decision.md"));
  expect(path.dirname(rescue)).toBe(path.join(os.tmpdir(), "mirrorbench-rescued"));
  expect(r.stdout).toContain(`Results: ${rescue}`);
  const saved = JSON.parse(fs.readFileSync(rescue, "utf8"));
  const okRuns = saved.scenarios[0].runs.filter((x: any) => x.tool === "ok");
  expect(okRuns.map((x: any) => x.state)).toEqual(["completed"]);
  expect(okRuns[0].measure.wallNs).toBeGreaterThan(0);
  expect(saved.decision.exitCode).toBe(6);
  // The log on the same disk may fail too: said at most once, and the run still ended normally.
  expect(r.stderr.split("\n").filter((l) => l.includes("cannot write the log")).length).toBeLessThanOrEqual(1);
  expect(r.stdout).toContain("Benchmark complete.");

  // The disk is still full of the failed copy; the next run frees its own leftovers and runs.
  expect(sh(["sh", "-c", `test "$(df --output=avail -k ${mnt} | tail -1)" -lt 64`]).code).toBe(0);
  const file2 = config(dir, { ws: `${mnt}/ws`, results: `${mnt}/results`, tools: `  ok: { argv: [${ok}, "{src}", "{dst}"] }`, list: "ok" });
  const r2 = await runCli(["--config", file2]);
  expect(r2.stderr).not.toContain("error:");
  expect(r2.code).toBe(0);
  expect(resultsFiles(`${mnt}/results`).length).toBe(1);
  expect(readResults(`${mnt}/results`).scenarios[0].runs[0].state).toBe("completed");
});

test.skipIf(!canMount)("a results folder that turns read-only mid-run: one line per output, exit 6, results rescued", async () => {
  const dir = fresh();
  const res = path.join(dir, "res");
  expect(tmpfs(res, "4m")).toBe(true);
  // The tool itself turns the results disk read-only, as a failing disk remounted by the kernel would.
  const tool = path.join(dir, "ro.sh");
  fs.writeFileSync(tool, `#!/bin/sh\ncp -a "$1/." "$2/" || exit 99\nmount -o remount,ro ${res} || exit 98\n`, { mode: 0o755 });
  const file = config(dir, { ws: `${dir}/ws`, results: res, tools: `  t: { argv: [${tool}, "{src}", "{dst}"] }`, list: "t" });
  const r = await runCli(["--config", file, "--export-json", `${res}/out.json`, "--export-csv", `${dir}/out.csv`]);
  expect(r.code).toBe(6);
  noStack(r.stderr);
  const errors = r.stderr.split("\n").filter((l) => l.startsWith("error:"));
  expect(errors.filter((l) => l.includes(`cannot write ${res}/out.json: EROFS (read-only file system)`)).length).toBe(1);
  const resultsLine = errors.find((l) => l.includes(`cannot write ${res}/`) && l.includes("saved to"))!;
  expect(resultsLine).toContain("EROFS (read-only file system)");
  const rescue = /saved to (\S+) instead/.exec(resultsLine)![1]!;
  rescued.push(rescue, rescue.replace(/\.json$/, ".decision.md"));
  expect(JSON.parse(fs.readFileSync(rescue, "utf8")).scenarios[0].runs[0].state).toBe("completed");
  // The export that could be written was.
  expect(fs.readFileSync(`${dir}/out.csv`, "utf8")).toContain("t");
  expect(r.stdout).toContain(`Export: ${dir}/out.csv`);
  expect(r.stdout).not.toContain(`Export: ${res}/out.json`);
});

for (const args of [["--dry-run"], ["report", path.join(ROOT, "tests", "fixtures", "results-v1-minimal.json"), "--no-decision"]]) {
  test(`a closed stdout (${args[0]} | head -1) ends quietly with status 0`, () => {
    const p = Bun.spawnSync(["bash", "-c", `bun ${BENCH} ${args.map((a) => `'${a}'`).join(" ")} | head -1; echo "status=\${PIPESTATUS[0]}" >&2`], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: "1" },
      stdout: "pipe",
      stderr: "pipe",
    });
    const out = p.stdout.toString();
    const err = p.stderr.toString();
    expect(out.split("\n").filter(Boolean).length).toBe(1);
    expect(err).toContain("status=0");
    expect(err).not.toContain("EPIPE");
    noStack(err);
  });
}
