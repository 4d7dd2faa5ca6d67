import { expect, test } from "bun:test";
import { whyConsoleLines } from "../lib/diagnose/why";
import { resultsConsoleLines } from "../lib/report/console";
import { DIAGNOSE_DIR, diagnosisRecord } from "./fixtures/diagnosis";
import { makeResults, night } from "./fixtures/synthetic";

test("the console names the pair, the cost, the first findings, memory growth and where the flame graphs are", () => {
  const d = diagnosisRecord();
  const lines = whyConsoleLines(d, "/r/x-diagnose/small-files", 3);
  const n = d.diff.state === "completed" ? d.diff.value.findings.length : 0;
  expect(n).toBeGreaterThan(3);
  expect(lines[0]).toBe(`Diagnosis [small-files] wasteful vs cp (one run of each per instrument, outside the statistics; took 6.080 s): ${n} findings, the first 3`);
  expect(lines.filter((l) => l.startsWith("  - ") && !l.startsWith("  - memory"))).toHaveLength(3);
  expect(lines).toContain("  - cp moves 6.3 MiB (100% of the bytes copied) with copy_file_range (200 calls); wasteful never calls it: missing zero-copy.");
  expect(lines).toContain("  - memory: wasteful: 9.8 MiB + 412 B/file");
  expect(lines.at(-1)).toBe("  Flame graphs: /r/x-diagnose/small-files/ (wasteful.flamegraph.svg, cp.flamegraph.svg)");
});

test("without strace or perf the console says what was not run and the fix", () => {
  const d = diagnosisRecord({
    diff: { state: "skipped", reason: "strace missing: strace is not installed", fix: "apt-get install strace (Fedora: dnf install strace)" },
    candidate: { ...diagnosisRecord().candidate, flameGraph: { state: "skipped", reason: "perf-record missing: perf is not installed", fix: "apt-get install linux-perf" } },
    memory: { state: "skipped", reason: "memory_scaling is not set for this scenario" },
  });
  const lines = whyConsoleLines(d, "/r/d", 3);
  expect(lines[0]).toEndWith(": 0 findings");
  expect(lines).toContain("  - system calls: not run: strace missing: strace is not installed; fix: apt-get install strace (Fedora: dnf install strace)");
  expect(lines.some((l) => l.includes("memory"))).toBe(false);
});

test("report prints a stored diagnosis the way the run did, its folder resolved beside the results file", () => {
  const r = makeResults({ startedAt: night(1), scenarios: [{ name: "small-files", baseline: "cp", candidates: ["wasteful"], tools: { cp: { seconds: [2, 2], rssBytes: 1e6 }, wasteful: { seconds: [3, 3], rssBytes: 1e6 } } }] });
  const lines = resultsConsoleLines({ ...r, diagnoses: [diagnosisRecord()] }, { color: false, widthCols: 200, wide: true }, { resultsDir: "/srv/results" });
  expect(lines).toContain(`  Flame graphs: /srv/results/${DIAGNOSE_DIR}/ (wasteful.flamegraph.svg, cp.flamegraph.svg)`);
  expect(resultsConsoleLines(r, { color: false, widthCols: 200, wide: true }).some((l) => l.startsWith("Diagnosis ["))).toBe(false);
});
