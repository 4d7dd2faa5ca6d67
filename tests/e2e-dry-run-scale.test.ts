import { afterAll, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { runCli, tmpDir, writeConfig } from "./helpers";

// A huge workload's plan by arithmetic: the dry run says what it needs without listing (or generating) a file.

const dir = tmpDir("mb-dryscale-");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** One `cp -a` scenario of `files` (a `files:` mapping's body), its workspace and results under `dir` by `name`. */
const config = (name: string, files: string) => `workspace: ${path.join(dir, `ws-${name}`)}
results_dir: ${path.join(dir, `results-${name}`)}
defaults: { runs: 2, warmup: 0, cache: keep }
tools:
  cp: { argv: [cp, -a, "{src}/.", "{dst}/"] }
scenarios:
  - name: ${name}
    workload: { files: { ${files} } }
    tools: [cp]
`;

test("a dry run of a two-million-file scenario prints its size by arithmetic and creates nothing", async () => {
  const file = writeConfig(dir, config("huge", "count: 2000000, size: 1B..1KiB, per_dir: 1000"));
  const r = await runCli(["--config", file, "--dry-run"]);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain("source: 2,000,000 files, 2,002,001 entries, 1.9 MiB..1.9 GiB; on disk at least 1.9 MiB and 2,002,001 inodes");
  expect(r.stdout).toContain("sources 2,000,000 files");
  expect(fs.existsSync(path.join(dir, "ws-huge", "datasets"))).toBe(false);
});

test("a dry run of a workload the workspace's disk cannot hold prints its plan, then the same located refusal a run gets (exit 2)", async () => {
  const file = writeConfig(dir, config("vast", "count: 2, size: 100TiB"));
  const dry = await runCli(["--config", file, "--dry-run"]);
  expect(dry.code).toBe(2);
  expect(dry.stdout).toContain("source: 2 files, 4 entries, 200.0 TiB; on disk at least 200.0 TiB and 4 inodes");
  const refusal = /error: .*bench.config.yaml:8:17: scenarios\[0\]\.workload\.files: needs at least 400\.0 TiB \(the dataset and one copy of it[^\n]*\n\s+hint: free space/;
  expect(dry.stderr).toMatch(refusal);
  // A run is refused the same way, before its plan or anything else.
  const run = await runCli(["--config", file]);
  expect(run.code).toBe(2);
  expect(run.stdout).not.toContain("source: 2 files");
  expect(run.stderr).toMatch(refusal);
  expect(fs.existsSync(path.join(dir, "ws-vast", "datasets"))).toBe(false);
});

test("a dry run of a config on stdin reads it once and still gets the disk check", async () => {
  const r = await runCli(["--config", "-", "--dry-run"], { stdin: config("stdin", "count: 2, size: 100TiB") });
  expect(r.code).toBe(2);
  expect(r.stdout).toContain("Plan for <stdin>");
  expect(r.stderr).toMatch(/error: <stdin>:\d+:\d+: scenarios\[0\]\.workload\.files: needs at least 400\.0 TiB/);
});
