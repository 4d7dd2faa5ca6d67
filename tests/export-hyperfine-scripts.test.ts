// hyperfine's scripts/*.py on our --export-json: checked by how each reads the file, and run for real when
// HYPERFINE_SCRIPTS names a folder holding them (and a python3 with matplotlib, numpy and scipy is found).

import { afterAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { toHyperfineJson } from "../lib/export/json.ts";
import { exportRows } from "../lib/export/write.ts";
import * as read from "./fixtures/hyperfine-readers.ts";
import { realisticCurrent, realisticHistory } from "./fixtures/realistic.ts";

const rows = exportRows(realisticCurrent());
const doc = (sel: Parameters<typeof toHyperfineJson>[1] = {}, r = rows) => JSON.parse(toHyperfineJson(r, sel));
const nights = realisticHistory().slice(0, 3).map((h) => doc({ scenarios: ["large-file"] }, exportRows(h)));

describe("the JSON export reads the way each hyperfine script reads it", () => {
  test("plot_whisker.py: every result has a command, a non-empty times list and a median", () => {
    expect(read.whisker(doc())).toEqual([]);
  });
  test("plot_histogram.py and advanced_statistics.py: every times list is non-empty numbers", () => {
    expect(read.histogram(doc())).toEqual([]);
    expect(read.advancedStatistics(doc())).toEqual([]);
  });
  test("plot_progression.py: five runs per tool give its default moving average a width of 1", () => {
    expect(read.progression(doc())).toEqual([]);
  });
  test("welch_ttest.py: a pair export holds exactly the two results, baseline first", () => {
    const d = doc({ scenarios: ["large-file"], pair: ["rsync", "cp"] });
    expect(read.welch(d)).toEqual([]);
    expect(d.results.map((r: { command: string }) => r.command)).toEqual(["large-file: rsync", "large-file: cp"]);
  });
  test("plot_parametrized.py: one file per tool of a size sweep has one numeric parameter, size_bytes", () => {
    const files = ["rsync", "cp"].map((t) => doc({ scenarios: ["scaling"], tools: [t] }));
    expect(read.parametrized(files)).toEqual([]);
    expect(files[0].results.map((r: { parameters: Record<string, string> }) => r.parameters)).toEqual([
      { size_bytes: "1048576" }, { size_bytes: "16777216" }, { size_bytes: "268435456" },
    ]);
  });
  test("plot_parametrized.py: a count sweep exports count as a number string", () => {
    expect(read.parametrized([doc({ scenarios: ["many"], tools: ["cp"] })])).toEqual([]);
  });
  test("plot_benchmark_comparison.py: one scenario's exports of several nights share the command list", () => {
    expect(read.benchmarkComparison(nights)).toEqual([]);
  });
});

describe("the reader checks can fail", () => {
  test("the old parameters (scenario, tool, size as written) are refused as plot_parametrized refuses them", () => {
    const old = { results: [{ command: "s: cp", mean: 1, stddev: 0.1, parameters: { scenario: "s", size: "1MiB", tool: "cp" } }] };
    expect(read.parametrized([old])).toEqual(["file 0: results[0]: exactly one parameter needed, found scenario, size, tool"]);
    expect(read.parametrized([{ results: [{ mean: 1, stddev: 0.1, parameters: { size: "1MiB" } }] }])).toEqual(['file 0: results[0]: float("1MiB") fails']);
  });
  test("a whole-run export is not a welch_ttest input", () => {
    expect(read.welch(doc())[0]).toStartWith(`${doc().results.length} results;`);
  });
  test("three runs need -w for plot_progression", () => {
    const r = exportRows(realisticCurrent()).map((x) => ({ ...x, timesNs: x.timesNs.slice(0, 3) }));
    expect(read.progression(doc({ scenarios: ["large-file"] }, r))[0]).toContain("pass -w 1");
  });
});

// ---- the real scripts --------------------------------------------------------------------------

const SCRIPTS = process.env.HYPERFINE_SCRIPTS;
const PYTHON = [process.env.HYPERFINE_PYTHON, "python3", "/usr/bin/python3"].find(
  (p) => p && Bun.spawnSync([p, "-c", "import matplotlib, numpy, scipy"], { stdout: "ignore", stderr: "ignore" }).exitCode === 0,
);
const REAL = Boolean(SCRIPTS && fs.existsSync(path.join(SCRIPTS, "plot_whisker.py")) && PYTHON);
if (!REAL) console.warn("export-hyperfine-scripts: set HYPERFINE_SCRIPTS=/path/to/hyperfine/scripts (and have python3 with matplotlib, numpy, scipy) to run the real scripts");

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mb-hf-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const file = (name: string, d: unknown) => {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, JSON.stringify(d));
  return f;
};
function py(script: string, ...args: string[]): { code: number; out: string } {
  const p = Bun.spawnSync([PYTHON!, path.join(SCRIPTS!, script), ...args], { env: { ...process.env, MPLBACKEND: "Agg" }, stdout: "pipe", stderr: "pipe", timeout: 120_000 });
  return { code: p.exitCode ?? -1, out: p.stdout.toString() + p.stderr.toString() };
}
const png = (name: string) => path.join(tmp, name);
const drawn = (f: string) => fs.existsSync(f) && fs.statSync(f).size > 5000;

describe.skipIf(!REAL)("hyperfine's own scripts run on our exports", () => {
  const all = file("all.json", doc());
  const large = file("large.json", doc({ scenarios: ["large-file"] }));
  test("plot_whisker.py draws every result", () => {
    expect(py("plot_whisker.py", all, "-o", png("whisker.png")).code).toBe(0);
    expect(drawn(png("whisker.png"))).toBe(true);
  }, 120_000);
  test("plot_histogram.py draws one scenario", () => {
    expect(py("plot_histogram.py", large, "-o", png("hist.png")).code).toBe(0);
    expect(drawn(png("hist.png"))).toBe(true);
  }, 120_000);
  test("plot_progression.py draws one scenario", () => {
    expect(py("plot_progression.py", large, "-o", png("prog.png")).code).toBe(0);
    expect(drawn(png("prog.png"))).toBe(true);
  }, 120_000);
  test("advanced_statistics.py reports every command of the file", () => {
    const r = py("advanced_statistics.py", large);
    expect(r.code).toBe(0);
    expect(r.out).toContain("Command 'large-file: cp'");
    expect(r.out).toMatch(/runs:\s+5/);
  }, 120_000);
  test("welch_ttest.py compares the exported pair", () => {
    const r = py("welch_ttest.py", file("pair.json", doc({ scenarios: ["large-file"], pair: ["rsync", "cp"] })));
    expect(r.code).toBe(0);
    expect(r.out).toContain("Command 1: large-file: rsync");
    expect(r.out).toContain("There is a difference between the two benchmarks");
  }, 120_000);
  test("plot_parametrized.py draws a size sweep on a log-x axis, one file per tool", () => {
    const files = ["rsync", "cp"].map((t) => file(`scaling-${t}.json`, doc({ scenarios: ["scaling"], tools: [t] })));
    const r = py("plot_parametrized.py", ...files, "--log-x", "--titles", "rsync,cp", "-o", png("param.png"));
    expect(r.out).not.toContain("fatal");
    expect(r.code).toBe(0);
    expect(drawn(png("param.png"))).toBe(true);
  }, 120_000);
  test("plot_benchmark_comparison.py draws three nights of one scenario", () => {
    const fs3 = nights.map((d, i) => file(`night${i}.json`, d));
    expect(py("plot_benchmark_comparison.py", ...fs3, "-o", png("cmp.png")).code).toBe(0);
    expect(drawn(png("cmp.png"))).toBe(true);
  }, 120_000);
});
