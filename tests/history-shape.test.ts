import { afterAll, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { BenchError } from "../lib/errors";
import { parseResults } from "../lib/results/load";
import { makeResults, night } from "./fixtures/synthetic";
import { runCli, tmpDir } from "./helpers";

const dir = tmpDir("mb-shape-");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A good two-tool result, as JSON the test can damage. */
function good(): any {
  const r = makeResults({ startedAt: night(1), scenarios: [{ name: "s", baseline: "rsync", candidates: ["cp"], tools: { rsync: { seconds: [1, 1, 1] }, cp: { seconds: [0.9, 0.9, 0.9] } } }] });
  return JSON.parse(JSON.stringify(r));
}

function shapeError(raw: unknown): BenchError {
  try {
    parseResults(JSON.stringify(raw), "r.json");
  } catch (e) {
    if (e instanceof BenchError) return e;
    throw e;
  }
  throw new Error("expected a shape error");
}

test("a good results file passes the shape check", () => {
  expect(parseResults(JSON.stringify(good()), "r.json").scenarios[0]!.tools.length).toBe(2);
});

test("a mistyped nested mean is named by its full path, with what was found", () => {
  const raw = good();
  raw.scenarios[0].tools[1].stats.time.meanNs = "x";
  const e = shapeError(raw);
  expect(e.exitCode).toBe(2);
  expect(e.message).toBe('r.json: not a usable mirrorbench results file: scenarios[0].tools[1].stats.time.meanNs: expected a number, got "x"');
});

for (const [what, damage, field] of [
  ["a run without its measure", (r: any) => delete r.scenarios[0].runs[0].measure, "scenarios[0].runs[0].measure: expected an object, got nothing"],
  ["a verdict word nobody writes", (r: any) => (r.scenarios[0].verdicts[0].verdict = "MAYBE"), 'scenarios[0].verdicts[0].verdict: expected one of PASS, FAIL, UNDECIDED, NO-VERDICT, got "MAYBE"'],
  ["a tool state nobody writes", (r: any) => (r.scenarios[0].tools[0].state = "done"), 'scenarios[0].tools[0].state: expected one of completed, failed, skipped, got "done"'],
  ["thresholds as a string", (r: any) => (r.scenarios[0].thresholds = "1.05"), 'scenarios[0].thresholds: expected an object, got "1.05"'],
  ["a scenario that is null", (r: any) => (r.scenarios[0] = null), "scenarios[0]: expected an object, got null"],
  ["a time ratio without bounds", (r: any) => (r.scenarios[0].verdicts[0].timeRatio = { estimate: 1 }), "scenarios[0].verdicts[0].timeRatio.low: expected a number, got nothing"],
  ["a paired state nobody writes", (r: any) => (r.scenarios[0].verdicts[0].paired = { ratios: [], medianRatio: null, interval: null, state: "FAST" }), 'scenarios[0].verdicts[0].paired.state: expected one of FASTER, SLOWER, EQUIVALENT, UNCLEAR, got "FAST"'],
  ["a durable time that is a string", (r: any) => (r.scenarios[0].runs[0].durable = { durableNs: "1", flushNs: 1, method: "syncfs", timedBy: "meter" }), 'scenarios[0].runs[0].durable.durableNs: expected a number, got "1"'],
] as const) {
  test(`${what} is refused, naming the field`, () => {
    const raw = good();
    damage(raw);
    expect(shapeError(raw).message).toEndWith(field);
  });
}

test("report and compare on a damaged file exit 2 naming the field, without a stack trace", async () => {
  const raw = good();
  raw.scenarios[0].tools[1].stats.time.meanNs = "x";
  const bad = path.join(dir, "20261124T013716.123Z_bad.json");
  fs.writeFileSync(bad, JSON.stringify(raw));
  const ok = path.join(dir, "ok.json");
  fs.writeFileSync(ok, JSON.stringify(good()));
  for (const args of [["report", bad], ["compare", ok, bad]]) {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('scenarios[0].tools[1].stats.time.meanNs: expected a number, got "x"');
    expect(r.stderr).not.toContain("TypeError");
    expect(r.stderr).not.toMatch(/^\s+at /m);
  }
});
