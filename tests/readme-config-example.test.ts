import { afterAll, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { loadConfig } from "../lib/config/load";
import { ROOT, runCli, tmpDir } from "./helpers";

// The README's "config, by example" block is what a newcomer copies first: it must load with the real loader.

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** The first ```yaml block after the "## The config, by example" heading. */
function readmeYaml(): string {
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  const from = readme.indexOf("\n## The config, by example");
  expect(from).toBeGreaterThan(0);
  const m = /```yaml\n([\s\S]*?)```/.exec(readme.slice(from));
  return m![1]!;
}

function setup() {
  const dir = tmpDir("mb-readme-yaml-");
  dirs.push(dir);
  const stub = path.join(dir, "blit-stub");
  fs.writeFileSync(stub, '#!/bin/sh\n[ "$1" = mirror ] && cp -a "$2/." "$3/"\n', { mode: 0o755 });
  const file = path.join(dir, "bench.config.yaml");
  fs.writeFileSync(file, readmeYaml());
  return { dir, stub, file };
}

test("the README's config example loads with the real loader (BLIT_BIN pointing at a stub)", () => {
  const { dir, stub, file } = setup();
  // machine: null: the example's 4 GiB and 100,000-file workloads are not checked against this VM's free space.
  const config = loadConfig(file, { env: { BLIT_BIN: stub, V1_BINARY: stub, BENCH_ROOT: path.join(dir, "ws") }, machine: null, platform: "linux" });
  expect(config.tools.blit!.argv[0]).toBe(stub);
  expect([...new Set(config.scenarios.map((s) => s.baseName))]).toEqual(["large-file", "small-files", "mixed", "incremental", "resync", "scaling"]);
  const large = config.scenarios.find((s) => s.name === "large-file")!;
  expect(large.baseline).toEqual(["blit-v1", "rsync", "robocopy"]);
});

test("the README's config example plans with --dry-run: the baseline falls back to rsync when blit-v1 is missing", async () => {
  const { dir, stub, file } = setup();
  const r = await runCli(["--config", file, "--dry-run", "--scenario", "large-file"], { env: { BLIT_BIN: stub, V1_BINARY: "/nonexistent/blit-v1", BENCH_ROOT: path.join(dir, "ws") } });
  if (r.code === 2 && /free space|inodes|RAM/.test(r.stderr)) return; // a small disk refuses the 4 GiB plan: that refusal is the loader working
  expect(r.code).toBe(0);
  expect(r.stdout).toContain("gate: baseline rsync; candidates blit");
});
