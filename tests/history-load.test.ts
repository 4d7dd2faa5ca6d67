import { afterAll, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { BenchError } from "../lib/errors";
import { listResults, resolveResultsRef } from "../lib/history/list";
import { loadResults } from "../lib/results/load";
import { writeResults } from "../lib/results/file";
import { fileNameOf, HOST_A, HOST_B, nightly } from "./fixtures/synthetic";

const fixtures = path.join(import.meta.dir, "fixtures");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mb-load-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function folder(name: string, results: ReturnType<typeof nightly>[]): string {
  const dir = path.join(tmp, name);
  for (const r of results) writeResults(path.join(dir, fileNameOf(r)), r);
  return dir;
}

test("a results file written by writeResults loads back unchanged", () => {
  const r = nightly(1, 1.0);
  const dir = folder("roundtrip", [r]);
  expect(loadResults(path.join(dir, fileNameOf(r)))).toEqual(JSON.parse(JSON.stringify(r)));
});

test("a minimal version-1 file gets its missing optional fields filled in", () => {
  const r = loadResults(path.join(fixtures, "results-v1-minimal.json"));
  const s = r.scenarios[0]!;
  expect([s.baseName, s.parameters, s.runs, s.verdicts, s.baseline, r.decision, r.interrupted]).toEqual(["large-file", {}, [], [], null, null, false]);
});

test("a file without a host gets one derived from its environment", () => {
  const r = loadResults(path.join(fixtures, "results-v1-minimal.json"));
  expect(r.host.id).toMatch(/^unknown-[0-9a-f]{8}$/);
});

test("a JSON file of another schema is refused with the schema it has", () => {
  expect(() => loadResults(path.join(fixtures, "not-results.json"))).toThrow(/not a mirrorbench results file \(schema is undefined/);
});

test("a file from a newer schema version is refused as too new", () => {
  expect(() => loadResults(path.join(fixtures, "results-future.json"))).toThrow(/schemaVersion 99 is newer than this mirrorbench understands \(2\)/);
});

test("a missing file is a BenchError naming the path", () => {
  const f = path.join(tmp, "nope.json");
  let err: unknown;
  try {
    loadResults(f);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(BenchError);
  expect((err as Error).message).toContain(f);
});

test("listResults returns results oldest first and skips files that are not results", () => {
  const dir = folder("list", [nightly(3, 1), nightly(1, 1), nightly(2, 1)]);
  fs.copyFileSync(path.join(fixtures, "not-results.json"), path.join(dir, "hyperfine.json"));
  fs.writeFileSync(path.join(dir, "notes.txt"), "hello");
  expect(listResults(dir).map((e) => e.results.startedAt)).toEqual([nightly(1, 1).startedAt, nightly(2, 1).startedAt, nightly(3, 1).startedAt]);
});

test("listResults with a host id returns only that host's results", () => {
  const dir = folder("hosts", [nightly(1, 1, "A"), nightly(2, 1, "B"), nightly(3, 1, "A")]);
  expect(listResults(dir, { hostId: HOST_B.id }).map((e) => e.results.host.id)).toEqual([HOST_B.id]);
  expect(listResults(dir, { hostId: HOST_A.id })).toHaveLength(2);
});

test("the host filter trusts the content over a renamed file", () => {
  const dir = path.join(tmp, "renamed");
  writeResults(path.join(dir, "my-copy.json"), nightly(1, 1, "B"));
  expect(listResults(dir, { hostId: HOST_A.id })).toHaveLength(0);
  expect(listResults(dir, { hostId: HOST_B.id })).toHaveLength(1);
});

test("a missing results folder is an empty history", () => {
  expect(listResults(path.join(tmp, "absent"))).toEqual([]);
});

test("latest is the newest results file of any host", () => {
  const dir = folder("latest", [nightly(1, 1, "A"), nightly(2, 1, "B")]);
  expect(path.basename(resolveResultsRef("latest", dir))).toBe(fileNameOf(nightly(2, 1, "B")));
});

test("previous is the newest earlier file of the latest file's host", () => {
  const dir = folder("previous", [nightly(1, 1, "A"), nightly(2, 1, "B"), nightly(3, 1, "A")]);
  expect(path.basename(resolveResultsRef("previous", dir))).toBe(fileNameOf(nightly(1, 1, "A")));
});

test("latest in an empty folder is a clear error", () => {
  expect(() => resolveResultsRef("latest", path.join(tmp, "absent"))).toThrow(/no results files in/);
});

test("a path reference resolves against the working directory", () => {
  expect(resolveResultsRef("x/y.json", tmp, "/base")).toBe("/base/x/y.json");
});

test("a version-1 file written by mirrorbench before issue 12 loads as version 2: bootstrap on returned times, no settle, no preflight", () => {
  const r = loadResults(path.join(fixtures, "results-v1-gated.json"));
  expect(r.schemaVersion).toBe(2);
  const s = r.scenarios[0]!;
  expect(s.runOptions).toEqual({ settle: { sync: false, wait: null }, gate: "bootstrap", gateOn: "returned", durable: [], control: null });
  const v = s.verdicts[0]!;
  expect([v.verdict, v.gate, v.gateOn, v.paired, v.control, v.flags]).toEqual(["PASS", "bootstrap", "returned", null, null, []]);
  const done = s.runs.filter((x) => x.state === "completed");
  expect(done.length).toBe(6);
  for (const run of done) expect(run.returnedNs).toBe(run.state === "completed" ? run.measure.wallNs : -1);
  expect(r.preflight).toEqual({ off: "not recorded (written by a mirrorbench without preflight)", reports: [] });
});

test("the upgrade from version 1 leaves the file's own figures alone (times, ratios, reasons)", () => {
  const raw = JSON.parse(fs.readFileSync(path.join(fixtures, "results-v1-gated.json"), "utf8"));
  const r = loadResults(path.join(fixtures, "results-v1-gated.json"));
  expect(r.scenarios[0]!.verdicts[0]!.timeRatio).toEqual(raw.scenarios[0].verdicts[0].timeRatio);
  expect(r.scenarios[0]!.tools).toEqual(raw.scenarios[0].tools);
  expect(r.scenarios[0]!.runs.map((x) => (x.state === "completed" ? x.measure.wallNs : null))).toEqual(raw.scenarios[0].runs.map((x: any) => x.measure?.wallNs ?? null));
});

test("history read lean keeps each earlier file's means but not its runs, and judges the same", () => {
  const dir = folder("lean", [1, 2, 3].map((d) => nightly(d, 1.0 + d / 100)));
  const full = listResults(dir);
  const lean = listResults(dir, { lean: true });
  expect(full.some((e) => e.results.scenarios.some((s) => s.runs.length > 0))).toBe(true);
  expect(lean.every((e) => e.results.scenarios.every((s) => s.runs.length === 0))).toBe(true);
  const means = (l: typeof full) => l.map((e) => e.results.scenarios.map((s) => s.tools.map((t) => (t.state === "completed" ? t.stats?.time?.meanNs : null))));
  expect(means(lean)).toEqual(means(full));
});
