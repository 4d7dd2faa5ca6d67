import { afterAll, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { runCli, tmpDir, writeConfig } from "./helpers";

// A huge workload's plan by arithmetic: the dry run says what it needs without listing (or generating) a file.

const dir = tmpDir("mb-dryscale-");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test("a dry run of a two-million-file scenario prints its size by arithmetic and creates nothing", async () => {
  const ws = path.join(dir, "ws");
  const file = writeConfig(
    dir,
    `workspace: ${ws}
results_dir: ${path.join(dir, "results")}
defaults: { runs: 2, warmup: 0, cache: keep }
tools:
  cp: { argv: [cp, -a, "{src}/.", "{dst}/"] }
scenarios:
  - name: huge
    workload: { files: { count: 2000000, size: 1B..1KiB, per_dir: 1000 } }
    tools: [cp]
`,
  );
  const r = await runCli(["--config", file, "--dry-run"]);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain("source: 2,000,000 files, 2,002,001 entries, 1.9 MiB..1.9 GiB; on disk at least 1.9 MiB and 2,002,001 inodes");
  expect(r.stdout).toContain("sources 2,000,000 files");
  expect(fs.existsSync(path.join(ws, "datasets"))).toBe(false);
});
