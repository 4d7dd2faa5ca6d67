import { describe, expect, test } from "bun:test";
import { DEFAULTS } from "../lib/defaults.ts";
import { toMarkdown } from "../lib/export/markdown.ts";
import { bootstrapRatioCI } from "../lib/analyze/bootstrap.ts";
import { blitRow, rsyncRow } from "./fixtures/export-rows.ts";

// The console's ratio: candidate mean ÷ baseline mean with analyze.ts's bootstrap settings (same function, same options).
const ci = (a: number[], b: number[]) => {
  const r = bootstrapRatioCI(a, b, { resamples: DEFAULTS.bootstrapResamples, confidence: DEFAULTS.confidence });
  return `${r.estimate.toFixed(3)} [${r.low.toFixed(3)}–${r.high.toFixed(3)}]`;
};
const RSYNC = [2.0e9, 2.1e9, 2.3e9];
const BLIT = [1.5e9, 1.6e9, 1.7e9];

describe("toMarkdown", () => {
  test("with a baseline the Relative column is candidate time ÷ baseline time, as on the console, and the header says so", () => {
    const md = toMarkdown([rsyncRow(), blitRow()], { baseline: "rsync" });
    expect(md).toBe(
      [
        "### large",
        "",
        "| Command | Mean [s] | Min [s] | Max [s] | Relative: time ÷ `rsync` (baseline) [95% CI] |",
        "|:---|---:|---:|---:|---:|",
        "| `rsync` | 2.133 ± 0.153 | 2.000 | 2.300 | 1.000 (reference) |",
        `| \`blit mirror\` | 1.600 ± 0.100 | 1.500 | 1.700 | ${ci(BLIT, RSYNC)} |`,
        "",
      ].join("\n"),
    );
  });
  test("a faster candidate reads below 1 (1.6 s ÷ 2.133 s = 0.750)", () => {
    expect(toMarkdown([rsyncRow(), blitRow()], { baseline: "rsync" })).toContain("| 0.750 [");
  });
  test("without a baseline the fastest row is the reference and the header names it", () => {
    const md = toMarkdown([rsyncRow(), blitRow()]);
    expect(md).toContain("Relative: time ÷ `blit mirror` (fastest) [95% CI] |");
    expect(md).toContain(`| \`rsync\` | 2.133 ± 0.153 | 2.000 | 2.300 | ${ci(RSYNC, BLIT)} |`);
    expect(md).toContain("| 1.333 [");
  });
  test("a per-scenario baseline map picks the reference in that scenario only", () => {
    const md = toMarkdown([rsyncRow(), blitRow()], { baseline: { large: "blit" } });
    expect(md).toContain(`| \`rsync\` | 2.133 ± 0.153 | 2.000 | 2.300 | ${ci(RSYNC, BLIT)} |`);
    expect(md).toContain("| `blit mirror` | 1.600 ± 0.100 | 1.500 | 1.700 | 1.000 (reference) |");
  });
  test("a first row under one second switches the table to milliseconds", () => {
    const md = toMarkdown([rsyncRow({ timesNs: [0.1e9, 0.2e9, 0.3e9] }), blitRow({ timesNs: [1e9, 1e9, 1e9] })]);
    expect(md).toContain("| Command | Mean [ms] | Min [ms] | Max [ms] | Relative: time ÷ `rsync` (fastest) [95% CI] |");
    expect(md).toContain("| `rsync` | 200.0 ± 100.0 | 100.0 | 300.0 | 1.000 (reference) |");
    expect(md).toContain(`| \`blit mirror\` | 1000.0 ± 0.0 | 1000.0 | 1000.0 | ${ci([1e9, 1e9, 1e9], [0.1e9, 0.2e9, 0.3e9])} |`);
  });
  test("each scenario gets its own heading and table", () => {
    const md = toMarkdown([rsyncRow(), blitRow({ scenario: "small-files" })]);
    expect(md.match(/^### /gm)?.length).toBe(2);
    expect(md).toContain("### small-files\n\n| Command");
  });
  test("a single run shows no ± and no interval, and a row without times shows n/a", () => {
    const md = toMarkdown([rsyncRow({ timesNs: [2e9] }), blitRow({ timesNs: [] })]);
    expect(md).toContain("| `rsync` | 2.000 | 2.000 | 2.000 | 1.000 (reference) |");
    expect(md).toContain("| `blit mirror` | n/a | n/a | n/a | n/a |");
    expect(toMarkdown([rsyncRow({ timesNs: [2e9] }), blitRow({ timesNs: [1e9] })], { baseline: "rsync" })).toContain("| 1.000 | 1.000 | 1.000 | 0.500 |");
  });
  test("a pipe in a label is escaped so the table stays intact", () => {
    expect(toMarkdown([rsyncRow({ label: "tar | tar" })])).toContain("| `tar \\| tar` |");
  });
  test("a scenario filter keeps only that scenario's table", () => {
    const md = toMarkdown([rsyncRow(), blitRow({ scenario: "small-files" })], { scenarios: ["small*"] });
    expect(md.match(/^### /gm)).toEqual(["### "]);
    expect(md).toContain("### small-files");
  });
});
