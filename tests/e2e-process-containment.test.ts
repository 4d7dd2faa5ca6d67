import { afterAll, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { BENCH, copyScript, readResults, runCli, tmpDir, writeConfig } from "./helpers";

// Nothing a tool started outlives its run, nor the harness; a hang-up writes what was measured.
// (version: false: the version probe would run these scripts with --version and leave their sleeps behind.)

const dirs: string[] = [];
const markers: string[] = [];
afterAll(() => {
  for (const m of markers) Bun.spawnSync(["pkill", "-KILL", "-f", m]);
  dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
});

function fresh(): string {
  const d = tmpDir();
  dirs.push(d);
  return d;
}

/** A `sleep` whose command line is unique to this test: GNU sleep adds its arguments, so the fraction is the marker. */
function sleeper(seconds: number): string {
  const m = `sleep ${seconds}.${process.pid}${String(markers.length)}${String(Date.now() % 1e6).padStart(6, "0")}`;
  markers.push(m);
  return m;
}

const survivors = (marker: string): string => Bun.spawnSync(["pgrep", "-f", marker]).stdout.toString().trim();

async function gone(marker: string, withinMs: number): Promise<boolean> {
  const t0 = Date.now();
  while (Date.now() - t0 < withinMs) {
    if (survivors(marker) === "") return true;
    await Bun.sleep(100);
  }
  return survivors(marker) === "";
}

function leaverConfig(dir: string, line: string): string {
  const tool = path.join(dir, "leaver.sh");
  fs.writeFileSync(tool, `#!/bin/sh\n${line}\ncp -a "$1/." "$2/"\n`, { mode: 0o755 });
  return writeConfig(dir, `version: 1
workspace: ${dir}/ws
results_dir: ${dir}/results
defaults: { runs: 2, warmup: 0, cache: keep }
tools:
  leaver: { argv: [${tool}, "{src}", "{dst}"], version: false }
scenarios:
  - name: s
    workload: { files: { count: 3, size: 1KiB } }
    tools: [leaver]
`);
}

test("a background process a tool leaves behind is killed after its run, and the run records it", async () => {
  const dir = fresh();
  const marker = sleeper(1000);
  const r = await runCli(["--config", leaverConfig(dir, `${marker} &`)]);
  expect(survivors(marker)).toBe("");
  expect(r.code).toBe(0);
  expect(r.stderr).toContain("warning: leaver left 1 process running; killed");
  const runs = readResults(path.join(dir, "results")).scenarios[0].runs;
  expect(runs.map((x: any) => [x.state, x.strayProcessesKilled])).toEqual([["completed", 1], ["completed", 1]]);
});

test("a process a tool moved into its own session with setsid is killed after its run too", async () => {
  const dir = fresh();
  const marker = sleeper(1000);
  const r = await runCli(["--config", leaverConfig(dir, `setsid ${marker} &`)]);
  expect(survivors(marker)).toBe("");
  expect(r.code).toBe(0);
  const runs = readResults(path.join(dir, "results")).scenarios[0].runs;
  expect(runs.map((x: any) => x.strayProcessesKilled)).toEqual([1, 1]);
});

test("a tool that exits cleanly records no stray processes and prints no warning", async () => {
  const dir = fresh();
  const r = await runCli(["--config", leaverConfig(dir, "true")]);
  expect(r.code).toBe(0);
  expect(r.stderr).not.toContain("left");
  const runs = readResults(path.join(dir, "results")).scenarios[0].runs;
  expect(runs.map((x: any) => x.strayProcessesKilled ?? 0)).toEqual([0, 0]);
});

test("a timed-out tool's setsid child is killed with it", async () => {
  const dir = fresh();
  const marker = sleeper(1000);
  const tool = path.join(dir, "hang.sh");
  fs.writeFileSync(tool, `#!/bin/sh\nsetsid ${marker} &\nsleep 1000\n`, { mode: 0o755 });
  const config = writeConfig(dir, `version: 1
workspace: ${dir}/ws
results_dir: ${dir}/results
defaults: { runs: 1, warmup: 0, cache: keep, timeout: 1s }
tools:
  hang: { argv: [${tool}, "{src}", "{dst}"], version: false }
scenarios:
  - name: s
    workload: { files: { count: 3, size: 1KiB } }
    tools: [hang]
`);
  const r = await runCli(["--config", config]);
  expect(r.stderr).toContain("error: hang timed out after 1.0s and was killed");
  expect(survivors(marker)).toBe("");
});

async function startCli(dir: string, config: string, marker: string): Promise<Bun.Subprocess> {
  const proc = Bun.spawn(["bun", BENCH, "--config", config, "--no-preflight"], { stdout: "ignore", stderr: "ignore", env: { ...process.env, NO_COLOR: "1" } });
  const t0 = Date.now();
  while (survivors(marker) === "") {
    if (Date.now() - t0 > 30_000) {
      proc.kill("SIGKILL");
      throw new Error("the tool never started");
    }
    await Bun.sleep(50);
  }
  return proc;
}

function sleepyConfig(dir: string, marker: string): string {
  const ok = copyScript(dir, "ok.sh");
  const slow = path.join(dir, "slow.sh");
  fs.writeFileSync(slow, `#!/bin/sh\n${marker}\n`, { mode: 0o755 });
  return writeConfig(dir, `version: 1
workspace: ${dir}/ws
results_dir: ${dir}/results
defaults: { runs: 2, warmup: 0, cache: keep }
tools:
  ok: { argv: [${ok}, "{src}", "{dst}"], version: false }
  slow: { argv: [${slow}, "{src}", "{dst}"], version: false }
scenarios:
  - name: s
    workload: { files: { count: 3, size: 1KiB } }
    tools: [ok, slow]
`);
}

test("when the harness is killed with SIGKILL, the running tool dies with it", async () => {
  const dir = fresh();
  const marker = sleeper(1000);
  const proc = await startCli(dir, sleepyConfig(dir, marker), marker);
  proc.kill("SIGKILL");
  await proc.exited;
  expect(await gone(marker, 10_000)).toBe(true);
});

test("SIGHUP mid-run kills the tool, writes the measured runs marked interrupted, releases the lock and exits 130", async () => {
  const dir = fresh();
  const marker = sleeper(1000);
  const proc = await startCli(dir, sleepyConfig(dir, marker), marker);
  proc.kill("SIGHUP");
  expect(await proc.exited).toBe(130);
  expect(survivors(marker)).toBe("");
  const res = readResults(path.join(dir, "results"));
  expect(res.interrupted).toBe(true);
  expect(res.scenarios[0].runs.some((x: any) => x.tool === "ok" && x.state === "completed")).toBe(true);
  expect(fs.existsSync(path.join(dir, "ws", ".mirrorbench.lock"))).toBe(false);
});
