import { afterAll, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { rotateLog } from "../lib/log";
import { removeWorkspace } from "../lib/workspace";
import { runCli, tmpDir, writeConfig } from "./helpers";

// bench.log never grows without bound: at the start of an invocation a log over the cap becomes bench.log.1.

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const dir = () => {
  const d = tmpDir("mb-rotate-");
  dirs.push(d);
  return d;
};

test("a log at or over the cap moves to .1, replacing the older one; a smaller log stays", () => {
  const d = dir();
  const log = path.join(d, "bench.log");
  fs.writeFileSync(log, "x".repeat(99));
  expect(rotateLog(log, 100)).toBeNull();
  fs.appendFileSync(log, "y");
  fs.writeFileSync(`${log}.1`, "older");
  expect(rotateLog(log, 100)).toBe(`The previous log (100 B, at or over the 100 B cap) is now ${log}.1`);
  expect(fs.existsSync(log)).toBe(false);
  expect(fs.readFileSync(`${log}.1`, "utf8")).toBe("x".repeat(99) + "y");
});

test("a bench.log.1 that is a symlink is replaced as a link: its target is untouched", () => {
  const d = dir();
  const target = path.join(d, "precious");
  fs.writeFileSync(target, "keep me");
  fs.writeFileSync(path.join(d, "bench.log"), "z".repeat(10));
  fs.symlinkSync(target, path.join(d, "bench.log.1"));
  rotateLog(path.join(d, "bench.log"), 5);
  expect(fs.readFileSync(target, "utf8")).toBe("keep me");
  expect(fs.lstatSync(path.join(d, "bench.log.1")).isFile()).toBe(true);
});

test("a run rotates a 10 MiB bench.log at its start, and --remove-workspace removes bench.log.1 too", async () => {
  const d = dir();
  const config = writeConfig(d, `version: 1
workspace: ${d}/ws
results_dir: ${d}/results
defaults: { runs: 1, warmup: 0, cache: keep }
tools: { cp: { argv: [cp, -a, "{src}/.", "{dst}/"] } }
scenarios: [{ name: s, workload: { files: { count: 2, size: 1KiB } }, tools: [cp] }]
`);
  expect((await runCli(["--config", config])).code).toBe(0);
  fs.appendFileSync(`${d}/ws/bench.log`, Buffer.alloc(10 * 1024 * 1024, 0x2e));
  const r = await runCli(["--config", config, "--remove-workspace"]);
  expect(r.code).toBe(0);
  expect(fs.existsSync(`${d}/ws`)).toBe(false);
  // Before it was removed: the new log said where the old one went (checked on a kept workspace).
  expect((await runCli(["--config", config])).code).toBe(0);
  fs.appendFileSync(`${d}/ws/bench.log`, Buffer.alloc(10 * 1024 * 1024, 0x2e));
  expect((await runCli(["--config", config])).code).toBe(0);
  expect(fs.statSync(`${d}/ws/bench.log.1`).size).toBeGreaterThan(10 * 1024 * 1024);
  expect(fs.readFileSync(`${d}/ws/bench.log`, "utf8")).toContain(`is now ${d}/ws/bench.log.1`);
  removeWorkspace(`${d}/ws`);
  expect(fs.existsSync(`${d}/ws`)).toBe(false);
}, 60_000);

test("the header line is on the console even with --quiet, so an appended cron log separates invocations", async () => {
  const d = dir();
  const config = writeConfig(d, `version: 1
workspace: ${d}/ws
results_dir: ${d}/results
defaults: { runs: 1, warmup: 0, cache: keep }
tools: { cp: { argv: [cp, -a, "{src}/.", "{dst}/"] } }
scenarios: [{ name: s, workload: { files: { count: 2, size: 1KiB } }, tools: [cp] }]
`);
  const r = await runCli(["--config", config, "--quiet"]);
  expect(r.stdout).toMatch(/^---- mirrorbench \d+\.\d+\.\d+ \d{4}-\d\d-\d\dT[\d:.]+Z .*bench\.config\.yaml\n/);
  expect(fs.readFileSync(`${d}/ws/bench.log`, "utf8")).toStartWith(r.stdout.split("\n")[0]!);
}, 60_000);
