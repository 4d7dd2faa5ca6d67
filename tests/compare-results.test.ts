import { expect, test } from "bun:test";
import { compareHeader, compareResults, compareTable } from "../lib/report/compare";
import { makeResults, night } from "./fixtures/synthetic";

function pair(aSec: number[], bSec: number[], extra: { aRss?: number; bRss?: number } = {}) {
  const a = makeResults({ startedAt: night(1), scenarios: [{ name: "large-file", tools: { cp: { seconds: aSec, rssBytes: extra.aRss } } }] });
  const b = makeResults({ startedAt: night(2), scenarios: [{ name: "large-file", tools: { cp: { seconds: bSec, rssBytes: extra.bRss } } }] });
  return compareResults(a, b)[0]!;
}

test("a clearly slower B is called slower with the ratio of means", () => {
  const r = pair([1.0, 1.01, 0.99], [1.2, 1.21, 1.19]);
  expect(r.word).toBe("slower");
  expect(r.timeRatio!.estimate).toBeCloseTo(1.2, 9);
  expect(r.timeRatio!.low).toBeGreaterThan(1);
});

test("a clearly faster B is called faster", () => {
  expect(pair([1.0, 1.01, 0.99], [0.8, 0.81, 0.79]).word).toBe("faster");
});

test("a change whose 95% interval spans 1 is within noise and says so", () => {
  const r = pair([1.0, 1.2, 0.8], [1.05, 1.25, 0.85]);
  expect([r.word, r.why]).toEqual(["within noise", "95% CI spans 1"]);
});

test("a significant change under 1% is within noise by the threshold rule", () => {
  const r = pair([1.0, 1.001, 0.999], [1.005, 1.006, 1.004]);
  expect(r.timeRatio!.low).toBeGreaterThan(1);
  expect([r.word, r.why]).toEqual(["within noise", "|change| < 1%"]);
});

test("the interval comes from the measured wall times in the run records", () => {
  const r = pair([2.0], [3.0, 3.0]);
  expect(r.timeRatio).toEqual({ estimate: 1.5, low: 1.5, high: 1.5 });
  expect(r.why).toBe("single run: no interval");
});

test("memory change is B's median peak RSS over A's", () => {
  const r = pair([1, 1, 1], [1, 1, 1], { aRss: 100 * 2 ** 20, bRss: 150 * 2 ** 20 });
  expect(r.memoryRatio).toBe(1.5);
});

test("tools and scenarios present on one side only are listed as such", () => {
  const a = makeResults({ startedAt: night(1), scenarios: [{ name: "s", tools: { cp: { seconds: [1, 1] }, rsync: { seconds: [1, 1] } } }] });
  const b = makeResults({ startedAt: night(2), scenarios: [{ name: "s", tools: { cp: { seconds: [1, 1] } } }, { name: "new", tools: { cp: { seconds: [1] } } }] });
  const rows = compareResults(a, b).map((r) => `${r.scenario}/${r.tool}: ${r.word}`);
  expect(rows).toEqual(["s/cp: within noise", "s/rsync: only in A", "new/cp: only in B"]);
});

test("the table has one line per scenario and tool with the word and the memory change", () => {
  const a = makeResults({ startedAt: night(1), scenarios: [{ name: "large-file", tools: { cp: { seconds: [1.0, 1.01, 0.99], rssBytes: 2 ** 20 } } }] });
  const b = makeResults({ startedAt: night(2), scenarios: [{ name: "large-file", tools: { cp: { seconds: [1.2, 1.21, 1.19], rssBytes: 2 ** 21 } } }] });
  const text = compareTable(compareResults(a, b), { color: false });
  expect(text).toContain("slower");
  expect(text).toContain("+20.0%");
  expect(text).toContain("1.0 MiB → 2.0 MiB (+100.0%)");
  expect(text).not.toContain("\x1b[");
});

test("the header warns when the two files come from different hosts", () => {
  const a = makeResults({ startedAt: night(1), scenarios: [] });
  const b = makeResults({ startedAt: night(2), host: "B", scenarios: [] });
  expect(compareHeader("a.json", a, "b.json", b).at(-1)).toMatch(/^warning: A and B come from different hosts/);
});

test("the same scenario name with a different workload is shown but not judged", () => {
  const a = makeResults({ startedAt: night(1), scenarios: [{ name: "large-file", tools: { cp: { seconds: [1, 1.01, 0.99] } } }] });
  const b = makeResults({ startedAt: night(2), scenarios: [{ name: "large-file", tools: { cp: { seconds: [2, 2.01, 1.99] } } }] });
  b.scenarios[0]!.workload = { ...b.scenarios[0]!.workload, bytes: a.scenarios[0]!.workload.bytes * 16 };
  const r = compareResults(a, b)[0]!;
  expect(r.timeRatio!.estimate).toBeCloseTo(2, 2);
  expect(r.word).toBe("not comparable");
  expect(r.why).toStartWith("workload or cache differs");
});
