import { afterAll, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { copyScript, readResults, resultsFiles, runCli, tmpDir, writeConfig } from "./helpers";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function fresh(): string {
  const d = tmpDir();
  dirs.push(d);
  return d;
}

const head = (dir: string, extra = "") => `version: 1
workspace: ${dir}/ws
results_dir: ${dir}/results
defaults: { runs: 2, warmup: 0, cache: keep${extra} }
`;
const WORKLOAD = "workload: { files: { count: 5, size: 1KiB } }";

test("a missing baseline makes the gate undecided: exit 3, the missing tool skipped with its reason", async () => {
  const dir = fresh();
  const ok = copyScript(dir, "ok.sh");
  const config = writeConfig(dir, `${head(dir)}tools:
  cand: { argv: [${ok}, "{src}", "{dst}"] }
  v1: { argv: [/nonexistent/blit-v1, mirror, "{src}", "{dst}"] }
scenarios:
  - name: s
    ${WORKLOAD}
    tools: [cand, v1]
    baseline: v1
    candidate: cand
`);
  const r = await runCli(["--config", config]);
  expect(r.code).toBe(3);
  expect(r.stdout).toContain("note: [v1] skipped: /nonexistent/blit-v1 not found or not executable");
  expect(r.stdout).toContain("Decision: UNDECIDED");
  const res = readResults(path.join(dir, "results"));
  expect(res.scenarios[0].tools.find((t: any) => t.tool === "v1")).toMatchObject({ state: "skipped" });
  expect(res.scenarios[0].verdicts[0].verdict).toBe("UNDECIDED");
});

test("a failing baseline makes the gate undecided (exit 3) with the old script's error line", async () => {
  const dir = fresh();
  const ok = copyScript(dir, "ok.sh");
  const bad = copyScript(dir, "bad.sh", { exit: 2 });
  const config = writeConfig(dir, `${head(dir)}tools:
  cand: { argv: [${ok}, "{src}", "{dst}"] }
  base: { label: old, argv: [${bad}, "{src}", "{dst}"] }
scenarios:
  - name: s
    ${WORKLOAD}
    tools: [cand, base]
    baseline: base
`);
  const r = await runCli(["--config", config]);
  expect(r.code).toBe(3);
  expect(r.stderr).toContain("error: old exited with status 2");
});

test("robocopy-style success codes: exit 3 counts as success when declared, 8 fails", async () => {
  const dir = fresh();
  const three = copyScript(dir, "robo3.sh", { exit: 3 });
  const eight = copyScript(dir, "robo8.sh", { exit: 8 });
  const config = writeConfig(dir, `${head(dir)}tools:
  robo3: { argv: [${three}, "{src}", "{dst}"], success_codes: ["0..7"] }
  robo8: { argv: [${eight}, "{src}", "{dst}"], success_codes: ["0..7"] }
scenarios:
  - name: s
    ${WORKLOAD}
    tools: [robo3, robo8]
`);
  const r = await runCli(["--config", config]);
  expect(r.code).toBe(1); // no gate, but runs failed
  expect(r.stderr).toContain("error: robo8 exited with status 8");
  expect(r.stderr).not.toContain("robo3 exited");
  const res = readResults(path.join(dir, "results"));
  const runs = res.scenarios[0].runs;
  expect(runs.filter((x: any) => x.tool === "robo3").map((x: any) => [x.state, x.exitCode])).toEqual([["completed", 3], ["completed", 3]]);
  expect(runs.filter((x: any) => x.tool === "robo8").map((x: any) => [x.state, x.exitCode])).toEqual([["failed", 8], ["failed", 8]]);
});

test("a hanging tool is killed with its process tree at the timeout and the benchmark goes on", async () => {
  const dir = fresh();
  const marker = `mb-hang-${process.pid}-${Date.now()}`;
  const hang = path.join(dir, "hang.sh");
  // The child sleep carries a unique argument so we can look for survivors afterwards.
  fs.writeFileSync(hang, `#!/bin/sh\nsh -c 'sleep 30; echo ${marker}' &\nwait\n`, { mode: 0o755 });
  const ok = copyScript(dir, "ok.sh");
  const config = writeConfig(dir, `${head(dir)}tools:
  hang: { argv: [${hang}, "{src}", "{dst}"] }
  ok: { argv: [${ok}, "{src}", "{dst}"] }
scenarios:
  - name: s
    ${WORKLOAD}
    timeout: 1s
    tools: [hang, ok]
`);
  const t0 = Date.now();
  const r = await runCli(["--config", config]);
  expect(Date.now() - t0).toBeLessThan(15_000);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain("error: hang timed out after 1.0s and was killed");
  const res = readResults(path.join(dir, "results"));
  const s = res.scenarios[0];
  expect(s.runs.filter((x: any) => x.tool === "hang").every((x: any) => x.state === "failed" && /timed out/.test(x.reason))).toBe(true);
  expect(s.tools.find((t: any) => t.tool === "ok").state).toBe("completed");
  const ps = Bun.spawnSync(["pgrep", "-f", marker]);
  expect(ps.stdout.toString().trim()).toBe("");
});

test("a tool that exits 0 but copies nothing fails verification", async () => {
  const dir = fresh();
  const lazy = copyScript(dir, "lazy.sh", { copy: false });
  const ok = copyScript(dir, "ok.sh");
  const config = writeConfig(dir, `${head(dir)}tools:
  lazy: { argv: [${lazy}, "{src}", "{dst}"] }
  ok: { argv: [${ok}, "{src}", "{dst}"] }
scenarios:
  - name: s
    ${WORKLOAD}
    tools: [lazy, ok]
    baseline: ok
    candidate: lazy
`);
  const r = await runCli(["--config", config]);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/error: lazy copied wrong: \d+ missing: .*f0\.dat/);
  const res = readResults(path.join(dir, "results"));
  expect(res.scenarios[0].verdicts[0].verdict).toBe("FAIL");
});

test("a config error exits 2 and names file, line and key", async () => {
  const dir = fresh();
  const config = writeConfig(dir, `${head(dir)}tools:
  cp: { argv: [cp, -a, "{src}/.", "{dst}/"] }
scenarios:
  - name: s
    ${WORKLOAD}
    tools: [cp]
    thresholds: { max_time_ratio: 0.5 }
`);
  const r = await runCli(["--config", config]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain(`error: ${config}:11:`);
  expect(r.stderr).toContain("scenarios[0].thresholds.max_time_ratio: must be at least 1");
  expect(resultsFiles(path.join(dir, "results"))).toEqual([]);
});

test("an unknown flag exits 2 with a usage hint", async () => {
  const r = await runCli(["--runz", "3"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("--runz");
});

test("a workspace that holds someone else's files is refused and left untouched (exit 2)", async () => {
  const dir = fresh();
  const ws = path.join(dir, "precious");
  fs.mkdirSync(ws);
  fs.writeFileSync(path.join(ws, "thesis.tex"), "do not delete");
  const config = writeConfig(dir, `${head(dir)}keep_workspace: false
tools:
  cp: { argv: [cp, -a, "{src}/.", "{dst}/"] }
scenarios:
  - name: s
    ${WORKLOAD}
    tools: [cp]
`.replace(`workspace: ${dir}/ws`, `workspace: ${ws}`));
  const r = await runCli(["--config", config]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain(`refusing workspace ${ws}: it exists, is not empty and was not created by mirrorbench`);
  expect(fs.readFileSync(path.join(ws, "thesis.tex"), "utf8")).toBe("do not delete");
  expect(fs.readdirSync(ws)).toEqual(["thesis.tex"]);
});

test("the home directory and / are refused as workspaces", async () => {
  for (const ws of [require("node:os").homedir(), "/"]) {
    const r = await runCli(["--workspace", ws, "--scenario", "small-files"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`refusing workspace ${ws}`);
  }
});

test("KEEP_BENCH_DIR=0 removes the workspace it created on exit", async () => {
  const dir = fresh();
  const config = writeConfig(dir, `${head(dir)}tools:
  cp: { argv: [cp, -a, "{src}/.", "{dst}/"] }
scenarios:
  - name: s
    ${WORKLOAD}
    tools: [cp]
`);
  const r = await runCli(["--config", config], { env: { KEEP_BENCH_DIR: "0" } });
  expect(r.code).toBe(0);
  expect(r.stdout).toContain("(will be removed on exit)");
  expect(fs.existsSync(path.join(dir, "ws"))).toBe(false);
  expect(resultsFiles(path.join(dir, "results")).length).toBe(1);
});

test("Ctrl-C stops the running tool, writes what was measured and exits 130", async () => {
  const dir = fresh();
  const ok = copyScript(dir, "ok.sh");
  const slow = copyScript(dir, "slow.sh", { delayS: 20 });
  const config = writeConfig(dir, `${head(dir)}tools:
  ok: { argv: [${ok}, "{src}", "{dst}"] }
  slow: { argv: [${slow}, "{src}", "{dst}"] }
scenarios:
  - name: s
    ${WORKLOAD}
    tools: [ok, slow]
`);
  const proc = Bun.spawn(["bun", `${import.meta.dir}/../scripts/bench.ts`, "--config", config, "--no-preflight"], { stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } });
  const logFile = path.join(dir, "ws", "bench.log");
  const t0 = Date.now();
  while (!(fs.existsSync(logFile) && fs.readFileSync(logFile, "utf8").includes("[slow] Measured run 1/2"))) {
    if (Date.now() - t0 > 15_000) throw new Error("slow tool never started");
    await Bun.sleep(50);
  }
  proc.kill("SIGINT");
  const code = await proc.exited;
  expect(code).toBe(130);
  expect(Date.now() - t0).toBeLessThan(15_000);
  const res = readResults(path.join(dir, "results"));
  expect(res.interrupted).toBe(true);
  expect(res.scenarios[0].runs.some((x: any) => x.tool === "ok" && x.state === "completed")).toBe(true);
});

test("Ctrl-C while a dataset is being generated stops at once and leaves no dataset marked complete", async () => {
  const dir = fresh();
  const config = writeConfig(dir, `${head(dir)}tools:
  cp: { argv: [cp, -a, "{src}/.", "{dst}/"] }
scenarios:
  - name: big
    workload: { files: { count: 1, size: 3GiB } }
    tools: [cp]
`);
  const proc = Bun.spawn(["bun", `${import.meta.dir}/../scripts/bench.ts`, "--config", config, "--no-preflight"], { stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } });
  const logFile = path.join(dir, "ws", "bench.log");
  const t0 = Date.now();
  while (!(fs.existsSync(logFile) && fs.readFileSync(logFile, "utf8").includes("Generating 3072 MiB synthetic payload"))) {
    if (Date.now() - t0 > 15_000) throw new Error("generation never started");
    await Bun.sleep(20);
  }
  await Bun.sleep(200);
  proc.kill("SIGINT");
  expect(await proc.exited).toBe(130);
  const datasets = path.join(dir, "ws", "datasets");
  const complete = fs.existsSync(datasets) ? fs.readdirSync(datasets).filter((d) => fs.existsSync(path.join(datasets, d, "complete"))) : [];
  expect(complete).toEqual([]);
});
