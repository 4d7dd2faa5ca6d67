import { afterAll, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { cacheTreatment, renderDecisionReport, writeDecisionReport } from "../lib/report/decision";
import { makeResults, night, type ScenarioFixture } from "./fixtures/synthetic";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mb-dec-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const MiB = 2 ** 20;
const gated = (name: string, rsync: number[], cp: number[], rss: [number, number] = [10 * MiB, 10 * MiB]): ScenarioFixture => ({
  name,
  baseline: "rsync",
  candidates: ["cp"],
  tools: { rsync: { seconds: rsync, rssBytes: rss[0] }, cp: { seconds: cp, rssBytes: rss[1] } },
});

const pass = makeResults({ startedAt: night(3), scenarios: [gated("large-file", [0.6, 0.61, 0.59], [0.27, 0.28, 0.276]), gated("small-files", [2, 2, 2], [2.02, 2.01, 2.03])] });
const fail = makeResults({ startedAt: night(4), scenarios: [gated("large-file", [0.6, 0.61, 0.59], [0.27, 0.28, 0.276]), gated("small-files", [2, 2, 2], [2.4, 2.5, 2.45], [10 * MiB, 20 * MiB])] });

test("a run where every candidate passes has status PASS and decision GO", () => {
  const md = renderDecisionReport(pass);
  expect(md).toContain("**Status**: PASS");
  expect(md).toMatch(/## Decision\n\n\*\*GO\*\*/);
});

test("the results table has the template's columns and one row per gated scenario", () => {
  const md = renderDecisionReport(pass);
  expect(md).toContain("| Test | baseline (s) | candidate (s) | Ratio | Pass? |");
  expect(md).toMatch(/\| large-file \(cp vs rsync\) \| 0\.600 \| 0\.275 \| 0\.46 \[0\.\d\d–0\.\d\d\] \| ✓ \|/);
  expect(md).toMatch(/\| small-files \(cp vs rsync\) \| 2\.000 \| 2\.020 \| 1\.01 .*\| ✓ \|/);
});

test("a failing scenario makes the status FAIL, the decision NO-GO and lists the reasons", () => {
  const md = renderDecisionReport(fail);
  expect(md).toContain("**Status**: FAIL");
  expect(md).toContain("**NO-GO**");
  expect(md).toContain("1. small-files (cp vs rsync): time ratio 1.225 > 1.05; memory ratio 2.000 > 1.1");
});

test("the memory table shows both peaks, the ratio and a cross when over the limit", () => {
  expect(renderDecisionReport(fail)).toContain("| Peak memory, small-files (cp vs rsync) | 10.0 MiB | 20.0 MiB | 2.00 | ✗ |");
});

test("a missing baseline makes the decision UNDECIDED and says why", () => {
  const r = makeResults({ startedAt: night(5), scenarios: [{ name: "mixed", baseline: "rsync", candidates: ["cp"], tools: { rsync: { seconds: [], state: "skipped", reason: "rsync not found on PATH" }, cp: { seconds: [1, 1, 1] } } }] });
  const md = renderDecisionReport(r);
  expect(md).toContain("**Status**: UNDECIDED");
  expect(md).toContain("1. mixed (cp vs rsync): baseline rsync skipped: rsync not found on PATH");
});

test("the environment section lists OS, kernel, CPU, cores, memory, file system and tool versions", () => {
  const md = renderDecisionReport(pass);
  for (const s of ["Linux 6.1.0-test", "kernel 6.1.0-test", "Test CPU 3000, 8 cores", "Memory: 16.0 GiB", "file system: ext4", "cp: /usr/bin/cp — cp (GNU coreutils) 9.1", "rsync  version 3.2.7"]) {
    expect(md).toContain(s);
  }
});

test("the cache treatment counts each treatment over the measured runs", () => {
  const r = makeResults({ startedAt: night(6), scenarios: [{ name: "s", cacheTreatment: ["dropped", "not-dropped: permission denied", "dropped"], tools: { cp: { seconds: [1, 1, 1] }, rsync: { seconds: [1, 1, 1] } } }] });
  expect(cacheTreatment(r.scenarios[0]!)).toBe("policy drop: dropped on 4/6 measured runs; not-dropped: permission denied on 2/6 measured runs");
});

test("the report is written beside the results file as <stem>.decision.md", () => {
  const file = writeDecisionReport(pass, tmp);
  expect(path.basename(file)).toBe("20260104T020000.000Z_" + pass.host.id + ".decision.md");
  expect(fs.readFileSync(file, "utf8")).toBe(renderDecisionReport(pass));
});

test("an explicit results file name sets the stem", () => {
  expect(path.basename(writeDecisionReport(pass, tmp, { resultsFile: "/x/nightly.json" }))).toBe("nightly.decision.md");
});
