import { afterAll, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { loadResults } from "../lib/results/load";
import { readResults, resultsFiles, runCli, tmpDir, writeConfig } from "./helpers";

// Provenance: every available tool's binary hashed and its version recorded where it ran; require_clean_build keeps a
// dirty build out of the gate (the verdict is undecided, never graded on it).

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A copy tool whose --version prints `versionLine`. */
function stubTool(dir: string, name: string, versionLine: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!/bin/sh\nif [ "$1" = --version ]; then echo '${versionLine}'; exit 0; fi\ncp -a "$1/." "$2/"\n`, { mode: 0o755 });
  return file;
}

function setup(versionLine: string) {
  const dir = tmpDir("mb-prov-");
  dirs.push(dir);
  const x = stubTool(dir, "x", versionLine);
  const config = writeConfig(dir, `version: 1
workspace: ${dir}/ws
results_dir: ${dir}/results
defaults: { runs: 2, warmup: 0, cache: keep }
tools:
  x: { argv: [${x}, "{src}", "{dst}"], require_clean_build: true }
  cp: { argv: [cp, -a, "{src}/.", "{dst}/"] }
scenarios:
  - name: tiny
    workload: { files: { count: 5, size: 1KiB } }
    tools: [x, cp]
    baseline: cp
    candidate: x
`);
  return { dir, config, x };
}

const sha256 = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");

test("a dirty build (x 1.0+abc.dirty) with require_clean_build is unavailable with the reason, and the gate is undecided", async () => {
  const { dir, config } = setup("x 1.0+abc.dirty");
  const list = await runCli(["--config", config, "--list"]);
  expect(list.stdout).toContain('✗ x            unavailable: require_clean_build: a dirty build (uncommitted changes): "x 1.0+abc.dirty"');
  const r = await runCli(["--config", config]);
  expect(r.code).toBe(3);
  expect(r.stdout).toMatch(/Decision: UNDECIDED \(candidate x is missing \(require_clean_build: a dirty build/);
  const res = readResults(path.join(dir, "results"));
  expect(res.tools.x).toMatchObject({ available: false, version: "x 1.0+abc.dirty", reason: 'require_clean_build: a dirty build (uncommitted changes): "x 1.0+abc.dirty"' });
  // the gate was never graded on it: no measured run of x exists
  expect(res.scenarios[0].runs.filter((run: any) => run.tool === "x" && run.state === "completed")).toEqual([]);
});

test("every available tool's binary is recorded with its real path, sha256 and version line, and the file says which host timed its runs", async () => {
  const { dir, config, x } = setup("x 2.0+3f9c2ab");
  const r = await runCli(["--config", config]);
  // a clean build is graded (PASS or FAIL by speed; which one is the machine's business)
  expect([0, 1]).toContain(r.code);
  const file = resultsFiles(path.join(dir, "results"))[0]!;
  const res = loadResults(file);
  expect(res.timedBy).toBe(res.host.id);
  expect(res.provenance!.host).toBe(res.host.id);
  expect(res.provenance!.tools.x).toEqual({ path: x, realPath: x, sha256: sha256(x), version: "x 2.0+3f9c2ab" });
  const cp = res.provenance!.tools.cp!;
  expect(cp.path).toBe(Bun.which("cp")!);
  expect(cp.realPath).toBe(fs.realpathSync(Bun.which("cp")!));
  expect(cp.sha256).toBe(sha256(cp.realPath!));
  expect(cp.version).toBe(res.tools.cp!.version);
  expect(res.fleet).toBeUndefined();
  expect(["PASS", "FAIL"]).toContain(res.scenarios[0]!.verdicts[0]!.verdict);
});
