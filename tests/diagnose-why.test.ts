import { describe, expect, test } from "bun:test";
import type { ScenarioDiagnosis } from "../lib/diagnose/types.ts";
import { renderWhy, renderWhySection, WHY_MAX_ROWS } from "../lib/diagnose/why.ts";
import { diagnosisRecord, toolDiag as fixtureTool } from "./fixtures/diagnosis.ts";

// The fixtures' diagnosis record (the 4 KiB copier against cp over 100 files of 64 KiB), with absolute flame-graph
// paths under /r, perf record available and its own gate reason.
const toolDiag = (t: string) => fixtureTool(t, "/r/diagnose/small-files");

function record(over: Partial<ScenarioDiagnosis> = {}): ScenarioDiagnosis {
  const { outDir: _, ...base } = diagnosisRecord({
    gateReasons: ["time ratio 1.30 > 1.05"],
    cache: "dropped",
    candidate: toolDiag("wasteful"),
    baseline: toolDiag("cp"),
    instruments: [
      { id: "strace", state: "available", path: "/usr/bin/strace", version: "6.1" },
      { id: "perf-stat", state: "available", path: "/usr/bin/perf", version: "6.1.187" },
      { id: "perf-record", state: "available", path: "/usr/bin/perf", version: "6.1.187" },
    ],
  });
  return { ...base, ...over };
}

describe("the Why section", () => {
  test("it opens with the scenario, why it was diagnosed and that nothing in it is a timing figure", () => {
    const lines = renderWhy(record());
    expect(lines[0]).toBe("### Why: small-files");
    expect(lines[2]).toContain("Diagnosed because the gate failed (time ratio 1.30 > 1.05)");
    expect(lines[2]).toContain("outside the statistics");
    expect(lines[2]).toContain("nothing here is a timing figure");
    expect(lines[2]).toContain("cache: dropped");
  });

  test("the findings come first, as bullets", () => {
    const text = renderWhy(record()).join("\n");
    const at = text.indexOf("**What stands out**");
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(text.indexOf("**System calls**"));
    expect(text).toContain("- cp moves 6.3 MiB (100% of the bytes copied) with copy_file_range (200 calls); wasteful never calls it: missing zero-copy.");
  });

  test("the syscall table shows the top rows side by side and the total", () => {
    const lines = renderWhy(record());
    expect(lines).toContain("| copy_file_range | 0 / 200 | 0 / 2.00 | 0 / 32.00 | 0 / 0 | — / 2.8 ms |");
    expect(lines.some((l) => l.startsWith("| **total** | 4,176 / 1,949 |"))).toBe(true);
    const rows = lines.filter((l) => /^\| [a-z_0-9]+ \| [\d,]+ \/ [\d,]+ \|/.test(l));
    expect(rows.length).toBe(WHY_MAX_ROWS);
    expect(lines.some((l) => /^\| … \d+ more that differ \|/.test(l))).toBe(true);
  });

  test("I/O sizes and the zero-copy family have their own tables", () => {
    const lines = renderWhy(record());
    expect(lines).toContain("| write | file | 1,600 / 0 | 6.3 MiB / 0 B | 4.0 KiB / — |");
    expect(lines).toContain("| FICLONE | 0 | 100 (100 failed) |");
  });

  test("perf counters the hardware does not expose read as not available", () => {
    const lines = renderWhy(record());
    expect(lines).toContain("| cycles | not available (not supported) | not available (not supported) |");
    expect(lines.some((l) => l.startsWith("| task-clock | 2,051 msec | 2,071 msec |"))).toBe(true);
  });

  test("flame graphs are linked relative to the decision document", () => {
    const lines = renderWhy(record(), { documentDir: "/r" });
    expect(lines).toContain("- wasteful: [flame graph](diagnose/small-files/wasteful.flamegraph.svg) (300 samples) · [speedscope profile](diagnose/small-files/wasteful.speedscope.json)");
  });

  test("memory growth is one line per tool", () => {
    const lines = renderWhy(record());
    expect(lines).toContain("- wasteful: 9.8 MiB + 412 B/file");
    expect(lines).toContain("- cp: 6.1 MiB + 96 B/file");
  });

  test("a missing instrument is named with its fix, where its figures would be", () => {
    const skipped = { state: "skipped" as const, reason: "perf-record missing: perf is not installed", fix: "apt-get install linux-perf" };
    const c = { ...toolDiag("wasteful"), flameGraph: skipped };
    const b = { ...toolDiag("cp"), flameGraph: skipped };
    const lines = renderWhy(record({
      candidate: c, baseline: b,
      instruments: [{ id: "perf-record", state: "missing", reason: "perf is not installed", fix: "apt-get install linux-perf" }],
    }));
    expect(lines).toContain("- wasteful: not run: perf-record missing: perf is not installed; fix: apt-get install linux-perf");
    expect(lines).toContain("- perf record: missing: perf is not installed; fix: apt-get install linux-perf");
  });

  test("without strace the syscall part says why instead of showing tables", () => {
    const text = renderWhy(record({ diff: { state: "skipped", reason: "strace missing: strace is not installed", fix: "apt-get install strace" } })).join("\n");
    expect(text).toContain("**System calls**: strace: not run: strace missing: strace is not installed; fix: apt-get install strace");
    expect(text).not.toContain("**What stands out**");
  });

  test("the section is empty when nothing was diagnosed and headed when something was", () => {
    expect(renderWhySection([])).toEqual([]);
    expect(renderWhySection([record()]).slice(0, 3)).toEqual(["## Why", "", "### Why: small-files"]);
  });

  test("the same record renders to the same lines", () => {
    expect(renderWhy(record())).toEqual(renderWhy(record()));
  });
});
