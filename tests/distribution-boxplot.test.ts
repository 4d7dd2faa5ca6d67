import { expect, test } from "bun:test";
import { axisUnit, renderDistribution, scenarioDistribution } from "../lib/report/distribution";
import type { ScenarioResult } from "../lib/analyze/scenario";

const ms = (xs: number[]) => xs.map((x) => x * 1e6);
const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "");

// Shared axis 10..110 ms over 51 columns: exactly 2 ms per column.
const ROWS = [
  { label: "cp", samplesNs: ms([10, 20, 30, 40, 50]) },
  { label: "rsync", samplesNs: ms([30, 40, 50, 60, 110]) },
];

test("each tool's min, p25, median, p75 and max land on their columns of the shared axis", () => {
  const lines = renderDistribution(ROWS, { width: 51 });
  const plot = (i: number) => lines[i]!.slice("rsync  ".length);
  // cp: min 10 → 0, p25 20 → 5, median 30 → 10, p75 40 → 15, max 50 → 20
  expect(plot(0)).toBe("├────▒▒▒▒▒┃▒▒▒▒▒────┤");
  // rsync: min 30 → 10, p25 40 → 15, median 50 → 20, p75 60 → 25, max 110 → 50
  const b = plot(1);
  expect(b.indexOf("├")).toBe(10);
  expect(b.indexOf("▒")).toBe(15);
  expect(b.indexOf("┃")).toBe(20);
  expect(b.lastIndexOf("▒")).toBe(25);
  expect(b.indexOf("┤")).toBe(50);
  expect(b.length).toBe(51);
});

test("labels are padded to one width so both plots start in the same column", () => {
  const lines = renderDistribution(ROWS, { width: 51 });
  expect(lines[0]!.startsWith("cp     ├")).toBe(true);
  expect(lines[1]!.startsWith("rsync            ")).toBe(true);
});

test("the axis line carries min, middle and max with the unit, the max ending under the last column", () => {
  const lines = renderDistribution(ROWS, { width: 51 });
  const axis = lines[2]!.slice("rsync  ".length);
  expect(axis.startsWith("10.00 ms")).toBe(true);
  expect(axis.endsWith("110.00 ms")).toBe(true);
  expect(axis.length).toBe(51);
  // middle label centred on column 25
  const mid = axis.indexOf("60.00 ms");
  expect(mid).toBe(25 - Math.floor("60.00 ms".length / 2));
  expect(lines[3]).toBe("       ├─┤ min–max  ▒ p25–p75  ┃ median");
  expect(lines.length).toBe(4);
});

test("the median mark wins over the box and the ends when they share a column", () => {
  // Quartiles interpolate: p25 = p50 = p75 = 20 when most samples agree.
  // A width of 5 is raised to the 12-column minimum: 0..100 ms over 11 steps, so 20 ms → column 2.
  const lines = renderDistribution([{ label: "t", samplesNs: ms([0, 20, 20, 20, 100]) }], { width: 5 });
  const plot = lines[0]!.slice("t  ".length);
  expect(plot).toBe("├─┃────────┤");
});

test("identical samples draw one median mark in the middle and a single axis label under it", () => {
  const lines = renderDistribution([{ label: "t", samplesNs: ms([5, 5, 5]) }], { width: 21 });
  expect(lines[0]).toBe("t  " + " ".repeat(10) + "┃");
  // "5.00 ms" (7 chars) centred on column 10
  expect(lines[1]).toBe("   " + " ".repeat(7) + "5.00 ms");
});

test("failed runs (NaN) are left out and a tool with no completed run says so", () => {
  const lines = renderDistribution(
    [
      { label: "a", samplesNs: [NaN, ...ms([10, 20])] },
      { label: "b", samplesNs: [NaN] },
    ],
    { width: 21 },
  );
  expect(lines[0]).toBe("a  ├────▒▒▒▒▒┃▒▒▒▒▒────┤");
  expect(lines[1]).toBe("b  (no completed runs)");
  expect(renderDistribution([{ label: "x", samplesNs: [] }], {})).toEqual([]);
});

test("colour adds escape codes only: the visible text is the same as without", () => {
  const plain = renderDistribution(ROWS, { width: 51 });
  const styled = renderDistribution(ROWS, { width: 51, color: true });
  expect(styled.some((l) => l.includes("\x1b["))).toBe(true);
  expect(styled.map(strip)).toEqual(plain);
});

test("the axis unit follows the largest value: seconds with 3 decimals like the log, down to ns", () => {
  expect(axisUnit(1.5e9)).toMatchObject({ name: "s", decimals: 3 });
  expect(axisUnit(2.5e6)).toMatchObject({ name: "ms" });
  expect(axisUnit(2.5e3)).toMatchObject({ name: "µs" });
  expect(axisUnit(250)).toMatchObject({ name: "ns" });
  const lines = renderDistribution([{ label: "t", samplesNs: [1.2e9, 1.5e9] }], { width: 30 });
  expect(lines[1]!.trim().startsWith("1.200 s")).toBe(true);
  expect(lines[1]!.endsWith("1.500 s")).toBe(true);
});

test("a scenario's picture uses each tool's measured, completed runs only", () => {
  const run = (tool: string, phase: string, state: string, wallMs: number) => ({
    scenario: "s", tool, phase, index: 1, round: 1, state, exitCode: 0, verified: true, cache: "kept", residentFraction: null, slotNs: 0,
    measure: { wallNs: wallMs * 1e6, userUs: 0, systemUs: 0, maxRssBytes: 0 },
    ...(state === "failed" ? { reason: "x" } : {}),
  });
  const sr = {
    tools: [
      { state: "completed", tool: "a", label: "alpha" },
      { state: "skipped", tool: "z", label: "zeta", reason: "missing" },
    ],
    runs: [run("a", "warmup", "completed", 1000), run("a", "measured", "completed", 10), run("a", "measured", "failed", 500), run("a", "measured", "completed", 20)],
  } as unknown as ScenarioResult;
  const lines = scenarioDistribution(sr, { width: 21 });
  expect(lines.length).toBe(3);
  expect(lines[0]!.startsWith("alpha  ├")).toBe(true);
  expect(lines[1]!.trim().startsWith("10.00 ms")).toBe(true);
  expect(lines[1]!.endsWith("20.00 ms")).toBe(true);
});
