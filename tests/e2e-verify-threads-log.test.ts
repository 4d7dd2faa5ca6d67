// How a copy was verified is in the log: on the main thread or on data threads, and how much of it the page cache held (issue 11: threads cost memory).
import { afterAll, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { runCli, tmpDir, writeConfig } from "./helpers";

const dir = tmpDir("mb-verify-log-");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test("a verified run's log says where the copy was hashed and how much of it was cached", async () => {
  const config = writeConfig(
    dir,
    `version: 1
workspace: ${dir}/ws
results_dir: ${dir}/results
defaults: { runs: 1, warmup: 0, cache: keep, verify: true }
tools:
  cp: { argv: [cp, -a, "{src}/.", "{dst}/"] }
scenarios:
  - name: s
    workload: { files: { count: 50, size: 1B..1KiB } }
    tools: [cp]
`,
  );
  const r = await runCli(["--config", config]);
  expect(r.code).toBe(0);
  const log = fs.readFileSync(path.join(dir, "ws", "bench.log"), "utf8");
  // 50 files are never worth a thread, cached or not; Linux and macOS measure residency, Windows does not.
  expect(log).toMatch(/^\[cp\] verify: on the main thread \(copy: (\d+% of its first files' pages cached|residency not measured)\)$/m);
  if (process.platform === "linux") expect(log).toMatch(/\[cp\] verify: .*\d+% of its first files' pages cached/);
});
