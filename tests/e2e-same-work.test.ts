import { afterAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { readResults, runCli, tmpDir, writeConfig } from "./helpers";

// Same work through the real CLI: a tool that split the source's hard links is flagged in its row, not silently compared.

const dir = tmpDir("mb-same-work-e2e-");
let mounted: string | null = null;
afterAll(() => {
  if (mounted) Bun.spawnSync(["umount", mounted]);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A reflink-capable XFS in a loop-mounted image (root and mkfs.xfs only), or null. */
function reflinkMount(): string | null {
  const mkfs = Bun.which("mkfs.xfs") ?? Bun.which("mkfs.xfs", { PATH: "/usr/sbin:/sbin" });
  if (process.platform !== "linux" || process.getuid?.() !== 0 || !mkfs) return null;
  const img = path.join(dir, "xfs.img");
  const mnt = path.join(dir, "mnt");
  fs.mkdirSync(mnt);
  const ok = (argv: string[]) => Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" }).exitCode === 0;
  if (!ok(["truncate", "-s", "300M", img]) || !ok([mkfs, "-q", "-m", "reflink=1", img]) || !ok(["mount", "-o", "loop", img, mnt])) return null;
  return (mounted = mnt);
}

function cfg(name: string, rsyncArgs: string, verify = "true"): { config: string; results: string } {
  const d = path.join(dir, name);
  fs.mkdirSync(d);
  return {
    results: path.join(d, "results"),
    config: writeConfig(d, `workspace: ${path.join(d, "ws")}
results_dir: ${path.join(d, "results")}
defaults: { runs: 2, warmup: 0, cache: keep, verify: ${verify} }
tools:
  cp: { argv: [cp, -a, "{src}/.", "{dst}/"] }
  rsync: { argv: [rsync, ${rsyncArgs}, "{src}/", "{dst}/"] }
scenarios:
  - name: links
    workload:
      files: { count: 20, size: 1KiB }
      extras: { hardlinks: 3 }
    tools: [cp, rsync]
`),
  };
}

describe.skipIf(!Bun.which("rsync"))("hard-link groups, checked after every verified run", () => {
  test("rsync -a without -H splits every group: its runs record it and its row is flagged; cp -a's is not", async () => {
    const c = cfg("split", "-a");
    const r = await runCli(["--config", c.config]);
    expect(r.code).toBe(0);
    const runs = readResults(c.results).scenarios[0].runs;
    const links = (tool: string) => runs.filter((x: any) => x.tool === tool).map((x: any) => x.sameWork.find((k: any) => k.kind === "links"));
    expect(links("rsync").map((k: any) => [k.checked, k.differing])).toEqual([[3, 3], [3, 3]]);
    expect(links("rsync")[0].examples[0]).toMatch(/^_extras\/hardlinks\/h0 = .*: split into 2 files$/);
    expect(links("cp").map((k: any) => k.differing)).toEqual([0, 0]);
    expect(runs.every((x: any) => x.clone && ["copied", "unknown"].includes(x.clone.state))).toBe(true);
    expect(r.stdout).toContain("⚑ rsync: different work: split or joined 3 hard-link group(s) of 3");
    expect(r.stdout).not.toContain("⚑ cp:");
  });

  test("rsync -aH keeps the groups and is not flagged", async () => {
    const c = cfg("kept", "-aH");
    const r = await runCli(["--config", c.config]);
    expect(r.code).toBe(0);
    const runs = readResults(c.results).scenarios[0].runs;
    expect(runs.map((x: any) => x.sameWork.find((k: any) => k.kind === "links").differing)).toEqual([0, 0, 0, 0]);
    expect(r.stdout).not.toContain("different work");
  });

  test("verify: { links: false, clone: false } checks the rest and leaves the groups alone", async () => {
    const c = cfg("off", "-a", "{ links: false, clone: false }");
    const r = await runCli(["--config", c.config]);
    expect(r.code).toBe(0);
    const runs = readResults(c.results).scenarios[0].runs;
    expect(runs.map((x: any) => x.sameWork.map((k: any) => k.kind))).toEqual(Array(4).fill(["xattrs", "sparse", "owner"]));
    expect(runs.every((x: any) => x.clone === undefined)).toBe(true);
    expect(r.stdout).not.toContain("different work");
  });

  test("verify: false checks neither the copy nor the work", async () => {
    const c = cfg("none", "-a", "false");
    const r = await runCli(["--config", c.config]);
    expect(r.code).toBe(0);
    const runs = readResults(c.results).scenarios[0].runs;
    expect(runs.every((x: any) => x.sameWork === undefined && x.clone === undefined)).toBe(true);
  });
});

describe("clones, checked after every verified run", () => {
  const mnt = reflinkMount();
  test.skipIf(!mnt)("cp --reflink=always on a reflink file system is labelled cloned: no verdict, never a fast copy", async () => {
    const d = path.join(dir, "clone");
    fs.mkdirSync(d);
    const results = path.join(d, "results");
    const config = writeConfig(d, `workspace: ${path.join(mnt!, "ws")}
results_dir: ${results}
defaults: { runs: 2, warmup: 0, cache: keep }
tools:
  cp: { argv: [cp, -a, --reflink=never, "{src}/.", "{dst}/"] }
  clone: { argv: [cp, -a, --reflink=always, "{src}/.", "{dst}/"] }
scenarios:
  - name: reflink
    workload: { files: { count: 10, size: 128KiB } }
    tools: [cp, clone]
    baseline: cp
`);
    const r = await runCli(["--config", config]);
    expect(r.code).toBe(3);
    const s = readResults(results).scenarios[0];
    expect(s.runs.filter((x: any) => x.tool === "clone").map((x: any) => [x.clone.state, x.clone.clonedFiles])).toEqual([["cloned", 10], ["cloned", 10]]);
    expect(s.runs.filter((x: any) => x.tool === "cp").map((x: any) => x.clone.state)).toEqual(["copied", "copied"]);
    expect(s.verdicts[0].verdict).toBe("UNDECIDED");
    expect(r.stdout).toContain("⚑ clone: CLONED in 2 of 2 runs (10/10 sampled files share the source's blocks) — not a copy");
  });
});
