import { expect, test } from "bun:test";
import { renderDecisionReport } from "../lib/report/decision";
import { DIAGNOSE_DIR, diagnosisRecord } from "./fixtures/diagnosis";
import { makeResults, night, type ScenarioFixture } from "./fixtures/synthetic";

const MiB = 2 ** 20;
const gated: ScenarioFixture = { name: "small-files", baseline: "cp", candidates: ["wasteful"], tools: { cp: { seconds: [2, 2, 2], rssBytes: 10 * MiB }, wasteful: { seconds: [2.4, 2.5, 2.45], rssBytes: 10 * MiB } } };
const noGo = makeResults({ startedAt: night(4), scenarios: [gated] });

test("a NO-GO with a diagnosis has a Why section after the decision, naming the concrete differences", () => {
  const md = renderDecisionReport({ ...noGo, diagnoses: [diagnosisRecord()] });
  const decision = md.indexOf("## Decision");
  const why = md.indexOf("## Why");
  expect(decision).toBeGreaterThan(0);
  expect(why).toBeGreaterThan(decision);
  expect(why).toBeLessThan(md.indexOf("## Environment"));
  expect(md).toContain("### Why: small-files");
  expect(md).toContain("- cp moves 6.3 MiB (100% of the bytes copied) with copy_file_range (200 calls); wasteful never calls it: missing zero-copy.");
  expect(md).toMatch(/- wasteful writes files in 4\.0 KiB calls/);
  expect(md).toContain("- wasteful: 9.8 MiB + 412 B/file");
  expect(md).toContain("The Why section below says what the diagnosis runs found");
});

test("the Why section links each flame graph relative to the document, which sits beside the results file", () => {
  const md = renderDecisionReport({ ...noGo, diagnoses: [diagnosisRecord()] });
  expect(md).toContain(`- wasteful: [flame graph](${DIAGNOSE_DIR}/wasteful.flamegraph.svg) (300 samples) · [speedscope profile](${DIAGNOSE_DIR}/wasteful.speedscope.json)`);
});

test("an instrument that was refused is named in the Why section with its fix", () => {
  const md = renderDecisionReport({ ...noGo, diagnoses: [diagnosisRecord()] });
  expect(md).toContain("- perf record: refused: kernel.perf_event_paranoid is 3; fix: sysctl kernel.perf_event_paranoid=1 (or run mirrorbench as root)");
});

test("without diagnoses there is no Why section", () => {
  expect(renderDecisionReport(noGo)).not.toContain("## Why");
  expect(renderDecisionReport(noGo)).not.toContain("The Why section below");
  expect(renderDecisionReport({ ...noGo, diagnoses: [] })).not.toContain("## Why");
});
