// A copy counts only if it is a real copy: a symlinked destination or hard links to the source fail the run.
import { expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { copyScript, readResults, runCli, tempDirs, writeConfig } from "./helpers";

const fresh = tempDirs("mb-realcopy-");

const head = (dir: string) => `version: 1
workspace: ${dir}/ws
results_dir: ${dir}/results
defaults: { runs: 2, warmup: 0, cache: keep }
`;
const WORKLOAD = "workload: { files: { count: 20, size: 1KiB..4KiB } }";

test("a candidate that replaces {dst} with a symlink to {src} fails as not a copy: NO-GO, exit 1", async () => {
  const dir = fresh();
  const ok = copyScript(dir, "ok.sh");
  const config = writeConfig(dir, `${head(dir)}tools:
  fake: { shell: true, argv: "rmdir {dst} && ln -s {src} {dst}" }
  ok: { argv: [${ok}, "{src}", "{dst}"] }
scenarios:
  - name: s
    ${WORKLOAD}
    tools: [fake, ok]
    baseline: ok
    candidate: fake
`);
  const r = await runCli(["--config", config]);
  expect(r.code).toBe(1);
  expect(r.stdout).toContain("Decision: NO-GO");
  const s = readResults(path.join(dir, "results")).scenarios[0];
  const src = s.runs.length && path.join(dir, "ws", "datasets", s.workload.datasetHash, "tree");
  const fakeRuns = s.runs.filter((x: any) => x.tool === "fake");
  expect(fakeRuns.map((x: any) => x.state)).toEqual(["failed", "failed"]);
  expect(fakeRuns[0].reason).toBe(`destination ${path.join(dir, "ws", "dst", "s", "fake")} is a symlink to ${src}, not a copy`);
  expect(s.verdicts[0].verdict).toBe("FAIL");
  // The source behind the link was not emptied by the next reset.
  expect(fs.readdirSync(src).length).toBeGreaterThan(0);
  expect(s.tools.find((t: any) => t.tool === "ok").state).toBe("completed");
});

test("a tool that hard-links the source (cp -al) fails with the hard-link reason, and the next tool is not blamed", async () => {
  const dir = fresh();
  const ok = copyScript(dir, "ok.sh");
  const config = writeConfig(dir, `${head(dir)}tools:
  linker: { argv: [cp, -al, "{src}/.", "{dst}/"] }
  ok: { argv: [${ok}, "{src}", "{dst}"] }
scenarios:
  - name: s
    ${WORKLOAD}
    tools: [linker, ok]
`);
  const r = await runCli(["--config", config]);
  expect(r.code).toBe(1);
  const s = readResults(path.join(dir, "results")).scenarios[0];
  const linkRuns = s.runs.filter((x: any) => x.tool === "linker");
  expect(linkRuns.map((x: any) => x.state)).toEqual(["failed", "failed"]);
  expect(linkRuns[0].reason).toMatch(/^destination shares 20 files with the source \(hard links, not a copy\): g0\/.*f\d+\.dat/);
  expect(s.runs.filter((x: any) => x.tool === "ok").map((x: any) => x.state)).toEqual(["completed", "completed"]);
});

test("verify: { allow_source_links: true } lets a hard-linking tool pass", async () => {
  const dir = fresh();
  const config = writeConfig(dir, `${head(dir)}tools:
  linker: { argv: [cp, -al, "{src}/.", "{dst}/"] }
  cp: { argv: [cp, -a, "{src}/.", "{dst}/"] }
scenarios:
  - name: s
    ${WORKLOAD}
    verify: { allow_source_links: true }
    tools: [linker, cp]
`);
  const r = await runCli(["--config", config]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  const s = readResults(path.join(dir, "results")).scenarios[0];
  expect(s.runs.map((x: any) => x.state)).toEqual(["completed", "completed", "completed", "completed"]);
});
