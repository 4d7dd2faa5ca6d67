// The HTML report plots the gate's decision: per-run points, ratios with intervals against the limits, memory, sweeps, history.

import { afterAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { classify, completedMeanNs } from "../lib/history/regressions";
import { renderHtml } from "../lib/report/html";
import { realisticCurrent, realisticHistory } from "./fixtures/realistic";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mb-html-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const current = realisticCurrent({ regression: true });
const history = realisticHistory();
const html = renderHtml(current, history);
const count = (re: RegExp) => (html.match(re) ?? []).length;
const attrs = (tag: string, cls: string) =>
  [...html.matchAll(new RegExp(`<${tag} class="${cls}"([^>]*)>`, "g"))].map((m) => Object.fromEntries([...m[1]!.matchAll(/([\w-]+)="([^"]*)"/g)].map((a) => [a[1]!, a[2]!])));
const chart = (re: RegExp) => {
  const m = html.match(re);
  if (!m) throw new Error(`no chart ${re}`);
  const start = m.index!;
  return html.slice(start, html.indexOf("</svg>", start));
};

describe("the HTML report", () => {
  test("is one self-contained page: no script, no external URL, no link or font", () => {
    expect(html).not.toMatch(/<script|<link|@import|@font-face|url\(|src=|https?:\/\//i);
  });
  test("every measured run of every tool is a point (3 scenarios × 3 tools × 5 runs, tar skipped in one)", () => {
    for (const s of ["large-file", "small-files", "mixed"]) for (const t of ["rsync", "cp"]) expect(count(new RegExp(`<circle class="run" data-series="${s}/${t}"`, "g"))).toBe(10); // time and memory
    expect(count(/<circle class="run" data-series="mixed\/tar"/g)).toBe(0);
    expect(html).toContain("skipped: not installed: tar not found on PATH");
  });
  test("each measured tool has a mean mark and a median mark", () => {
    const time = chart(/<svg class="chart strip time" data-scenario="large-file"/);
    expect((time.match(/<line class="mean"/g) ?? []).length).toBe(3);
    expect((time.match(/<path class="median"/g) ?? []).length).toBe(3);
  });
  test("the bar through the runs spans exactly the fastest to the slowest run, never mean − σ", () => {
    const time = chart(/<svg class="chart strip time" data-scenario="small-files"/);
    for (const tool of ["rsync", "cp", "tar"]) {
      const xs = [...time.matchAll(new RegExp(`<circle class="run" data-series="small-files/${tool}" cx="([\\d.]+)"`, "g"))].map((m) => Number(m[1]));
      const range = new RegExp(`<line class="range" x1="([\\d.]+)" y1="[\\d.]+" x2="([\\d.]+)"[^>]*data-series="small-files/${tool}"`).exec(time)!;
      expect(Number(range[1])).toBeCloseTo(Math.min(...xs), 1);
      expect(Number(range[2])).toBeCloseTo(Math.max(...xs), 1);
    }
  });
  test("the time limit is baseline mean × max_time_ratio and crosses the gated candidate only", () => {
    const limits = attrs("line", "limit").filter((a) => a["data-tool"] && a["data-scenario"] === "large-file");
    const rsyncMean = completedMeanNs(current.scenarios[0]!, "rsync")!;
    expect(limits.map((a) => a["data-tool"])).toEqual(["cp", "cp"]); // time and memory charts; not rsync, not tar
    expect(Number(limits[0]!["data-limit"])).toBe(Math.round(rsyncMean * 1.05));
  });
  test("a memory chart per scenario with the memory limit at baseline median × max_memory_ratio", () => {
    expect(count(/<svg class="chart strip memory" data-scenario="(large-file|small-files|mixed)"/g)).toBe(3);
    const mem = chart(/<svg class="chart strip memory" data-scenario="mixed"/);
    expect(mem).toMatch(new RegExp(`class="limit" data-scenario="mixed" data-tool="cp" data-limit="${Math.round(8 * 2 ** 20 * 1.1)}"`));
  });
  test("the gate chart puts each ratio against its limit, and says within noise where the interval straddles it", () => {
    const gate = chart(/<svg class="chart gate"/);
    const rows = attrs("circle", "estimate (?:pass|fail|noise)").map((a) => `${a["data-scenario"]}/${a["data-what"]}/${a["data-state"]}`);
    expect(rows).toEqual(["large-file/time/pass", "large-file/memory/pass", "small-files/time/noise", "small-files/memory/pass", "mixed/time/pass", "mixed/memory/fail"]);
    expect(gate).toContain("≤ 1.05 · within noise");
    expect(gate).toContain("1.500 &gt; 1.1");
    expect(gate).toMatch(/<g class="ci noise" data-scenario="small-files"/);
  });
  test("a size sweep sits on a numeric log axis labelled in sizes, equal steps for equal factors", () => {
    const sweep = chart(/<svg class="chart line sweep" data-key="scaling"/);
    expect(sweep).toContain("file size (bytes per file), log scale");
    for (const l of ["1 MiB", "16 MiB", "256 MiB"]) expect(sweep).toContain(`>${l}</text>`);
    const xs = [...new Set([...sweep.matchAll(/<circle class="sweep-point" data-series="scaling\/rsync" cx="([\d.]+)"/g)].map((m) => Number(m[1])))];
    expect(xs).toHaveLength(3);
    expect(xs[2]! - xs[1]!).toBeCloseTo(xs[1]! - xs[0]!, 0);
  });
  test("sweeps have a throughput view: MiB/s always, files/s only where a point copies more than one file", () => {
    expect(count(/<svg class="chart line throughput" data-key="scaling\/MiB\/s"/g)).toBe(1);
    expect(count(/<svg class="chart line throughput" data-key="scaling\/files\/s"/g)).toBe(0);
    expect(count(/<svg class="chart line throughput" data-key="many\/files\/s"/g)).toBe(1);
  });
  test("history points carry date and time labels and the tool version on hover", () => {
    const hist = chart(/<svg class="chart line history" data-key="large-file"/);
    expect(hist).toContain(">03-01 02:00</text>");
    expect(hist).toContain("2026-03-01 10:00 UTC · cp 1.928 s · cp (GNU coreutils) 9.1");
    expect(hist).toContain("cp (GNU coreutils) 9.4");
  });
  test("the history band is classify()'s prediction interval and the regression lies above it", () => {
    const cpMeans = history.map((h) => completedMeanNs(h.scenarios[0]!, "cp")!);
    const c = classify(completedMeanNs(current.scenarios[0]!, "cp")!, cpMeans);
    expect(c.verdict).toBe("regression");
    const hist = chart(/<svg class="chart line history" data-key="large-file"/);
    const band = /<polygon class="band" data-series="large-file\/cp" points="([^"]+)"/.exec(hist)![1]!.split(" ").map((p) => p.split(",").map(Number));
    const point = /<circle class="history-point regression" data-series="large-file\/cp" cx="([\d.]+)" cy="([\d.]+)"/.exec(hist)!;
    const atX = band.filter(([x]) => Math.abs(x! - Number(point[1])) < 0.2).map(([, y]) => y!);
    expect(atX).toHaveLength(2);
    expect(Number(point[2])).toBeLessThan(Math.min(...atX)); // above the band's top edge (smaller y)
  });
  test("the plural is right in scenario lines", () => {
    expect(html).toContain("copy, 1 file, 1.0 GiB");
    expect(html).toContain("copy, 5,000 files, 20.0 MiB");
  });
});
