import { afterAll, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { copyScript, runCli, tmpDir, writeConfig } from "./helpers";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

test("--export-json/csv/markdown write hyperfine-shaped files that a separate script reads back", async () => {
  const dir = tmpDir();
  dirs.push(dir);
  const ok = copyScript(dir, "ok.sh");
  const config = writeConfig(dir, `workspace: ${dir}/ws
results_dir: ${dir}/results
defaults: { runs: 3, warmup: 0, cache: keep }
tools:
  cp: { argv: [cp, -a, "{src}/.", "{dst}/"] }
  ok: { label: script, argv: [${ok}, "{src}", "{dst}"] }
scenarios:
  - name: sweep
    workload: { files: { count: 1, size: 4KiB } }
    sweep: { count: [2, 4] }
    tools: [cp, ok]
`);
  const r = await runCli(["--config", config, "--export-json", `${dir}/h.json`, "--export-csv", `${dir}/h.csv`, "--export-markdown", `${dir}/h.md`]);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain(`Export: ${dir}/h.json`);
  // Read back the way hyperfine's scripts do, in a separate process.
  const reader = Bun.spawnSync(["bun", "-e", `const d = JSON.parse(require("fs").readFileSync("${dir}/h.json", "utf8")); for (const x of d.results) console.log(x.command, x.times.length, x.parameters.count, x.mean > 0, x.min <= x.median && x.median <= x.max)`]);
  expect(reader.stdout.toString().trim().split("\n")).toEqual([
    "sweep[count=2]: cp 3 2 true true",
    "sweep[count=2]: script 3 2 true true",
    "sweep[count=4]: cp 3 4 true true",
    "sweep[count=4]: script 3 4 true true",
  ]);
  const json = JSON.parse(fs.readFileSync(`${dir}/h.json`, "utf8"));
  for (const k of ["command", "mean", "stddev", "median", "user", "system", "min", "max", "times", "exit_codes", "parameters"]) expect(json.results[0]).toHaveProperty(k);
  expect(json.results[0].exit_codes).toEqual([0, 0, 0]);
  expect(json.results[0].times.every((t: number) => t > 0 && t < 5)).toBe(true); // seconds, not ns
  const csv = fs.readFileSync(`${dir}/h.csv`, "utf8").split("\n");
  expect(csv[0]).toStartWith("command,mean,stddev,median,user,system,min,max");
  expect(csv.filter((l) => l.startsWith("sweep")).length).toBe(4);
  const md = fs.readFileSync(`${dir}/h.md`, "utf8");
  expect(md).toContain("| Command |");
  expect(md).toContain("sweep[count=4]");
});
