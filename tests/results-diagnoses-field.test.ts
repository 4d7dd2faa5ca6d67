import { expect, test } from "bun:test";
import { BenchError } from "../lib/errors";
import { parseResults } from "../lib/results/load";
import { diagnosisRecord } from "./fixtures/diagnosis";
import { makeResults, night } from "./fixtures/synthetic";

const MiB = 2 ** 20;
const base = makeResults({ startedAt: night(1), scenarios: [{ name: "small-files", baseline: "cp", candidates: ["wasteful"], tools: { cp: { seconds: [2, 2], rssBytes: MiB }, wasteful: { seconds: [3, 3], rssBytes: MiB } } }] });

function thrown(f: () => unknown): BenchError {
  try {
    f();
  } catch (e) {
    if (e instanceof BenchError) return e;
    throw e;
  }
  throw new Error("did not throw");
}

test("a results file without diagnoses loads as before (the field is optional, no schema version of its own)", () => {
  const r = parseResults(JSON.stringify(base));
  expect(r.diagnoses).toBeUndefined();
});

test("a stored diagnosis loads back as it was written", () => {
  const d = diagnosisRecord();
  const r = parseResults(JSON.stringify({ ...base, diagnoses: [d] }));
  expect(r.diagnoses).toEqual(JSON.parse(JSON.stringify([d])));
});

test("a damaged diagnosis is named by its field, not a crash of a reader later", () => {
  const d: any = JSON.parse(JSON.stringify(diagnosisRecord()));
  d.diff.state = "done";
  const e = thrown(() => parseResults(JSON.stringify({ ...base, diagnoses: [d] }), "r.json"));
  expect(e.message).toContain("diagnoses[0].diff.state: expected one of completed, failed, skipped");
  const f: any = JSON.parse(JSON.stringify(diagnosisRecord()));
  delete f.candidate.flameGraph.value.svg;
  expect(thrown(() => parseResults(JSON.stringify({ ...base, diagnoses: [f] }), "r.json")).message).toContain("diagnoses[0].candidate.flameGraph.value.svg: expected a string");
});
