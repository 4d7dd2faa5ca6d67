import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toHyperfineJson } from "../lib/export/json.ts";
import { blitRow, rsyncRow } from "./fixtures/export-rows.ts";

// Expected numbers from numpy: mean/std(ddof=1)/median of [2.0, 2.1, 2.3] and [1.5, 1.6, 1.7].
const parsed = () => JSON.parse(toHyperfineJson([rsyncRow(), blitRow()])).results;

describe("toHyperfineJson", () => {
  test("fields appear in hyperfine's order", () => {
    expect(Object.keys(parsed()[0])).toEqual([
      "command", "mean", "stddev", "median", "user", "system", "min", "max", "times", "memory_usage_byte", "exit_codes", "parameters",
    ]);
  });
  test("command is '<scenario>: <label>'", () => {
    expect(parsed().map((r: { command: string }) => r.command)).toEqual(["large: rsync", "large: blit mirror"]);
  });
  test("times and statistics are in seconds", () => {
    const r = parsed()[0];
    expect(r.times).toEqual([2, 2.1, 2.3]);
    expect(r.mean).toBeCloseTo(2.1333333333333333, 12);
    expect(r.stddev).toBeCloseTo(0.15275252316519458, 12);
    expect([r.median, r.min, r.max]).toEqual([2.1, 2, 2.3]);
  });
  test("user and system are mean CPU seconds", () => {
    const r = parsed()[0];
    expect([r.user, r.system]).toEqual([0.6, 1.1]);
  });
  test("user and system are null when CPU time was never measured", () => {
    const r = parsed()[1];
    expect([r.user, r.system]).toEqual([null, null]);
  });
  test("memory_usage_byte lists peak RSS per run when every run has one", () => {
    expect(parsed()[0].memory_usage_byte).toEqual([1000, 2000, 3000]);
  });
  test("memory_usage_byte is omitted when a run has no figure", () => {
    expect("memory_usage_byte" in parsed()[1]).toBe(false);
  });
  test("parameters hold only the sweep value, in bytes with the unit in the name, as a string of digits like hyperfine's", () => {
    expect(parsed()[0].parameters).toEqual({ size_bytes: "1073741824" });
  });
  test("a result without sweep parameters has no parameters key, as hyperfine skips an empty map", () => {
    expect("parameters" in JSON.parse(toHyperfineJson([rsyncRow({ parameters: {} })])).results[0]).toBe(false);
  });
  test("exit codes are copied per run", () => {
    expect(JSON.parse(toHyperfineJson([rsyncRow({ exitCodes: [0, 24, 0] })])).results[0].exit_codes).toEqual([0, 24, 0]);
  });
  test("a single run has a null stddev like hyperfine's Option", () => {
    expect(JSON.parse(toHyperfineJson([rsyncRow({ timesNs: [3e9] })])).results[0].stddev).toBeNull();
  });
  test("a tool without a measured run is left out, so hyperfine's scripts never meet empty times or a null mean", () => {
    const rs = JSON.parse(toHyperfineJson([rsyncRow({ timesNs: [], exitCodes: [1], maxRssBytes: [] }), blitRow()])).results;
    expect(rs.map((r: { command: string }) => r.command)).toEqual(["large: blit mirror"]);
  });
  test("the text is pretty-printed with two spaces and ends with a newline", () => {
    const text = toHyperfineJson([rsyncRow()]);
    expect(text.startsWith('{\n  "results": [\n    {\n      "command": "large: rsync",')).toBe(true);
    expect(text.endsWith("}\n")).toBe(true);
  });

  const dir = mkdtempSync(join(tmpdir(), "mb-json-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const python = Bun.which("python3");
  test.skipIf(!python)("hyperfine's welch_ttest.py way of reading the file works (python3, no scipy)", () => {
    const file = join(dir, "two.json");
    writeFileSync(file, toHyperfineJson([rsyncRow(), blitRow()]));
    // Same access pattern as scripts/welch_ttest.py, with Welch's t computed by hand instead of scipy.
    const script = `
import json, sys, statistics as st
with open(sys.argv[1]) as f:
    results = json.load(f)["results"]
a, b = [x["command"] for x in results[:2]]
X, Y = [x["times"] for x in results[:2]]
t = (st.mean(X) - st.mean(Y)) / (st.variance(X)/len(X) + st.variance(Y)/len(Y)) ** 0.5
print(json.dumps({"a": a, "b": b, "t": t, "params": results[0]["parameters"]}))
`;
    const p = Bun.spawnSync([python!, "-c", script, file]);
    expect(p.stderr.toString()).toBe("");
    const out = JSON.parse(p.stdout.toString());
    expect([out.a, out.b]).toEqual(["large: rsync", "large: blit mirror"]);
    // scipy.stats.ttest_ind([2.0,2.1,2.3],[1.5,1.6,1.7], equal_var=False).statistic
    expect(out.t).toBeCloseTo(5.059644256269411, 9);
    expect(Number(out.params.size_bytes)).toBe(1073741824);
  });
});
