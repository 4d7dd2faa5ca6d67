import { afterAll, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { runCli, tmpDir, writeConfig } from "./helpers";

// A failing tool's own words where they are seen: its last lines under the error line (all of them in bench.log),
// and --show-output for everything as it comes.

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function setup(tool: string, extra = "") {
  const dir = tmpDir("mb-fail-out-");
  dirs.push(dir);
  const script = path.join(dir, "tool.sh");
  fs.writeFileSync(script, `#!/bin/sh\n${tool}\n`, { mode: 0o755 });
  const config = writeConfig(dir, `version: 1
workspace: ${dir}/ws
results_dir: ${dir}/results
defaults: { runs: 1, warmup: 0, cache: keep${extra} }
tools:
  chatty: { argv: [${script}, "{src}", "{dst}"] }
scenarios:
  - name: s
    workload: { files: { count: 3, size: 1KiB } }
    tools: [chatty]
`);
  return { dir, config };
}

test("a tool that fails shows its last 5 output lines under its error line; bench.log keeps all of them", async () => {
  const { dir, config } = setup(`for i in 1 2 3 4 5 6 7; do echo "progress line $i"; done\necho "fatal: cannot open $1/x: No such file or directory" >&2\nexit 3`);
  const r = await runCli(["--config", config]);
  expect(r.code).toBe(1);
  const lines = r.stderr.split("\n");
  const at = lines.indexOf("error: chatty exited with status 3");
  expect(at).toBeGreaterThanOrEqual(0);
  // Lines are broken at the console's width (100 off a terminal), never cut.
  const joined = lines.slice(at + 1).join("\n").replace(/\n  │ (?!progress|fatal)/g, "");
  expect(joined.split("\n").slice(0, 6)).toEqual([
    `  chatty's output (last 5 of 8 lines; all of it is in ${dir}/ws/bench.log):`,
    "  │ progress line 4",
    "  │ progress line 5",
    "  │ progress line 6",
    "  │ progress line 7",
    `  │ fatal: cannot open ${dir}/ws/datasets/${/datasets\/([0-9a-f]+)\/tree/.exec(r.stderr)![1]}/tree/x: No such file or directory`,
  ]);
  for (const l of lines) expect(Bun.stringWidth(l)).toBeLessThanOrEqual(100);
  expect(r.stderr).not.toContain("progress line 3");
  const log = fs.readFileSync(`${dir}/ws/bench.log`, "utf8");
  for (let i = 1; i <= 7; i++) expect(log).toContain(`progress line ${i}\n`);
  // The log has the tool's output once: the tail is a console-only view of it.
  expect(log.split("progress line 7").length).toBe(2);
}, 60_000);

test("a tool that timed out shows what it printed before it was killed", async () => {
  const { config } = setup(`echo "waiting for the server"\nexec sleep 30`, ", timeout: 1s");
  const r = await runCli(["--config", config]);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/error: chatty timed out after 1\.0s and was killed\n {2}chatty's output \(1 line; all of it is in [^\n]+\):\n {2}│ waiting for the server\n/);
}, 60_000);

test("a tool that fails silently is said to have printed nothing", async () => {
  const { config } = setup("exit 4");
  const r = await runCli(["--config", config]);
  expect(r.stderr).toContain("error: chatty exited with status 4\n  (chatty printed nothing)\n");
}, 60_000);

test("--show-output streams every line of a tool's output to the console, stderr and stdout alike, and still logs it", async () => {
  const { dir, config } = setup(`echo "to stdout"\necho "to stderr" >&2\nprintf 'no newline at the end'\ncp -a "$1/." "$2/"`);
  const r = await runCli(["--config", config, "--show-output"]);
  expect(r.code).toBe(0);
  expect(r.stderr).toContain("  │ to stdout\n  │ to stderr\n  │ no newline at the end\n");
  expect(fs.readFileSync(`${dir}/ws/bench.log`, "utf8")).toContain("to stdout\nto stderr\nno newline at the end");
}, 60_000);

test("without --show-output a successful tool's output stays in the log only", async () => {
  const { config } = setup(`echo "to stdout"\ncp -a "$1/." "$2/"`);
  const r = await runCli(["--config", config]);
  expect(r.code).toBe(0);
  expect(r.stdout + r.stderr).not.toContain("to stdout");
}, 60_000);
