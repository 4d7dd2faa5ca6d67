#!/usr/bin/env bun
// Speed figures of the data layer against reference tools on the same disk, in one invocation.
//
//   bun run scripts/bench-datasets.ts [--small-count 100000] [--large-size 4GiB] [--keep]
//
// Work dir: $BENCH_ROOT or the OS temp dir; removed at the end unless --keep. Page cache is not
// dropped: each reference reads a tree that was just written, so references run warm, like ours.
// A `sync` (untimed) precedes every timed step so earlier dirty pages do not bill the next one.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import type { DatasetSpec, VerifySpec } from "../lib/types.ts";
import { ensureDataset } from "../lib/datasets/store.ts";
import { datasetTotals } from "../lib/datasets/totals.ts";
import { verifyCopy } from "../lib/run/verify.ts";
import { prepareIncremental } from "../lib/datasets/changes.ts";
import { BaseMirror } from "../lib/datasets/restore.ts";
import { compareSnapshots, snapshotSource } from "../lib/run/source-check.ts";
import { structureCheck } from "../lib/datasets/check.ts";
import { removeEntry } from "../lib/safe-fs.ts";
import { buildFloorWriter, floorLine, floorMs, planFloorEntries, writeFloorList } from "./floor.ts";

function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB|TiB|K|M|G|T)?$/i.exec(s.trim());
  if (!m) throw new Error(`bad size "${s}" (e.g. 4GiB, 512MiB)`);
  const mult: Record<string, number> = { b: 1, k: 1024, kib: 1024, m: 1 << 20, mib: 1 << 20, g: 2 ** 30, gib: 2 ** 30, t: 2 ** 40, tib: 2 ** 40 };
  return Math.round(Number(m[1]) * mult[(m[2] ?? "b").toLowerCase()]!);
}

function parseArgs(argv: string[]) {
  const o = { smallCount: 100_000, largeBytes: 4 * 2 ** 30, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const val = () => {
      const v = a.includes("=") ? a.slice(a.indexOf("=") + 1) : argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a.startsWith("--small-count")) o.smallCount = Number(val());
    else if (a.startsWith("--large-size")) o.largeBytes = parseSize(val());
    else if (a === "--keep") o.keep = true;
    else if (a === "-h" || a === "--help") {
      console.log("usage: bun run scripts/bench-datasets.ts [--small-count N] [--large-size 4GiB] [--keep]");
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (known: --small-count, --large-size, --keep)`);
  }
  if (!Number.isInteger(o.smallCount) || o.smallCount < 1) throw new Error("--small-count must be a positive integer");
  return o;
}

function run(cmd: string, args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  return ms;
}
const sync = () => spawnSync("sync");
async function timed<T>(fn: () => Promise<T> | T): Promise<[T, number]> {
  sync();
  const t0 = performance.now();
  const v = await fn();
  return [v, performance.now() - t0];
}
const s = (ms: number) => `${(ms / 1000).toFixed(3)} s`;
const countLabel = (n: number) => (n % 1000 === 0 ? `${n / 1000}k` : String(n));
const sizeLabel = (b: number) => (b >= 2 ** 30 ? `${+(b / 2 ** 30).toFixed(2)} GiB` : `${+(b / 2 ** 20).toFixed(1)} MiB`);
const log = (m: string) => process.stderr.write(`# ${m}\n`);

const ALL: VerifySpec = { enabled: true, mode: true, mtime: true, symlinks: true, allowSourceLinks: false };

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const base = process.env.BENCH_ROOT || os.tmpdir();
  fs.mkdirSync(base, { recursive: true });
  const work = fs.mkdtempSync(path.join(base, "mb-bench-datasets-"));
  const cleanup = () => {
    if (!opts.keep) fs.rmSync(work, { recursive: true, force: true });
  };
  process.on("SIGINT", () => {
    cleanup();
    process.exit(130);
  });
  try {
    const lines: string[] = [];
    const out = (l: string) => {
      lines.push(l);
      console.log(l);
    };
    const n = opts.smallCount;
    const N = countLabel(n);
    console.log(`work dir: ${work} (${opts.keep ? "kept" : "removed at the end"}); page cache not dropped, references run warm`);
    const small: DatasetSpec = {
      seed: 1,
      groups: [{ name: "small", count: n, minBytes: 1024, maxBytes: 10240, distribution: "uniform", perDir: 1000, depth: 1, content: "random", compressRatio: 1, names: "short" }],
      extras: { emptyDirs: 0, symlinks: 0, hardlinks: 0, executables: 0, oldMtimes: 0 },
    };
    const totals = datasetTotals(small);
    log(`small dataset: ${totals.files} files, ${sizeLabel(totals.bytes)}`);
    const root = path.join(work, "datasets");

    // The kernel's floor first, on the file system as generation finds it, then removed and settled (floorMs):
    // after a removal ext4 creates files no faster, so generation is not flattered by going second.
    log("the kernel floor (floor-writer)");
    const floorInput = writeFloorList(planFloorEntries(small), path.join(work, "floor-list.txt"));
    const floor = floorMs(buildFloorWriter(work), floorInput, path.join(work, "floor"));
    sync();
    Bun.sleepSync(5000);
    log("generate");
    const [ds, genMs] = await timed(() => ensureDataset(small, root));
    log("cp -a (twice, faster one is the reference)");
    sync();
    const cp1 = run("cp", ["-a", ds.dir, path.join(work, "cp1")]);
    sync();
    const cp2 = run("cp", ["-a", ds.dir, path.join(work, "cp2")]);
    const cpMs = Math.min(cp1, cp2);
    out(`generate ${N} small files: ${(genMs / cpMs).toFixed(2)}x cp -a (ours ${s(genMs)}, cp -a ${s(cpMs)} [runs ${s(cp1)}, ${s(cp2)}]; target <= 0.50x)`);
    console.log(floorLine(`generate ${N} small files`, floor, genMs, cpMs));

    log("reuse");
    const [again, reuseMs] = await timed(() => ensureDataset(small, root));
    if (!again.reused) throw new Error("cached dataset was not reused");
    out(`reuse cached ${N} dataset: ${(reuseMs / 1000).toFixed(3)} s (target < 2 s)`);

    log("verify");
    const [vr, verifyMs] = await timed(() => verifyCopy(ds.dir, ds.manifest, path.join(work, "cp1"), ALL));
    if (!vr.ok) throw new Error(`verify of a cp -a copy failed: ${vr.summary}`);
    out(`verify ${N} dest: ${(verifyMs / cpMs).toFixed(2)}x cp -a (ours ${s(verifyMs)}, cp -a ${s(cpMs)}; target <= 1.00x)`);

    // The per-run source check (lib/source-check.ts): one lstat walk of the source plus the compare, outside the timed window.
    log("source check (3 times, median)");
    const before = snapshotSource(ds.dir);
    const checkMs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const [found, ms] = await timed(() => compareSnapshots(before));
      if (found.total) throw new Error(`source check saw changes in an untouched tree: ${found.total}`);
      checkMs.push(ms);
    }
    const checkMed = checkMs.sort((a, b) => a - b)[1]!;
    out(`source check of ${N} files (lstat walk + compare, per run): ${(checkMed / cpMs).toFixed(3)}x cp -a (ours ${checkMed.toFixed(0)} ms [runs ${checkMs.map((m) => m.toFixed(0)).join(", ")} ms], cp -a ${s(cpMs)})`);
    const [problem, structMs] = await timed(() => structureCheck(ds.dir, ds.manifest));
    if (problem) throw new Error(`structure check of a fresh dataset failed: ${problem}`);
    out(`--verify-dataset structure check of ${N} files (extras, types, modes, links; on top of the hashes): ${(structMs / cpMs).toFixed(3)}x cp -a (ours ${structMs.toFixed(0)} ms)`);

    log("restore");
    const dstEmpty = path.join(work, "restore-empty");
    // As in a run: one BaseMirror per scenario, which remembers what it left in each destination.
    const mirror = new BaseMirror(ds.dir);
    fs.mkdirSync(dstEmpty);
    const [, restoreEmptyMs] = await timed(() => mirror.restore(dstEmpty));
    out(`restore ${N} base mirror into an empty dest: ${(restoreEmptyMs / cpMs).toFixed(2)}x cp -a (ours ${s(restoreEmptyMs)}, cp -a ${s(cpMs)}; target <= 1.00x)`);

    // The usual case: a tool mirrored a changed source (1% touched, deleted, added, renamed) into dst.
    const k = Math.max(1, Math.floor(n / 100));
    const inc = await prepareIncremental(ds, { kind: "incremental", dataset: small, changes: { touch: k, delete: k, add: k, addBytes: 4096, rename: k } }, root);
    run("rsync", ["-a", "--delete", "--whole-file", "--inplace", "--no-compress", inc.srcDir + "/", dstEmpty + "/"]);
    const [, restoreToolMs] = await timed(() => mirror.restore(dstEmpty));
    out(`restore ${N} base mirror after an rsync run (1% changed): ${(restoreToolMs / cpMs).toFixed(2)}x cp -a (ours ${s(restoreToolMs)}, cp -a ${s(cpMs)}; target <= 1.00x)`);

    // Worst case: a destination this BaseMirror has never seen (a new scenario): every file is compared.
    const unknown = path.join(work, "cp2");
    const [, restoreUnknownMs] = await timed(() => new BaseMirror(ds.dir).restore(unknown));
    out(`restore ${N} base mirror into an unknown full dest: ${(restoreUnknownMs / cpMs).toFixed(2)}x cp -a (ours ${s(restoreUnknownMs)}, cp -a ${s(cpMs)}; target <= 1.00x)`);
    for (const d of [dstEmpty, unknown]) {
      const r = await verifyCopy(ds.dir, ds.manifest, d, ALL);
      if (!r.ok) throw new Error(`restored ${d} does not match the base: ${r.summary}`);
    }
    // Emptying a destination (resetDestination) walks with lstat in JS: against rm -rf of the same tree.
    // sync and 5 s to settle before each: otherwise the first removal pays for the writeback of the fresh trees.
    const settle = () => (sync(), Bun.sleepSync(5000));
    settle();
    const [, removeMs] = await timed(() => removeEntry(unknown));
    settle();
    const rmMs = (sync(), run("rm", ["-rf", path.join(work, "cp1")]));
    out(`remove a ${N} dest (never following a link; Bun's recursive rm, unlinkat per level): ${(removeMs / rmMs).toFixed(2)}x rm -rf (ours ${s(removeMs)}, rm -rf ${s(rmMs)}; target <= 1.00x)`);

    log("large file");
    const large: DatasetSpec = {
      seed: 2,
      groups: [{ name: "large", count: 1, minBytes: opts.largeBytes, maxBytes: opts.largeBytes, distribution: "uniform", perDir: 1, depth: 0, content: "random", compressRatio: 1, names: "short" }],
      extras: { emptyDirs: 0, symlinks: 0, hardlinks: 0, executables: 0, oldMtimes: 0 },
    };
    const [, largeMs] = await timed(() => ensureDataset(large, root));
    const mib = Math.ceil(opts.largeBytes / 2 ** 20);
    sync();
    const ddMs = run("dd", ["if=/dev/zero", `of=${path.join(work, "dd.bin")}`, "bs=1M", `count=${mib}`]);
    const ourSpeed = opts.largeBytes / 2 ** 20 / (largeMs / 1000);
    const ddSpeed = (mib * 2 ** 20) / 2 ** 20 / (ddMs / 1000);
    out(
      `write ${sizeLabel(opts.largeBytes)} random file: ${(ourSpeed / ddSpeed).toFixed(2)}x dd if=/dev/zero bs=1M speed (ours ${ourSpeed.toFixed(0)} MiB/s in ${s(largeMs)}, dd ${ddSpeed.toFixed(0)} MiB/s in ${s(ddMs)}; speed ratio ours/dd, target >= 0.80x)`,
    );
  } finally {
    log(opts.keep ? `kept ${work}` : `removing ${work}`);
    cleanup();
  }
}

main().catch((e) => {
  console.error(`bench-datasets: ${e instanceof Error ? e.message : e}`);
  process.exitCode = 1;
});
