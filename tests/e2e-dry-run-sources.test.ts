import { afterAll, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { readResults, runCli, tmpDir, writeConfig } from "./helpers";

// The plan is built before any dataset: --dry-run names the exact tree every scenario kind reads, and a real run reads exactly that tree.

const dir = tmpDir("mb-dryrun-");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const ws = path.join(dir, "ws");
// A mirror (deletes what the source no longer has), so the incremental scenario's copy verifies.
const cp = path.join(dir, "mirror.sh");
fs.writeFileSync(cp, '#!/bin/sh\nfind "$2" -mindepth 1 -delete && cp -a "$1/." "$2/"\n', { mode: 0o755 });
const file = writeConfig(
  dir,
  `workspace: ${ws}
results_dir: ${path.join(dir, "results")}
defaults: { runs: 1, warmup: 0, cache: keep }
tools:
  cp: { argv: ["${cp}", "{src}", "{dst}"] }
scenarios:
  - name: full
    workload: { files: { count: 20, size: 1KiB } }
    tools: [cp]
  - name: inc
    type: incremental
    workload: { files: { count: 20, size: 1KiB } }
    changes: { touch: 2, delete: 1, add: 1, rename: 1 }
    tools: [cp]
  - name: again
    type: resync
    workload: { files: { count: 20, size: 1KiB }, seed: 2 }
    tools: [cp]
`,
);

/** The source each scenario's runs read, from the dry run's argv lines ({src} is the tool's first argument). */
function sources(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  let scenario = "";
  for (const line of stdout.split("\n")) {
    const head = /^== (\S+)/.exec(line);
    if (head) scenario = head[1]!;
    const argv = /^\s+argv: (\[.*\])$/.exec(line);
    if (argv && scenario && !out[scenario]) out[scenario] = JSON.parse(argv[1]!)[1];
  }
  return out;
}

test("--dry-run prints the exact source tree of copy, incremental and resync scenarios, and the run reads those trees", async () => {
  const dry = await runCli(["--config", file, "--dry-run"]);
  expect(dry.code).toBe(0);
  expect(dry.stdout).not.toContain("prepared at run time");
  const src = sources(dry.stdout);
  expect(Object.keys(src)).toEqual(["full", "inc", "again"]);
  const datasets = path.join(ws, "datasets");
  expect(src.full).toMatch(new RegExp(`^${datasets}/[0-9a-f]{16}/tree$`));
  expect(src.inc).toMatch(new RegExp(`^${datasets}/[0-9a-f]{16}-c[0-9a-f]{12}/tree$`));
  // The changed tree is named after its base: the same spec as "full", so the same base hash.
  expect(path.basename(path.dirname(src.inc!)).split("-c")[0]).toBe(path.basename(path.dirname(src.full!)));
  expect(src.again).toMatch(new RegExp(`^${datasets}/[0-9a-f]{16}/tree$`));
  expect(src.again).not.toBe(src.full);
  for (const s of Object.values(src)) expect(fs.existsSync(s)).toBe(false);

  const run = await runCli(["--config", file]);
  expect(run.code).toBe(0);
  expect(readResults(path.join(dir, "results")).scenarios.map((s: any) => s.state)).toEqual(["completed", "completed", "completed"]);
  for (const s of Object.values(src)) {
    expect(fs.existsSync(s)).toBe(true);
    expect(fs.existsSync(path.join(path.dirname(s), "complete"))).toBe(true);
  }
  // The dry run after the real one names the same trees.
  expect(sources((await runCli(["--config", file, "--dry-run"])).stdout)).toEqual(src);
});
