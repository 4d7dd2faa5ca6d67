// No label of the HTML report collides with another: checked on the report's own layout model (always) and on the
// boxes headless Chromium really draws (when chromium is installed), for a realistic report and for hard cases.

import { afterAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { renderReport } from "../lib/report/html";
import { overlaps } from "../lib/report/svg";
import type { ResultsFile } from "../lib/results/file";
import { realisticCurrent, realisticHistory } from "./fixtures/realistic";
import { makeResults } from "./fixtures/synthetic";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mb-layout-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function relabel(r: ResultsFile, names: Record<string, string>): ResultsFile {
  const c: ResultsFile = structuredClone(r);
  for (const s of c.scenarios) for (const t of s.tools) t.label = names[t.tool] ?? t.label;
  return c;
}

/** Hard cases: long and wide labels, six tools, a 17× ratio, microsecond runs, an 8-point sweep, 40 results of history. */
function hard(): { current: ResultsFile; history: ResultsFile[] } {
  const six = Object.fromEntries(["rsync", "cp", "tar", "blit", "rclone", "robocopy"].map((t, i) => [t, { seconds: [1, 1.1, 0.9, 1.05, 0.95].map((x) => x * (1 + i * 0.3)) }]));
  const at = (i: number) => new Date(Date.UTC(2026, 0, 1 + Math.floor(i / 3), [1, 9, 17][i % 3]!, 30)).toISOString();
  const current = makeResults({
    startedAt: at(40),
    scenarios: [
      { name: "six-tools-with-a-rather-long-scenario-name", baseline: "rsync", candidates: ["blit", "cp"], tools: six },
      { name: "slow", baseline: "rsync", candidates: ["cp"], tools: { rsync: { seconds: [0.05, 0.06, 0.055] }, cp: { seconds: [0.9, 1.0, 0.95] } } },
      { name: "µs", files: 3, bytes: 3000, baseline: "rsync", candidates: ["cp"], tools: { rsync: { seconds: [0.0002, 0.00021, 0.00019] }, cp: { seconds: [0.00018, 0.0002, 0.00017] } } },
      ...[1, 2, 4, 8, 16, 32, 64, 128].map((n) => ({ name: `sizes[size=${n}KiB]`, baseName: "sizes", parameters: { size: `${n}KiB` }, files: 1, bytes: n * 1024, tools: { rsync: { seconds: [0.001 * n, 0.0011 * n] }, cp: { seconds: [0.0009 * n, 0.001 * n] } } })),
    ],
  });
  const history = Array.from({ length: 40 }, (_, i) => makeResults({ startedAt: at(i), scenarios: [{ name: "slow", baseline: "rsync", candidates: ["cp"], tools: { rsync: { seconds: [0.05 + (i % 5) * 0.002] }, cp: { seconds: [0.9 + (i % 7) * 0.01] } } }] }));
  const names = { blit: "blit-v2 (release build, --threads 16, direct I/O)", cp: "🚀 cp -a", tar: "日本語のツール名", rclone: "rclone copy --transfers 16", robocopy: "robocopy /MIR" };
  return { current: relabel(current, names), history };
}

const cases: [string, ResultsFile, ResultsFile[]][] = [
  ["realistic (3 scenarios × 3 tools, two sweeps, 12 earlier results)", realisticCurrent({ regression: true }), realisticHistory()],
  ["hard cases", hard().current, hard().history],
];

describe("the report's layout model has no colliding labels", () => {
  for (const [name, current, history] of cases) {
    test(name, () => {
      const { charts } = renderReport(current, history);
      expect(charts.length).toBeGreaterThan(5);
      const problems = charts.flatMap((c) => overlaps(c.boxes, c.w, c.h).map((p) => `${c.attrs}: ${p}`));
      expect(problems).toEqual([]);
    });
  }
  test("no axis of the hard cases runs below zero (a history of very different means)", () => {
    const { html } = renderReport(hard().current, hard().history);
    expect(html).not.toMatch(/class="tick"[^>]*>-/);
  });
  test("the check finds a collision when there is one", () => {
    expect(overlaps([{ x: 0, y: 0, w: 50, h: 12, text: "a" }, { x: 40, y: 5, w: 50, h: 12, text: "b" }], 200, 100)).toEqual(['"a" overlaps "b"']);
    expect(overlaps([{ x: 180, y: 0, w: 50, h: 12, text: "c" }], 200, 100)).toEqual(['"c" outside the chart']);
  });
});

// ---- the real browser ----------------------------------------------------------------------

const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => fs.existsSync(p)) ?? Bun.which("chromium");
if (!CHROMIUM) console.warn("html-layout: chromium not found; the browser checks are skipped (apt-get install chromium)");
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"];

function chromium(file: string, extra: string[]): string {
  const profile = fs.mkdtempSync(path.join(tmp, "profile-"));
  const p = Bun.spawnSync([CHROMIUM!, ...FLAGS, `--user-data-dir=${profile}`, ...extra, `file://${file}`], { stdout: "pipe", stderr: "pipe", timeout: 90_000 });
  return p.stdout.toString();
}

// A test-only page: the report plus a script that opens every <details> and measures every label as drawn.
const PROBE = `<script>
document.querySelectorAll("details").forEach((d) => (d.open = true));
const out = [];
let texts = 0;
const charts = document.querySelectorAll("svg.chart");
for (const svg of charts) {
  const s = svg.getBoundingClientRect();
  const ts = [...svg.querySelectorAll("text")].map((t) => ({ t: t.textContent, r: t.getBoundingClientRect() })).filter((x) => x.r.width > 0);
  texts += ts.length;
  for (const a of ts) if (a.r.left < s.left - 1 || a.r.right > s.right + 1 || a.r.top < s.top - 1 || a.r.bottom > s.bottom + 1) out.push("outside: " + a.t);
  for (let i = 0; i < ts.length; i++) for (let j = i + 1; j < ts.length; j++) {
    const a = ts[i].r, b = ts[j].r;
    if (Math.min(a.right, b.right) - Math.max(a.left, b.left) > 0.5 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 0.5) out.push(ts[i].t + " | " + ts[j].t);
  }
}
const pre = document.createElement("pre");
pre.id = "probe";
pre.textContent = JSON.stringify({ charts: charts.length, texts, collisions: out });
document.body.appendChild(pre);
</script>`;

describe.skipIf(!CHROMIUM)("headless Chromium at 1280 px draws no label over another", () => {
  cases.forEach(([name, current, history], i) => {
    test(name, () => {
      const { html, charts } = renderReport(current, history);
      const page = path.join(tmp, `probe-${i}.html`);
      fs.writeFileSync(page, html.replace("</body>", `${PROBE}</body>`));
      const dom = chromium(page, ["--window-size=1280,2000", "--dump-dom"]);
      const m = /<pre id="probe">([^<]*)<\/pre>/.exec(dom);
      expect(m).not.toBeNull();
      const probe = JSON.parse(m![1]!.replace(/&quot;/g, '"').replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">"));
      expect(probe.charts).toBe(charts.length);
      expect(probe.texts).toBeGreaterThan(100);
      expect(probe.collisions).toEqual([]);
    }, 120_000);
  });
  test("a screenshot of the realistic report is drawn (kept at MIRRORBENCH_KEEP_SCREENSHOT)", () => {
    const file = path.join(tmp, "report.html");
    fs.writeFileSync(file, renderReport(cases[0]![1], cases[0]![2]).html);
    const png = path.join(tmp, "report.png");
    chromium(file, [`--screenshot=${png}`, "--window-size=1280,4600"]);
    expect(fs.statSync(png).size).toBeGreaterThan(50_000);
    if (process.env.MIRRORBENCH_KEEP_SCREENSHOT) fs.copyFileSync(png, process.env.MIRRORBENCH_KEEP_SCREENSHOT);
  }, 120_000);
});

describe.skipIf(!CHROMIUM)("the browser probe can fail", () => {
  test("two labels drawn on top of each other are reported", () => {
    const page = path.join(tmp, "bad.html");
    fs.writeFileSync(page, `<!doctype html><body><svg class="chart" width="300" height="100"><text x="10" y="50">overlapping label</text><text x="40" y="52">another label</text><text x="280" y="20">outside on the right</text></svg>${PROBE}</body>`);
    const dom = chromium(page, ["--window-size=1280,800", "--dump-dom"]);
    const probe = JSON.parse(/<pre id="probe">([^<]*)<\/pre>/.exec(dom)![1]!.replace(/&quot;/g, '"'));
    expect(probe.collisions).toEqual(["outside: outside on the right", "overlapping label | another label"]);
  }, 120_000);
});
