import { expect, test } from "bun:test";
import { renderHtml } from "../lib/report/html";
import { DIAGNOSE_DIR, diagnosisRecord } from "./fixtures/diagnosis";
import { makeResults, night } from "./fixtures/synthetic";

const MiB = 2 ** 20;
const results = {
  ...makeResults({ startedAt: night(2), scenarios: [{ name: "small-files", baseline: "cp", candidates: ["wasteful"], tools: { cp: { seconds: [2, 2, 2], rssBytes: MiB }, wasteful: { seconds: [3, 3, 3], rssBytes: MiB } } }] }),
  diagnoses: [diagnosisRecord()],
};

test("a diagnosed scenario's section has a Why block: findings, memory growth and both flame graphs linked", () => {
  const html = renderHtml(results, []);
  const section = html.slice(html.indexOf('data-scenario="small-files"'));
  expect(section).toContain('<div class="why"><h4>Why: wasteful vs cp</h4>');
  expect(section).toContain("<li>cp moves 6.3 MiB (100% of the bytes copied) with copy_file_range (200 calls); wasteful never calls it: missing zero-copy.</li>");
  expect(section).toContain("<li>memory: wasteful: 9.8 MiB + 412 B/file</li>");
  expect(section).toContain(`<a href="${DIAGNOSE_DIR}/wasteful.flamegraph.svg">wasteful</a> (300 samples)`);
  expect(section).toContain(`<a href="${DIAGNOSE_DIR}/cp.flamegraph.svg">cp</a>`);
  expect(section).toContain("Not used: perf record: refused: kernel.perf_event_paranoid is 3; fix: sysctl kernel.perf_event_paranoid=1");
});

test("links follow the page: a page written elsewhere gets them through its href mapping", () => {
  const html = renderHtml(results, [], { href: (p) => `../results/${p}` });
  expect(html).toContain(`<a href="../results/${DIAGNOSE_DIR}/cp.flamegraph.svg">cp</a>`);
});

test("with a Why block the page stays self-contained: no script, no external URL, no link element or font", () => {
  expect(renderHtml(results, [])).not.toMatch(/<script|<link|@import|@font-face|url\(|src=|https?:\/\//i);
});

test("a scenario that was not diagnosed has no Why block", () => {
  const html = renderHtml({ ...results, diagnoses: undefined }, []);
  expect(html).not.toContain('class="why"');
});
