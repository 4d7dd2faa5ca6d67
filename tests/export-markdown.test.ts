import { describe, expect, test } from "bun:test";
import { toMarkdown } from "../lib/export/markdown.ts";
import { blitRow, rsyncRow } from "./fixtures/export-rows.ts";

// Relative σ by hand: 1.3333 × sqrt((0.152753/2.13333)² + (0.1/1.6)²) = 0.12672 (numpy gives 0.1267242193812129).
describe("toMarkdown", () => {
  test("without a baseline the fastest row is the 1.00 reference, as in hyperfine", () => {
    expect(toMarkdown([rsyncRow(), blitRow()])).toBe(
      [
        "### large",
        "",
        "| Command | Mean [s] | Min [s] | Max [s] | Relative |",
        "|:---|---:|---:|---:|---:|",
        "| `rsync` | 2.133 ± 0.153 | 2.000 | 2.300 | 1.33 ± 0.13 |",
        "| `blit mirror` | 1.600 ± 0.100 | 1.500 | 1.700 | 1.00 |",
        "",
      ].join("\n"),
    );
  });
  test("with a baseline each row says whether it is faster or slower than the reference", () => {
    const md = toMarkdown([rsyncRow(), blitRow()], { baseline: "rsync" });
    expect(md).toContain("| `rsync` | 2.133 ± 0.153 | 2.000 | 2.300 | 1.00 (reference) |");
    expect(md).toContain("| `blit mirror` | 1.600 ± 0.100 | 1.500 | 1.700 | 1.33 ± 0.13 (faster) |");
  });
  test("a per-scenario baseline map picks the reference in that scenario only", () => {
    const md = toMarkdown([rsyncRow(), blitRow()], { baseline: { large: "blit" } });
    expect(md).toContain("| `rsync` | 2.133 ± 0.153 | 2.000 | 2.300 | 1.33 ± 0.13 (slower) |");
  });
  test("a first row under one second switches the table to milliseconds", () => {
    const md = toMarkdown([
      rsyncRow({ timesNs: [0.1e9, 0.2e9, 0.3e9] }),
      blitRow({ timesNs: [1e9, 1e9, 1e9] }),
    ]);
    expect(md).toContain("| Command | Mean [ms] | Min [ms] | Max [ms] | Relative |");
    expect(md).toContain("| `rsync` | 200.0 ± 100.0 | 100.0 | 300.0 | 1.00 |");
    expect(md).toContain("| `blit mirror` | 1000.0 ± 0.0 | 1000.0 | 1000.0 | 5.00 ± 2.50 |");
  });
  test("each scenario gets its own heading and table", () => {
    const md = toMarkdown([rsyncRow(), blitRow({ scenario: "small-files" })]);
    expect(md.match(/^### /gm)?.length).toBe(2);
    expect(md).toContain("### small-files\n\n| Command");
  });
  test("a single run shows no ± and a row without times shows n/a", () => {
    const md = toMarkdown([rsyncRow({ timesNs: [2e9] }), blitRow({ timesNs: [] })]);
    expect(md).toContain("| `rsync` | 2.000 | 2.000 | 2.000 | 1.00 |");
    expect(md).toContain("| `blit mirror` | n/a | n/a | n/a | n/a |");
  });
  test("a pipe in a label is escaped so the table stays intact", () => {
    expect(toMarkdown([rsyncRow({ label: "tar | tar" })])).toContain("| `tar \\| tar` |");
  });
});
