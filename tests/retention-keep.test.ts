import { afterAll, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { writeResults } from "../lib/results/file";
import { applyRetention } from "../lib/history/retention";
import { fileNameOf, HOST_A, nightly } from "./fixtures/synthetic";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mb-ret-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Five nights of host A, two of host B, each A file with a decision report, plus foreign files. */
function setup(name: string): string {
  const dir = path.join(tmp, name);
  for (let d = 1; d <= 5; d++) {
    const r = nightly(d, 1);
    const f = path.join(dir, fileNameOf(r));
    writeResults(f, r);
    fs.writeFileSync(f.replace(/\.json$/, ".decision.md"), "# decision\n");
  }
  for (const d of [1, 2]) writeResults(path.join(dir, fileNameOf(nightly(d, 1, "B"))), nightly(d, 1, "B"));
  fs.writeFileSync(path.join(dir, "README.md"), "notes");
  fs.writeFileSync(path.join(dir, "export.json"), '{"results":[]}');
  fs.writeFileSync(path.join(dir, `20000101T000000Z_${HOST_A.id}.json`), "{ broken");
  fs.writeFileSync(path.join(dir, `20000101T000000Z_${HOST_A.id}.html`), "<html>");
  return dir;
}

test("retention keeps the newest N results of the host and their decision reports", () => {
  const dir = setup("keep2");
  applyRetention(dir, HOST_A.id, 2);
  const left = fs.readdirSync(dir).filter((n) => n.includes(HOST_A.id) && !n.startsWith("2000"));
  expect(left.sort()).toEqual([4, 5].flatMap((d) => [fileNameOf(nightly(d, 1)), fileNameOf(nightly(d, 1)).replace(".json", ".decision.md")]).sort());
});

test("retention returns every deleted path, results and companions", () => {
  const dir = setup("returned");
  const deleted = applyRetention(dir, HOST_A.id, 3).map((f) => path.basename(f));
  expect(deleted).toEqual([1, 2].flatMap((d) => [fileNameOf(nightly(d, 1)), fileNameOf(nightly(d, 1)).replace(".json", ".decision.md")]));
});

test("retention never touches other hosts' results, foreign files or unreadable ones", () => {
  const dir = setup("foreign");
  applyRetention(dir, HOST_A.id, 1);
  const left = fs.readdirSync(dir);
  for (const d of [1, 2]) expect(left).toContain(fileNameOf(nightly(d, 1, "B")));
  for (const n of ["README.md", "export.json", `20000101T000000Z_${HOST_A.id}.json`, `20000101T000000Z_${HOST_A.id}.html`]) expect(left).toContain(n);
});

test("keeping more than there are deletes nothing", () => {
  expect(applyRetention(setup("plenty"), HOST_A.id, 50)).toEqual([]);
});

test("keep 0 is refused rather than deleting every result", () => {
  const dir = setup("zero");
  expect(() => applyRetention(dir, HOST_A.id, 0)).toThrow(/keep_results must be a whole number ≥ 1/);
  expect(fs.readdirSync(dir).filter((n) => n.endsWith(".json")).length).toBe(9);
});
