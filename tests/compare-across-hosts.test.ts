import { afterAll, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { runCompare } from "../lib/cli/compare-command";
import { hostKey, latestPerHost } from "../lib/history/list";
import { compareAcrossHosts } from "../lib/report/compare";
import { writeResults, type ResultsFile } from "../lib/results/file";
import { captureIO } from "./fixtures/io";
import { fileNameOf, HOST_A, HOST_B, makeResults, night } from "./fixtures/synthetic";

// compare --across-hosts: the newest result of every host side by side, per scenario and tool.

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mb-across-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const cpRsync = (cp: number, rsync: number) => [{ name: "large-file", baseline: "rsync", candidates: ["cp"], tools: { cp: { seconds: [cp - 0.01, cp, cp + 0.01] }, rsync: { seconds: [rsync - 0.01, rsync, rsync + 0.01] } } }];
const fleet = (r: ResultsFile, host: string): ResultsFile => ({ ...r, fleet: { host, initiator: HOST_A.id } });

const dir = path.join(tmp, "results");
const oldA = makeResults({ startedAt: night(1), host: "A", scenarios: cpRsync(9, 9) });
const newA = makeResults({ startedAt: night(3), host: "A", scenarios: cpRsync(1, 2) });
const newB = makeResults({ startedAt: night(2), host: "B", scenarios: cpRsync(2.5, 2) });
// A second name for machine A, as a fleet run records it: its own column.
const nasA = fleet(makeResults({ startedAt: night(4), host: "A", scenarios: cpRsync(2, 2) }), "nas");
for (const r of [oldA, newA, newB]) writeResults(path.join(dir, fileNameOf(r)), r);
writeResults(path.join(dir, fileNameOf(nasA).replace(".json", "-x.json")), nasA);

test("the newest file of every host is chosen, a fleet member under the fleet's name for it", () => {
  const hosts = latestPerHost(dir);
  expect(hosts.map((h) => hostKey(h.results))).toEqual([HOST_A.id, HOST_B.id, "nas"].sort());
  expect(hosts.find((h) => hostKey(h.results) === HOST_A.id)!.results.startedAt).toBe(night(3));
});

test("--hosts keeps the named hosts in its order, and a host without results is an error naming those with results", () => {
  expect(latestPerHost(dir, ["nas", HOST_B.id]).map((h) => hostKey(h.results))).toEqual(["nas", HOST_B.id]);
  expect(() => latestPerHost(dir, ["mac"])).toThrow("no results of host mac");
});

test("each cell is relative to the first host; the gate verdict and the baseline are marked", () => {
  const rows = compareAcrossHosts(latestPerHost(dir, [HOST_A.id, HOST_B.id]));
  const cp = rows.find((r) => r.tool === "cp")!;
  expect(cp.cells.map((c) => c!.ratio)).toEqual([1, 2.5]);
  expect(cp.cells[0]!.meanNs).toBeCloseTo(1e9, -3);
  expect(cp.cells.map((c) => c!.verdict)).toEqual(["PASS", "FAIL"]);
  expect(rows.find((r) => r.tool === "rsync")!.cells.map((c) => c!.verdict)).toEqual(["baseline", "baseline"]);
});

test("hosts that ran a different workload are shown without a ratio, and the row says why", () => {
  const other = makeResults({ startedAt: night(5), host: "B", scenarios: [{ ...cpRsync(1, 2)[0]!, files: 999 }] });
  const rows = compareAcrossHosts([{ file: "a", results: newA }, { file: "b", results: other }]);
  expect(rows[0]!.note).toContain("workload or cache policy differs");
  expect(rows[0]!.cells.map((c) => c!.ratio)).toEqual([null, null]);
});

test("compare --across-hosts prints which file each column is and one row per scenario and tool", async () => {
  const io = captureIO(tmp);
  expect(await runCompare(["--across-hosts", "--results-dir", dir, "--hosts", `${HOST_A.id},nas`], io)).toBe(0);
  const out = io.stdout();
  expect(out).toContain(`nas: ${path.join(dir, fileNameOf(nasA).replace(".json", "-x.json"))}`);
  expect(out).toContain(`fleet run started on ${HOST_A.id}`);
  expect(out).toMatch(/large-file .*cp .*1\.000 s · .*PASS .*2\.000 s \(2\.00×\)/);
  expect(out.split("\n").filter((l) => l.includes("large-file"))).toHaveLength(2);
});

test("--across-hosts takes no files, and --hosts needs it", async () => {
  const io = captureIO(tmp);
  expect(await runCompare(["--across-hosts", "a.json"], io)).toBe(2);
  expect(await runCompare(["--hosts", "nas", "--results-dir", dir], io)).toBe(2);
  expect(io.stderr()).toContain("--hosts applies only with --across-hosts");
});
