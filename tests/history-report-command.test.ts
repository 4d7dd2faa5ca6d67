import { afterAll, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { runReport } from "../lib/cli/report-command";
import { writeResults } from "../lib/results/file";
import { captureIO } from "./fixtures/io";
import { fileNameOf, HISTORY_MEANS_S, makeResults, night } from "./fixtures/synthetic";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mb-report-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// Ten steady nights of large-file (cp and rsync ≈ 1 s), then tonight: cp 1.10 s, 10% slower than rsync → NO-GO and a regression.
function folder(name: string): { dir: string; latest: string } {
  const dir = path.join(tmp, name);
  for (const [i, m] of HISTORY_MEANS_S.entries()) {
    const r = makeResults({ startedAt: night(i), scenarios: [{ name: "large-file", baseline: "rsync", candidates: ["cp"], tools: { rsync: { seconds: [m, m, m] }, cp: { seconds: [m - 0.01, m, m + 0.01] } } }] });
    writeResults(path.join(dir, fileNameOf(r)), r);
  }
  const cur = makeResults({ startedAt: night(20), scenarios: [{ name: "large-file", baseline: "rsync", candidates: ["cp"], tools: { rsync: { seconds: [1, 1.02, 0.98] }, cp: { seconds: [1.1, 1.12, 1.08] } } }] });
  const latest = path.join(dir, fileNameOf(cur));
  writeResults(latest, cur);
  return { dir, latest };
}

test("report latest re-renders the newest result's table and gate without running anything", async () => {
  const { dir, latest } = folder("latest");
  const io = captureIO(tmp);
  expect(await runReport(["latest", "--results-dir", dir], io)).toBe(0);
  expect(io.stdout()).toContain(`Results: ${latest}`);
  expect(io.stdout()).toContain("Average [cp] over 3 measured run(s): 1.100s");
  expect(io.stdout()).toContain("Decision: NO-GO");
});

test("report prints the history check and finds tonight's regression", async () => {
  const { dir } = folder("regress");
  const io = captureIO(tmp);
  await runReport(["latest", "--results-dir", dir], io);
  expect(io.stdout()).toMatch(/REGRESSION +large-file \/ cp: slower: 1\.100 s vs mean 1\.000 s of 10 earlier results/);
});

test("report writes the decision report beside the results file", async () => {
  const { latest } = folder("decision");
  const io = captureIO(tmp);
  await runReport([latest], io);
  const md = latest.replace(/\.json$/, ".decision.md");
  expect(io.stdout()).toContain(`Decision report: ${md}`);
  expect(fs.readFileSync(md, "utf8")).toContain("**NO-GO**");
});

test("report output has no colour codes off a terminal", async () => {
  const { latest } = folder("nocolor");
  const io = captureIO(tmp, { isTTY: false });
  await runReport([latest], io);
  expect(io.stdout()).not.toContain("\x1b[");
});

test("report output has no colour codes on a terminal when NO_COLOR is set", async () => {
  const { latest } = folder("no_color_env");
  const io = captureIO(tmp, { isTTY: true, env: { NO_COLOR: "1" } });
  await runReport([latest], io);
  expect(io.stdout()).not.toContain("\x1b[");
});

test("report --html writes a self-contained page beside the results file", async () => {
  const { latest } = folder("html");
  const io = captureIO(tmp);
  await runReport([latest, "--html"], io);
  const html = fs.readFileSync(latest.replace(/\.json$/, ".html"), "utf8");
  expect(html).toContain('class="history-point regression" data-series="large-file/cp"');
});

test("report --html --out writes where it is told", async () => {
  const { latest } = folder("htmlout");
  const out = path.join(tmp, "htmlout", "page.html");
  await runReport([latest, "--html", "--out", out], captureIO(tmp));
  expect(fs.existsSync(out)).toBe(true);
});

test("report exports hyperfine JSON, CSV and Markdown from the stored runs", async () => {
  const { latest } = folder("exports");
  const d = path.join(tmp, "exports");
  await runReport([latest, "--export-json", path.join(d, "h.json"), "--export-csv", path.join(d, "h.csv"), "--export-markdown", path.join(d, "h.md")], captureIO(tmp));
  const json = JSON.parse(fs.readFileSync(path.join(d, "h.json"), "utf8"));
  expect(json.results.map((r: { command: string; times: number[] }) => [r.command, r.times.length])).toEqual([["large-file: rsync", 3], ["large-file: cp", 3]]);
  expect(fs.readFileSync(path.join(d, "h.csv"), "utf8").split("\n")[0]).toStartWith("command,mean,stddev");
  expect(fs.readFileSync(path.join(d, "h.md"), "utf8")).toContain("| Command |");
});

test("report of a missing file exits 2 and names it", async () => {
  const io = captureIO(tmp);
  expect(await runReport(["nope.json"], io)).toBe(2);
  expect(io.stderr()).toContain(path.join(tmp, "nope.json"));
});

test("report with an unknown option exits 2", async () => {
  const io = captureIO(tmp);
  expect(await runReport(["--frobnicate"], io)).toBe(2);
  expect(io.stderr()).toContain("--frobnicate");
});
