import { expect, test } from "bun:test";
import { oldLines } from "../lib/log";
import { planText } from "../lib/plan/print";

// Plurals read as English: "1 file", "5,000 files"; the old script's "over N measured run(s)" keeps its exact shape.

test("the payload line says 1 file, and thousands with a separator", () => {
  expect(oldLines.payloadSize("256.0 MiB in 1 file(s)")).toBe("Payload size: 256.0 MiB in 1 file");
  expect(oldLines.payloadSize("26.8 MiB in 5000 file(s) (cached dataset reused)")).toBe("Payload size: 26.8 MiB in 5,000 files (cached dataset reused)");
});

test("the old script's Average line keeps run(s): people's awk scripts match it", () => {
  expect(oldLines.average("cp", 1, "0.100")).toBe("Average [cp] over 1 measured run(s): 0.100s");
});

test("the dry run's last line counts scenarios and runs in the singular when there is one", () => {
  const text = planText([{ scenario: { name: "s", workload: { kind: "copy", dataset: { groups: [{ count: 1, perDir: 1, minBytes: 4, maxBytes: 4, content: "random" }], extras: { hardlinks: 0, symlinks: 0, emptyDirs: 0 }, seed: 1 } }, cache: "keep", verify: { enabled: true }, timeoutMs: 1000, baseline: [], thresholds: {} } as any, baseline: null, candidates: [], tools: [], skipped: [], runs: [{ phase: "measured", round: 1, label: "cp", index: 1, total: 1, cache: "keep", dst: "/d", argv: ["cp"] } as any] }], { file: "x.yaml", workspace: "/w", keepWorkspace: true } as any);
  expect(text).toContain("\n1 scenario, 1 run; sources 1 file, ");
  expect(text).toContain("Nothing was generated or spawned.\n");
});
