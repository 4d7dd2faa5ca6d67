import { afterAll, expect, test } from "bun:test";
import fs from "node:fs";
import { copyScript, runCli, tmpDir, writeConfig } from "./helpers";

// UNDECIDED names its real cause (candidate missing, no baseline, baseline failed), up front and at the end.

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function setup(o: { cand: string; base: string; extra?: string }) {
  const dir = tmpDir("mb-undecided-");
  dirs.push(dir);
  const config = writeConfig(dir, `version: 1
workspace: ${dir}/ws
results_dir: ${dir}/results
defaults: { runs: 2, warmup: 0, cache: keep }
tools:
  blit: { label: blit-v2, argv: [${o.cand}, "{src}", "{dst}"] }
  base: { label: rsync-proxy, argv: [${o.base}, "{src}", "{dst}"] }
${o.extra ?? ""}scenarios:
  - name: small
    workload: { files: { count: 5, size: 1KiB } }
    tools: [blit, base]
    baseline: base
    candidate: blit
`);
  return { dir, config };
}

test("a missing candidate is named before anything is generated, and again on the Decision line (exit 3)", async () => {
  const { dir, config } = setup({ cand: "/nonexistent/blit-cli", base: copyScript(tmpDir(), "base.sh") });
  const r = await runCli(["--config", config]);
  expect(r.code).toBe(3);
  expect(r.stderr.replace(/\n {2}(?!the other)/g, " ").split("\n")[0]).toBe("warning: this run will be UNDECIDED (exit 3) at best: candidate blit-v2 is missing (/nonexistent/blit-cli not found or not executable) in small");
  // Said before the dataset is generated: the warning comes first on stderr, the Generating line only after it on stdout.
  const log = fs.readFileSync(`${dir}/ws/bench.log`, "utf8");
  expect(log.indexOf("warning: this run will be UNDECIDED")).toBeLessThan(log.indexOf("Generating"));
  expect(r.stdout.replace(/\n {2}/g, " ")).toContain("Decision: UNDECIDED (candidate blit-v2 is missing (/nonexistent/blit-cli not found or not executable) in small)");
  expect(r.stdout).toContain("Exit 3: UNDECIDED");
  expect(r.stdout).not.toContain("baseline failed");
}, 60_000);

test("--dry-run warns that the run will be UNDECIDED, naming the missing candidate", async () => {
  const { config } = setup({ cand: '"${BLIT_BIN:-./target/release/blit-cli}"', base: "cp" });
  const r = await runCli(["--config", config, "--dry-run"]);
  expect(r.code).toBe(0);
  expect(r.stderr.replace(/\n {2}/g, " ")).toContain("warning: this run will be UNDECIDED (exit 3) at best: candidate blit-v2 is missing (./target/release/blit-cli not found or not executable) in small");
}, 60_000);

test("a baseline that fails is named as the cause, with its reason", async () => {
  const d = tmpDir();
  dirs.push(d);
  const { config } = setup({ cand: copyScript(d, "cand.sh"), base: copyScript(d, "base.sh", { exit: 5 }) });
  const r = await runCli(["--config", config]);
  expect(r.code).toBe(3);
  expect(r.stdout.replace(/\n {2}/g, " ")).toContain("Decision: UNDECIDED (baseline rsync-proxy failed (2 runs failed; first: measured 1: exited with status 5) in small)");
  // The gate line and the reason under the table use the labels, as the table does.
  expect(r.stdout).toMatch(/UNDECIDED small: blit-v2 vs rsync-proxy: time n\/a/);
  expect(r.stdout).toContain("· blit-v2 vs rsync-proxy: baseline failed: 2 runs failed");
}, 60_000);

test("--keep below the history check's minimum is warned about, and refused with --fail-on-regression", async () => {
  const d = tmpDir();
  dirs.push(d);
  const { config } = setup({ cand: copyScript(d, "cand.sh"), base: "cp" });
  const warn = await runCli(["--config", config, "--keep", "3", "--dry-run"]);
  expect(warn.code).toBe(0);
  expect(warn.stderr).toContain("warning: --keep 3 keeps fewer results than the history check needs (5 earlier results of this host), so regressions are never judged; keep at least 5");
  const refused = await runCli(["--config", config, "--keep", "3", "--fail-on-regression"]);
  expect(refused.code).toBe(2);
  expect(refused.stderr).toStartWith("error: --keep: --keep 3 keeps fewer results than the history check needs");
  expect(refused.stderr).toContain("--fail-on-regression could never fail");
  expect(fs.existsSync(`${d}/ws`)).toBe(false);
}, 60_000);
