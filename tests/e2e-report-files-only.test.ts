import { afterAll, beforeAll, expect, test } from "bun:test";
import fs from "node:fs";
import { resultsFiles, runCli, tmpDir, writeConfig } from "./helpers";

// `report --html` (or an export) writes only what was asked for; --console and --decision add the rest.

const dirs: string[] = [];
let dir = "";
let file = "";
beforeAll(async () => {
  dir = tmpDir("mb-report-files-");
  dirs.push(dir);
  const config = writeConfig(dir, `version: 1
workspace: ${dir}/ws
results_dir: ${dir}/results
defaults: { runs: 2, warmup: 0, cache: keep }
tools:
  cp: { argv: [cp, -a, "{src}/.", "{dst}/"] }
  cpr: { argv: [cp, -R, "{src}/.", "{dst}/"] }
scenarios:
  - { name: s, workload: { files: { count: 5, size: 1KiB } }, tools: [cp, cpr], baseline: cpr }
`);
  expect([0, 1]).toContain((await runCli(["--config", config])).code);
  file = resultsFiles(`${dir}/results`)[0]!;
  fs.rmSync(file.replace(/\.json$/, ".decision.md"));
}, 60_000);
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

test("report --html writes the HTML and says where, without the console report or a new decision document", async () => {
  const r = await runCli(["report", file, "--html"]);
  expect(r.code).toBe(0);
  const html = file.replace(/\.json$/, ".html");
  expect(r.stdout).toBe(`HTML report: ${html}\n`);
  expect(fs.readFileSync(html, "utf8")).toStartWith("<!doctype html>");
  expect(fs.existsSync(file.replace(/\.json$/, ".decision.md"))).toBe(false);
});

test("report --html --console --decision also prints the report and rewrites the decision document", async () => {
  const r = await runCli(["report", file, "--html", "--console", "--decision"]);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain("== s: copy, 5 files");
  expect(r.stdout).toContain("Decision report: ");
  expect(fs.existsSync(file.replace(/\.json$/, ".decision.md"))).toBe(true);
});

test("report with no file output asked for prints the console report, as before", async () => {
  const r = await runCli(["report", file, "--no-decision"]);
  expect(r.stdout).toContain("== s: copy, 5 files");
  expect(r.stdout).toContain("Gate:");
});

test("--scenario, --tool and --pair without an export are a usage error naming the fix", async () => {
  const r = await runCli(["report", file, "--tool", "cp"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("add --export-json, --export-csv or --export-markdown FILE");
});

test("report --export-json --tool writes one tool's rows only", async () => {
  const out = `${dir}/one.json`;
  const r = await runCli(["report", file, "--export-json", out, "--tool", "cpr"]);
  expect(r.code).toBe(0);
  expect(r.stdout).toBe(`Exported: ${out}\n`);
  expect(JSON.parse(fs.readFileSync(out, "utf8")).results.map((x: any) => x.command)).toEqual(["s: cpr"]);
});
