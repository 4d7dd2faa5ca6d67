import { afterAll, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { runCompare } from "../lib/cli/compare-command";
import { writeResults } from "../lib/results/file";
import { captureIO } from "./fixtures/io";
import { fileNameOf, makeResults, night } from "./fixtures/synthetic";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mb-cmp-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const a = makeResults({ startedAt: night(1), scenarios: [{ name: "large-file", tools: { cp: { seconds: [1.0, 1.01, 0.99] }, rsync: { seconds: [2, 2.01, 1.99] } } }] });
const b = makeResults({ startedAt: night(2), scenarios: [{ name: "large-file", tools: { cp: { seconds: [1.2, 1.21, 1.19] }, rsync: { seconds: [2, 2.01, 1.99] } } }] });
const dir = path.join(tmp, "results");
writeResults(path.join(dir, fileNameOf(a)), a);
writeResults(path.join(dir, fileNameOf(b)), b);

test("compare with no arguments compares previous with latest", async () => {
  const io = captureIO(tmp);
  expect(await runCompare(["--results-dir", dir], io)).toBe(0);
  expect(io.stdout()).toContain(`A: ${path.join(dir, fileNameOf(a))}`);
  expect(io.stdout()).toContain(`B: ${path.join(dir, fileNameOf(b))}`);
});

test("compare prints one table row per scenario and tool with its verdict", async () => {
  const io = captureIO(tmp);
  await runCompare([path.join(dir, fileNameOf(a)), path.join(dir, fileNameOf(b))], io);
  const rows = io.stdout().split("\n").filter((l) => l.includes("large-file"));
  expect(rows).toHaveLength(2);
  expect(rows[0]).toMatch(/cp .*\+20\.0% .*slower/);
  expect(rows[1]).toMatch(/rsync .*within noise \(\|change\| < 1%\)/);
});

test("a larger --noise threshold turns a small change into noise", async () => {
  const io = captureIO(tmp);
  await runCompare(["previous", "latest", "--results-dir", dir, "--noise", "25"], io);
  expect(io.stdout()).toMatch(/cp .*within noise \(\|change\| < 25%\)/);
});

test("a bad --noise value exits 2", async () => {
  const io = captureIO(tmp);
  expect(await runCompare(["--results-dir", dir, "--noise", "lots"], io)).toBe(2);
});
