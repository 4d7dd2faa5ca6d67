import { describe, expect, test } from "bun:test";
import { gateLines, REDUCTION_ORDER, scenarioLines, scenarioTableLines } from "../lib/report/console";
import type { ResultsFile } from "../lib/results/file";
import { consoleWidth, plural, truncateToWidth } from "../lib/text";
import { realisticCurrent } from "./fixtures/realistic";

const r = realisticCurrent();
const scenario = (name: string) => r.scenarios.find((s) => s.name === name)!;
const W = (s: string) => Bun.stringWidth(s);
const tableLines = (lines: string[]) => lines.filter((l) => /^[┌│├└]/.test(l));
const heads = (lines: string[]) => tableLines(lines)[1]!.split("│").map((c) => c.trim()).filter(Boolean);

/** Wide labels: East Asian wide characters and an emoji, as people name their tools. */
function withLabels(res: ResultsFile): ResultsFile {
  const copy: ResultsFile = structuredClone(res);
  const names: Record<string, string> = { cp: "🚀 blit mirror", tar: "日本語ツール" };
  for (const s of copy.scenarios) for (const t of s.tools) t.label = names[t.tool] ?? t.label;
  return copy;
}

describe("scenario tables fit the console", () => {
  for (const width of [80, 100, 120, 200]) {
    for (const name of ["large-file", "small-files", "mixed"]) {
      test(`${name} at ${width} columns: every table line and the note fit, and every table line has the same width`, () => {
        const lines = scenarioLines(scenario(name), { color: false, widthCols: width, wideFlag: "--wide" });
        const table = tableLines(lines);
        expect(table.length).toBeGreaterThan(3);
        for (const l of [...table, ...lines.filter((x) => x.startsWith("  ("))]) expect(W(l)).toBeLessThanOrEqual(width);
        expect(new Set(table.map(W)).size).toBe(1);
      });
    }
  }
  test("labels with wide characters and emoji still fit, and the borders still line up", () => {
    for (const width of [80, 100, 120]) {
      for (const s of withLabels(r).scenarios.slice(0, 3)) {
        const table = tableLines(scenarioLines(s, { color: false, widthCols: width }));
        expect(Math.max(...table.map(W))).toBeLessThanOrEqual(width);
        expect(new Set(table.map(W)).size).toBe(1);
      }
    }
  });
  test("colour codes do not count toward the width", () => {
    const lines = tableLines(scenarioLines(scenario("large-file"), { color: true, widthCols: 100 }));
    expect(lines.join("\n")).toContain("\x1b[32mPASS\x1b[39m");
    for (const l of lines) expect(W(l)).toBeLessThanOrEqual(100);
  });
  test("at 200 columns nothing is hidden and no note is printed", () => {
    const lines = scenarioLines(scenario("small-files"), { color: false, widthCols: 200 });
    expect(heads(lines)).toEqual(["tool", "mean ± σ", "median", "min … max", "MiB/s", "files/s", "CPU user/sys", "peak RSS", "ratio [95% CI]", "verdict"]);
    expect(lines.some((l) => l.includes("hidden to fit"))).toBe(false);
  });
  test("wide keeps every column even at 80 columns", () => {
    const lines = scenarioLines(scenario("small-files"), { color: false, widthCols: 80, wide: true });
    expect(heads(lines)).toHaveLength(10);
    expect(W(tableLines(lines)[0]!)).toBeGreaterThan(80);
  });
  test("a narrowed table says what it hid and names the flag that shows it", () => {
    const lines = scenarioLines(scenario("large-file"), { color: false, widthCols: 100, wideFlag: "--wide" });
    expect(lines).toContain("  (hidden to fit 100 columns: median, MiB/s, CPU; --wide shows all)");
  });
  test("columns are given up in the stated order as the console narrows", () => {
    let before: string[] = [];
    for (let width = 200; width >= 50; width--) {
      const { applied, stacked } = scenarioTableLines(scenario("small-files"), { color: false, widthCols: width });
      if (stacked) break;
      expect(applied.slice(0, before.length)).toEqual(before);
      expect(REDUCTION_ORDER.filter((x) => applied.includes(x))).toEqual(applied as never);
      before = applied;
    }
    expect(before.length).toBeGreaterThan(6);
  });
  test("the gate's figures survive at 60 columns: mean, peak RSS, ratio, verdict", () => {
    const lines = scenarioLines(scenario("mixed"), { color: false, widthCols: 60 });
    expect(heads(lines)).toEqual(["tool", "mean", "peak RSS", "ratio", "verdict"]);
  });
  test("below the narrowest table each tool becomes a block of lines that fit, nothing dropped", () => {
    const lines = scenarioLines(scenario("large-file"), { color: false, widthCols: 40 });
    expect(tableLines(lines)).toEqual([]);
    for (const l of lines.filter((x) => x.startsWith("  ") && !x.startsWith("  ("))) expect(W(l)).toBeLessThanOrEqual(40);
    expect(lines).toContain("  ratio [95% CI]: 0.792 [0.753–0.835]");
    expect(lines).toContain("  verdict: PASS");
  });
  test("a skipped reason cut to fit is printed whole under the table", () => {
    const lines = scenarioLines(scenario("mixed"), { color: false, widthCols: 60 });
    expect(lines.some((l) => l.includes("tar not found …"))).toBe(true);
    expect(lines).toContain("  ! tar skipped: not installed: tar not found on PATH");
  });
  test("gate lines too long for the console break between words", () => {
    const lines = gateLines(r.scenarios, "NO-GO", { color: false, widthCols: 80 });
    for (const l of lines) expect(W(l)).toBeLessThanOrEqual(80);
    expect(lines.join(" ")).toContain("small-files: cp vs rsync: time 1.040 (≤ 1.05),");
  });
});

describe("console words", () => {
  test("a one-file workload has no files/s column; a many-file one has", () => {
    expect(heads(scenarioLines(scenario("large-file"), { color: false, widthCols: 200 }))).not.toContain("files/s");
    expect(heads(scenarioLines(scenario("mixed"), { color: false, widthCols: 200 }))).toContain("files/s");
  });
  test("the scenario header counts files with the right plural", () => {
    expect(scenarioLines(scenario("large-file"), { color: false, widthCols: 100 })).toContain("== large-file: copy, 1 file, 1.0 GiB, cache dropped 15/15, copies verified");
    expect(scenarioLines(scenario("small-files"), { color: false, widthCols: 100 }).some((l) => l.startsWith("== small-files: copy, 5,000 files,"))).toBe(true);
  });
  test("plural() says 1 file, 2 files, 10,000 files", () => {
    expect([plural(1, "file"), plural(2, "file"), plural(10000, "file"), plural(0, "run")]).toEqual(["1 file", "2 files", "10,000 files", "0 runs"]);
  });
  test("the width is the terminal's, else COLUMNS, else 100", () => {
    expect(consoleWidth({ columns: 80, env: { COLUMNS: "200" } })).toBe(80);
    expect(consoleWidth({ env: { COLUMNS: "120" } })).toBe(120);
    expect(consoleWidth({ env: { COLUMNS: "wide" } })).toBe(100);
    expect(consoleWidth({})).toBe(100);
  });
  test("cutting to a width never splits an emoji or a wide character", () => {
    expect(truncateToWidth("🚀🚀🚀 go", 5)).toBe("🚀🚀…");
    expect(truncateToWidth("日本語ツール", 6)).toBe("日本…");
    expect(truncateToWidth("short", 10)).toBe("short");
  });
});
