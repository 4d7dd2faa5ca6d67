import { expect, test } from "bun:test";
import { gateLines, undecidedCauses } from "../lib/report/console";
import { scenarioDistribution } from "../lib/report/distribution";
import type { ScenarioResult } from "../lib/results/file";
import { realisticCurrent } from "./fixtures/realistic";

// The Decision line's UNDECIDED names the real cause; the box plot fits the console. Pure: no process.

const base = (): ScenarioResult => structuredClone(realisticCurrent().scenarios.find((s) => s.name === "small-files")!);

function undecided(edit: (s: ScenarioResult) => void): ScenarioResult {
  const s = base();
  edit(s);
  for (const v of s.verdicts) {
    v.verdict = "UNDECIDED";
    v.timeRatio = null;
  }
  return s;
}

test("a missing candidate, a missing baseline and a failed baseline are three different causes, each with its reason", () => {
  const candMissing = undecided((s) => {
    const t = s.tools.find((x) => x.tool === s.verdicts[0]!.candidate)!;
    Object.assign(t, { state: "skipped", reason: "./target/release/blit-cli not found or not executable", stats: undefined });
  });
  const baseFailed = undecided((s) => {
    const t = s.tools.find((x) => x.tool === s.baseline)!;
    Object.assign(t, { state: "failed", reason: "5 runs failed; first: measured 1: exited with status 23" });
  });
  const noBase = undecided((s) => {
    const id = s.baseline!;
    Object.assign(s.tools.find((x) => x.tool === id)!, { state: "skipped", reason: "rsync not found on PATH" });
    s.baseline = null;
    for (const v of s.verdicts) v.baseline = id;
  });
  const label = (s: ScenarioResult, id: string) => s.tools.find((t) => t.tool === id)!.label;
  expect(undecidedCauses([candMissing])).toEqual([`candidate ${label(candMissing, candMissing.verdicts[0]!.candidate)} is missing (./target/release/blit-cli not found or not executable) in small-files`]);
  expect(undecidedCauses([baseFailed])).toEqual([`baseline ${label(baseFailed, baseFailed.baseline!)} failed (5 runs failed; first: measured 1: exited with status 23) in small-files`]);
  expect(undecidedCauses([noBase])).toEqual([`no baseline is available (${label(noBase, noBase.verdicts[0]!.baseline)}: rsync not found on PATH) in small-files`]);
  const line = gateLines([candMissing], "UNDECIDED", { color: false, widthCols: 200 }).at(-1)!;
  expect(line).toStartWith("Decision: UNDECIDED (candidate ");
  expect(line).not.toContain("baseline failed or is missing");
});

test("the box plot under a table never exceeds the console's width, and drops out when no plot would be readable", () => {
  const s = base();
  for (const width of [200, 100, 60, 40]) {
    const lines = scenarioDistribution(s, { color: true, widthCols: width });
    expect(lines.length).toBeGreaterThan(2);
    for (const l of lines) expect(Bun.stringWidth(l)).toBeLessThanOrEqual(width);
  }
  expect(scenarioDistribution(s, { widthCols: 14 })).toEqual([]);
});

test("colour comes from styleText: no raw escape codes without colour, SGR codes with it", () => {
  const s = base();
  expect(scenarioDistribution(s, { color: false, widthCols: 100 }).join("\n")).not.toContain("\x1b[");
  expect(scenarioDistribution(s, { color: true, widthCols: 100 }).join("\n")).toMatch(/\x1b\[(36|90|1|33)m/);
});

test("a control that is not clean judges every candidate of its scenario, and the Decision line names the scenario once", () => {
  const s = base();
  s.verdicts = [s.verdicts[0]!, { ...structuredClone(s.verdicts[0]!), candidate: "other" }];
  for (const v of s.verdicts) Object.assign(v, { verdict: "NO-VERDICT", control: { reason: "control/baseline interval [0.9, 1.2] leaves [0.975, 1.025] at both ends" } });
  expect(undecidedCauses([s])).toEqual(["NO-VERDICT (controls not clean): control/baseline interval [0.9, 1.2] leaves [0.975, 1.025] at both ends in small-files"]);
});
