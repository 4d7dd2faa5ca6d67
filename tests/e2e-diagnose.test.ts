import { afterAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { hostProbeDeps, probeInstruments } from "../lib/diagnose/instruments";
import type { Instrument } from "../lib/diagnose/types";
import { copyScript, ddCopier, readResults, resultsFiles, runCli, tmpDir, writeConfig } from "./helpers";

// --diagnose through the real CLI on real trees: a copier that writes 4 KiB at a time (dd bs=4096 per file) against
// cp -a (copy_file_range), where the gate fails; then what the diagnosis must never do (change the verdict, lose the
// measured runs, stay silent about an instrument it could not use).
const instruments = await probeInstruments(hostProbeDeps());
const find = (id: Instrument["id"]) => instruments.find((i) => i.id === id)!;
const why = (i: Instrument) => (i.state === "available" ? null : `${i.reason}; fix: ${i.fix}`);
const straceWhy = why(find("strace"));
const perfWhy = why(find("perf-record"));

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const FILES = 40;


function setup(extra = "", top = "") {
  const dir = tmpDir("mb-e2e-diag-");
  dirs.push(dir);
  const config = writeConfig(dir, `version: 1
${top}workspace: ${dir}/ws
results_dir: ${dir}/results
defaults: { runs: 3, warmup: 0, cache: keep }
tools:
  dd4k: { label: dd-4k, argv: [${ddCopier(dir)}, "{src}", "{dst}"] }
  cp: { argv: [cp, -a, "{src}/.", "{dst}/"] }
scenarios:
  - name: small
    workload: { files: { count: ${FILES}, size: 64KiB, per_dir: 20 } }
    tools: [dd4k, cp]
    baseline: cp
    candidate: dd4k
${extra}`);
  return { dir, config, results: path.join(dir, "results") };
}

describe("--diagnose after a NO-GO", () => {
  (straceWhy ? test.skip : test)(`names the 4 KiB writes and the missing copy_file_range on the console, in the Why section and the results${straceWhy ? ` (skipped: ${straceWhy})` : ""}`, async () => {
    const { config, results } = setup("    memory_scaling: { counts: [10, 20, 40] }\n");
    const exportFile = path.join(path.dirname(config), "export.json");
    const r = await runCli(["--config", config, "--diagnose", "--export-json", exportFile]);
    // The verdict and the exit code are the gate's: a diagnosis never changes them.
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("Decision: NO-GO");
    const at = r.stdout.indexOf("Diagnosis [small] dd-4k vs cp (one run of each per instrument, outside the statistics; took ");
    expect(at).toBeGreaterThan(r.stdout.indexOf("Decision: NO-GO"));
    // The log has each line whole (the console breaks them to its width).
    const log = fs.readFileSync(path.join(path.dirname(config), "ws", "bench.log"), "utf8");
    const summary = log.slice(log.indexOf("Diagnosis [small]"));
    expect(summary).toMatch(/- cp moves 2\.5 MiB \(100% of the bytes copied\) with copy_file_range \(\d+ calls\); dd-4k never calls it: missing zero-copy\./);
    expect(summary).toMatch(/- dd-4k writes files in 4\.0 KiB calls \(16\.\d+ writes \/ file\); cp writes none/);
    expect(summary).toMatch(/- memory: dd-4k: [\d.]+ [KM]iB [+−] \d+ B\/file/);

    const res = readResults(results);
    // The diagnosis runs are in no run list, statistic or export: 2 tools × 3 measured runs.
    expect(res.scenarios[0].runs.length).toBe(6);
    expect(res.scenarios[0].runs.every((x: any) => x.phase === "measured")).toBe(true);
    const exported = JSON.parse(fs.readFileSync(exportFile, "utf8"));
    expect(exported.results.map((x: any) => x.times.length)).toEqual([3, 3]);
    expect(res.decision).toEqual({ decision: "NO-GO", exitCode: 1 });
    const d = res.diagnoses[0];
    expect(d).toMatchObject({ scenario: "small", trigger: "gate-failed", workload: { files: FILES, bytes: FILES * 65536 }, cache: "kept (policy keep)" });
    const writes = d.diff.value.ioSizes.find((x: any) => x.family === "write" && x.target === "file");
    expect(writes.candidate.avgBytes).toBe(4096);
    expect(d.memory.state).toBe("completed");
    expect(d.memory.value.map((f: any) => [f.tool, f.points.map((p: any) => p.files)])).toEqual([["dd-4k", [10, 20, 40]], ["cp", [10, 20, 40]]]);

    const stem = resultsFiles(results)[0]!.replace(/\.json$/, "");
    const md = fs.readFileSync(`${stem}.decision.md`, "utf8");
    expect(md.indexOf("## Why")).toBeGreaterThan(md.indexOf("## Decision"));
    expect(md).toMatch(/\| copy_file_range \| 0 \| \d+, 2\.5 MiB \|/);
    expect(md).toContain("| write | file |");
  });

  (straceWhy || perfWhy ? test.skip : test)(`writes a flame graph per tool, linked from the decision report${straceWhy || perfWhy ? ` (skipped: ${straceWhy ?? perfWhy})` : ""}`, async () => {
    const { config, results } = setup();
    const r = await runCli(["--config", config, "--diagnose"]);
    expect(r.code).toBe(1);
    const res = readResults(results);
    const stem = resultsFiles(results)[0]!.replace(/\.json$/, "");
    expect(res.diagnoses[0].outDir).toBe(`${path.basename(stem)}-diagnose/small`);
    const log = fs.readFileSync(path.join(path.dirname(config), "ws", "bench.log"), "utf8");
    expect(log).toContain(`  Flame graphs: ${stem}-diagnose/small/ (dd4k.flamegraph.svg, cp.flamegraph.svg)`);
    const md = fs.readFileSync(`${stem}.decision.md`, "utf8");
    for (const t of [res.diagnoses[0].candidate, res.diagnoses[0].baseline]) {
      expect(t.flameGraph.state).toBe("completed");
      const svg = t.flameGraph.value.svg;
      expect(fs.readFileSync(path.join(results, svg), "utf8")).toContain(`Flame graph: ${t.label}`);
      expect(md).toContain(`- ${t.label}: [flame graph](${svg})`);
      expect(t.perfStat.value.counters.find((c: any) => c.event === "task-clock").value).toBeGreaterThan(0);
    }
  });
});

describe("what a diagnosis never does", () => {
  test("a passing gate is not diagnosed: GO, exit 0, no diagnosis folder", async () => {
    const dir = tmpDir("mb-e2e-diag-");
    dirs.push(dir);
    const fast = copyScript(dir, "fast.sh");
    const slow = copyScript(dir, "slow.sh", { delayS: 0.3 });
    const config = writeConfig(dir, `version: 1
diagnose: on-fail
workspace: ${dir}/ws
results_dir: ${dir}/results
defaults: { runs: 2, warmup: 0, cache: keep }
tools:
  fast: { argv: [${fast}, "{src}", "{dst}"] }
  slow: { argv: [${slow}, "{src}", "{dst}"] }
scenarios:
  - name: tiny
    workload: { files: { count: 10, size: 1KiB } }
    tools: [fast, slow]
    baseline: slow
`);
    const r = await runCli(["--config", config]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain("Diagnosis [");
    expect(readResults(path.join(dir, "results")).diagnoses).toBeUndefined();
    expect(fs.readdirSync(path.join(dir, "results")).filter((n) => n.endsWith("-diagnose"))).toEqual([]);
  });

  test("instruments that fail are named with their fix, the failure is a warning, and the measured results and the exit code stand", async () => {
    const { dir, config, results } = setup("", "diagnose: on-fail\n");
    // A strace that passes the probe but traces nothing, and a perf the kernel refuses.
    const bin = path.join(dir, "fakebin");
    fs.mkdirSync(bin);
    // It also copies the results file as it stands when the diagnosis runs: the measured results are on disk by then.
    const seen = path.join(dir, "seen-during-diagnosis.json");
    fs.writeFileSync(path.join(bin, "strace"), `#!/bin/sh\n[ "$1" = -V ] && echo "strace -- version 6.1" && exit 0\ncp ${results}/*.json ${seen}\nexit 0\n`, { mode: 0o755 });
    fs.writeFileSync(path.join(bin, "perf"), '#!/bin/sh\n[ "$1" = --version ] && echo "perf version 6.1" && exit 0\necho "Error: Access to performance monitoring and observability operations is limited." >&2\nexit 255\n', { mode: 0o755 });
    const r = await runCli(["--config", config], { env: { PATH: `${bin}:${process.env.PATH}` } });
    expect(r.code).toBe(1);
    const log = fs.readFileSync(path.join(dir, "ws", "bench.log"), "utf8");
    expect(r.stderr).toContain("warning: diagnose: perf stat: refused:");
    expect(log).toContain("warning: diagnose: perf stat: refused: perf events are limited by kernel.perf_event_paranoid; fix: sysctl kernel.perf_event_paranoid=1 (or run mirrorbench as root)");
    expect(log).toContain("warning: diagnose: perf record: refused:");
    expect(log).toMatch(/Diagnosis \[small\] dd-4k vs cp .*: 0 findings\n {2}- system calls: failed: dd-4k: strace exited 0 but wrote no summary \(dd4k\.strace-c\.txt\); cp: strace exited 0 but wrote no summary \(cp\.strace-c\.txt\)\n/);
    expect(log).toContain("  Flame graphs: none: not run: perf-record refused");
    const res = readResults(results);
    expect(res.scenarios[0].runs.length).toBe(6);
    expect(res.decision).toEqual({ decision: "NO-GO", exitCode: 1 });
    expect(res.diagnoses[0].diff.state).toBe("failed");
    const before = JSON.parse(fs.readFileSync(seen, "utf8"));
    expect(before.scenarios[0].runs.length).toBe(6);
    expect(before.decision).toEqual({ decision: "NO-GO", exitCode: 1 });
    expect(before.diagnoses).toBeUndefined();
    const md = fs.readFileSync(resultsFiles(results)[0]!.replace(/\.json$/, ".decision.md"), "utf8");
    expect(md).toContain("**Instruments not used**");
    expect(md).toContain("- perf stat: refused: perf events are limited by kernel.perf_event_paranoid; fix: sysctl kernel.perf_event_paranoid=1");
  });

  test("--diagnose off wins over diagnose: on-fail in the file", async () => {
    const { config, results } = setup("", "diagnose: on-fail\n");
    const r = await runCli(["--config", config, "--diagnose", "off"]);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain("Diagnosis [");
    expect(readResults(results).diagnoses).toBeUndefined();
  });
});
