import { expect, test } from "bun:test";
import { scenarioLines } from "../lib/report/console";
import type { ScenarioResult } from "../lib/results/file";
import { realisticCurrent } from "./fixtures/realistic";

// A scenario measured without a gate: its table has no ratio and no verdict columns, and the room goes to the figures.

test("an ungated scenario's table has no empty ratio and verdict columns, and shows the median they made room for", () => {
  const s: ScenarioResult = structuredClone(realisticCurrent().scenarios.find((x) => x.name === "small-files")!);
  const gated = scenarioLines(s, { color: false, widthCols: 100 });
  s.baseline = null;
  s.verdicts = [];
  const ungated = scenarioLines(s, { color: false, widthCols: 100 });
  const head = (lines: string[]) => lines.find((l) => l.startsWith("│ tool"))!;
  expect(head(gated)).toContain("verdict");
  expect(head(ungated)).not.toContain("verdict");
  expect(head(ungated)).not.toContain("ratio");
  expect(head(ungated)).toContain("median");
  for (const l of ungated) expect(Bun.stringWidth(l)).toBeLessThanOrEqual(100);
});
