import { afterAll, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { renderHtml } from "../lib/report/html";
import { HISTORY_MEANS_S, makeResults, night } from "./fixtures/synthetic";

const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => fs.existsSync(p)) ?? Bun.which("chromium");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mb-html-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// Current: one gated scenario (cp 10% slower than rsync) and a 3-point size sweep; history: 10 nights of
// large-file on the same host (cp ≈ 1.00 s), 4 on another host that must not appear. Current cp = 1.10 s is a regression.
const current = makeResults({
  startedAt: night(20),
  scenarios: [
    { name: "large-file", baseline: "rsync", candidates: ["cp"], tools: { rsync: { seconds: [1, 1.02, 0.98] }, cp: { seconds: [1.1, 1.12, 1.08] } } },
    ...["256MiB", "1GiB", "64MiB"].map((size, i) => ({
      name: `sweep[size=${size}]`, baseName: "sweep", parameters: { size }, bytes: [256, 1024, 64][i]! * 2 ** 20,
      tools: { rsync: { seconds: [[1, 4, 0.25][i]!] }, cp: { seconds: [[0.9, 3.5, 0.3][i]!] } },
    })),
  ],
});
const sameHost = HISTORY_MEANS_S.map((m, i) => makeResults({ startedAt: night(i), scenarios: [{ name: "large-file", tools: { rsync: { seconds: [m, m, m] }, cp: { seconds: [m - 0.01, m, m + 0.01] } } }] }));
const otherHost = [1, 2, 3, 4].map((i) => makeResults({ startedAt: night(i), host: "B", scenarios: [{ name: "large-file", tools: { cp: { seconds: [5, 5, 5] } } }] }));
const html = renderHtml(current, [...sameHost, ...otherHost]);
const file = path.join(tmp, "report.html");
fs.writeFileSync(file, html);

const count = (dom: string, re: RegExp) => (dom.match(re) ?? []).length;

test("the page is self-contained: no script, no external URL, no link or font", () => {
  expect(html).not.toMatch(/<script|<link|@import|@font-face|url\(|src=|https?:\/\//i);
});

test("every measured tool of every scenario has a bar and an error bar", () => {
  expect(count(html, /<rect class="bar[^"]*" data-series=/g)).toBe(8);
  expect(count(html, /<g class="errbar" data-series=/g)).toBe(8);
});

test("the threshold line sits at baseline mean × max_time_ratio", () => {
  expect(html).toContain(`<line class="threshold" data-scenario="large-file" data-threshold-ns="1050000000"`);
});

test("a sweep draws one polyline per tool with its points in size order", () => {
  expect(count(html, /<polyline class="sweep-line" data-series="sweep\/(rsync|cp)"/g)).toBe(2);
  const xs = [...html.matchAll(/<circle class="sweep-point" data-series="sweep\/rsync" cx="([\d.]+)" cy="([\d.]+)"/g)].map((m) => Number(m[2]));
  expect(xs).toHaveLength(3);
  expect(xs[0]!).toBeGreaterThan(xs[1]!); // 64 MiB (fastest, lowest on the chart = largest y) comes first
});

test("history has one point per results file of the same host and marks the regression", () => {
  expect(count(html, /<circle class="history-point[^"]*" data-series="large-file\/cp"/g)).toBe(11);
  expect(count(html, /class="history-point regression" data-series="large-file\/cp"/g)).toBe(1);
});

test.skipIf(!CHROMIUM)(`headless chromium renders the series and saves a screenshot${CHROMIUM ? "" : " (SKIPPED: chromium not installed)"}`, () => {
  const flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
  const run = (extra: string[]) => {
    const profile = fs.mkdtempSync(path.join(tmp, "profile-"));
    return Bun.spawnSync([CHROMIUM!, ...flags, `--user-data-dir=${profile}`, ...extra, `file://${file}`], { stdout: "pipe", stderr: "pipe", timeout: 45_000 });
  };
  const dom = run(["--dump-dom"]).stdout.toString();
  expect(count(dom, /<rect class="bar[^"]*" data-series=/g)).toBe(8);
  expect(count(dom, /<polyline class="sweep-line"/g)).toBe(2);
  expect(count(dom, /<polyline class="history-line" data-series="large-file\//g)).toBe(2);
  expect(count(dom, /<polyline class="history-line"/g)).toBe(2); // the sweep points have no history yet: no chart
  expect(count(dom, /class="history-point regression"/g)).toBe(1);
  const png = path.join(tmp, "report.png");
  run([`--screenshot=${png}`, "--window-size=1200,2000"]);
  expect(fs.existsSync(png)).toBe(true);
  expect(fs.statSync(png).size).toBeGreaterThan(20_000);
  const keep = process.env.MIRRORBENCH_KEEP_SCREENSHOT;
  if (keep) fs.copyFileSync(png, keep);
}, 60_000);

if (!CHROMIUM) console.warn("html-report: chromium not found at /usr/bin/chromium; the browser test is skipped (apt-get install chromium)");
