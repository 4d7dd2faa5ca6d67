import { afterAll, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { checkRegressions, classify, exitWithRegressions, regressionChecks, regressionLines } from "../lib/history/regressions";
import { writeResults } from "../lib/results/file";
import { fileNameOf, HISTORY_MEANS_S, nightly } from "./fixtures/synthetic";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mb-hist-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// History means 1.00 ± 0.0176 s over 10 nights: the 99% prediction interval is 1.000 ± 3.2498·0.01764·√1.1 = [0.9399, 1.0601] s.
const history = HISTORY_MEANS_S.map((m, i) => nightly(i, m));
const checkAt = (meanS: number, hist = history, opts = {}) => regressionChecks(nightly(20, meanS), hist, opts)[0]!;

test("a mean 10% above a steady history is a regression", () => {
  const r = checkAt(1.1);
  expect(r.verdict).toBe("regression");
  expect(r.change!).toBeCloseTo(0.1, 6);
  expect(r.history.n).toBe(10);
});

test("the prediction interval is the Student-t 99% interval of the history means", () => {
  const r = checkAt(1.1);
  expect(r.history.meanNs! / 1e9).toBeCloseTo(1.0, 9);
  expect(r.history.lowNs! / 1e9).toBeCloseTo(0.93988, 4);
  expect(r.history.highNs! / 1e9).toBeCloseTo(1.06012, 4);
});

test("a mean 7% above, outside the interval, is a regression", () => {
  expect(checkAt(1.07).verdict).toBe("regression");
});

test("a mean 5.5% above but inside the prediction interval is not a regression", () => {
  expect(checkAt(1.055).verdict).toBe("ok");
});

test("a change outside a very tight interval but under 5% is not a regression", () => {
  const tight = [1.0, 1.001, 0.999, 1.0, 1.0, 1.001, 0.999].map((m, i) => nightly(i, m));
  const r = checkAt(1.03, tight);
  expect(r.history.highNs! / 1e9).toBeLessThan(1.03);
  expect(r.verdict).toBe("ok");
});

test("a mean 10% below the history is an improvement", () => {
  expect(checkAt(0.9).verdict).toBe("improvement");
});

test("fewer than five earlier results give no verdict and say how many there are", () => {
  const r = checkAt(2.0, history.slice(0, 4));
  expect(r.verdict).toBe("no-verdict");
  expect(r.message).toBe("no verdict (4 earlier results, need 5)");
});

test("results from another host are not history", () => {
  const other = HISTORY_MEANS_S.map((m, i) => nightly(i, m, "B"));
  const r = checkAt(2.0, [...other, ...history.slice(0, 3)]);
  expect(r.verdict).toBe("no-verdict");
  expect(r.history.n).toBe(3);
});

test("results newer than the current one are not history", () => {
  const later = HISTORY_MEANS_S.map((m, i) => nightly(30 + i, m));
  expect(checkAt(2.0, later).verdict).toBe("no-verdict");
});

test("only the newest window of earlier results is used", () => {
  // Old nights at 2 s, the newest five at 1 s: with window 5, 1.0 s is normal.
  const mixed = [...[2, 2, 2, 2, 2].map((m, i) => nightly(i, m)), ...[1, 1.01, 0.99, 1, 1].map((m, i) => nightly(10 + i, m))];
  const r = checkAt(1.0, mixed, { window: 5 });
  expect(r.history.n).toBe(5);
  expect(r.verdict).toBe("ok");
});

test("a scenario whose workload changed under the same name starts a new history", () => {
  const grown = history.map((h) => ({ ...h, scenarios: h.scenarios.map((s) => ({ ...s, workload: { ...s.workload, bytes: 1 } })) }));
  expect(checkAt(3.0, grown).verdict).toBe("no-verdict");
});

test("classify with no history gives no verdict", () => {
  expect(classify(1e9, []).verdict).toBe("no-verdict");
});

test("checkRegressions reads the earlier files of the same host from the results folder", () => {
  const dir = path.join(tmp, "disk");
  for (const h of history) writeResults(path.join(dir, fileNameOf(h)), h);
  for (const h of HISTORY_MEANS_S.map((m, i) => nightly(i, m * 3, "B"))) writeResults(path.join(dir, fileNameOf(h)), h);
  fs.copyFileSync(path.join(import.meta.dir, "fixtures/not-results.json"), path.join(dir, "export.json"));
  const current = nightly(20, 1.1);
  writeResults(path.join(dir, fileNameOf(current)), current);
  const [r] = checkRegressions(current, dir);
  expect(r!.verdict).toBe("regression");
  expect(r!.history.n).toBe(10);
});

test("the printed lines put regressions first and name scenario and tool", () => {
  const lines = regressionLines([checkAt(1.0), checkAt(1.1)]);
  expect(lines[0]).toContain("1 regression");
  expect(lines[1]).toMatch(/^ {2}REGRESSION +large-file \/ cp: slower: 1\.100 s vs mean 1\.000 s of 10 earlier results \(\+10\.0%/);
});

test("--fail-on-regression turns a GO exit into 4 when a regression was found", () => {
  expect(exitWithRegressions(0, [checkAt(1.1)], true)).toBe(4);
});

test("without --fail-on-regression a regression does not change the exit code", () => {
  expect(exitWithRegressions(0, [checkAt(1.1)], false)).toBe(0);
});

test("a NO-GO exit code is kept even when a regression was found", () => {
  expect(exitWithRegressions(1, [checkAt(1.1)], true)).toBe(1);
});
