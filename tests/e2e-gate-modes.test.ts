import { afterAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { copyScript, readResults, runCli, tmpDir, writeConfig } from "./helpers";

// The A/A control, the paired gate and tool-native figures, through the real CLI with real tools.

const dir = tmpDir("mb-gate-modes-");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const wide = { env: { COLUMNS: "300" } };

function cfg(name: string, body: string): { config: string; results: string } {
  const d = path.join(dir, name);
  fs.mkdirSync(d);
  return { results: path.join(d, "results"), config: writeConfig(d, `workspace: ${path.join(d, "ws")}\nresults_dir: ${path.join(d, "results")}\n${body}`) };
}

describe("A/A control", () => {
  const slow = copyScript(dir, "slow.sh", { delayS: 0.15 });
  const body = (maxRatio: number) => `defaults: { runs: 3, warmup: 0, cache: keep }
tools:
  base: { argv: [${slow}, "{src}", "{dst}"] }
  cand: { argv: [${slow}, "{src}", "{dst}"] }
scenarios:
  - name: s
    workload: { files: { count: 3, size: 1KiB } }
    tools: [cand, base]
    baseline: base
    control: true
    thresholds: { max_time_ratio: ${maxRatio}, max_memory_ratio: 100 }
`;

  test("control: true runs the baseline again as its own arm, interleaved like any tool, never a candidate", async () => {
    const c = cfg("clean", body(3));
    const r = await runCli(["--config", c.config], wide);
    expect(r.code).toBe(0);
    const s = readResults(c.results).scenarios[0];
    expect(s.tools.map((t: any) => [t.tool, t.label])).toEqual([["cand", "cand"], ["base", "base"], ["base@control", "base (A/A)"]]);
    expect(s.candidates).toEqual(["cand"]);
    // Rounds rotate over three arms: round 1 starts with cand, round 2 with base, round 3 with the control.
    const first = [1, 2, 3].map((round) => s.runs.find((x: any) => x.round === round).tool);
    expect(first).toEqual(["cand", "base", "base@control"]);
    expect(s.runs.filter((x: any) => x.tool === "base@control").every((x: any) => x.control && x.state === "completed")).toBe(true);
    // A band of [0, 2] holds a baseline against itself: the control is clean and the verdict stands.
    expect(s.verdicts[0].control).toMatchObject({ tool: "base@control", state: "CLEAN", band: { low: 0, high: 2 } });
    expect(s.verdicts[0].verdict).toBe("PASS");
    expect(fs.existsSync(path.join(dir, "clean", "ws", "dst", "s", "base@control"))).toBe(true);
  });

  test("a control whose interval leaves 1 ± (max_time_ratio − 1) / 2 makes the verdict NO-VERDICT (controls not clean): exit 3", async () => {
    // max_time_ratio 1 leaves a band of exactly [1, 1]: no two runs of a real tool time alike, so no interval fits.
    const c = cfg("dirty", body(1));
    const r = await runCli(["--config", c.config], wide);
    expect(r.code).toBe(3);
    const v = readResults(c.results).scenarios[0].verdicts[0];
    expect(v.verdict).toBe("NO-VERDICT");
    expect(v.control.state).toBe("NOT-CLEAN");
    expect(v.reasons.join(" ")).toMatch(/NO-VERDICT \(controls not clean\): control\/baseline bootstrap 95 % interval \[[\d.]+, [\d.]+\] leaves \[1\.000, 1\.000\]/);
    expect(r.stdout).toContain("NO-VERDICT (controls not clean)");
    expect(r.stdout).toMatch(/Decision: UNDECIDED \(NO-VERDICT \(controls not clean\)/);
  });
});

describe("the paired gate", () => {
  test("gate: paired decides on the median per-round ratio's sign-test interval: a candidate 3× slower every round is SLOWER, FAIL", async () => {
    const fast = copyScript(dir, "fast.sh", { delayS: 0.05 });
    const slow3 = copyScript(dir, "slow3.sh", { delayS: 0.3 });
    const c = cfg("paired", `defaults: { runs: 6, warmup: 0, cache: keep }
tools:
  base: { argv: [${fast}, "{src}", "{dst}"] }
  cand: { argv: [${slow3}, "{src}", "{dst}"] }
scenarios:
  - name: s
    workload: { files: { count: 3, size: 1KiB } }
    tools: [cand, base]
    baseline: base
    gate: paired
`);
    const r = await runCli(["--config", c.config], wide);
    expect(r.code).toBe(1);
    const v = readResults(c.results).scenarios[0].verdicts[0];
    expect(v).toMatchObject({ verdict: "FAIL", gate: "paired", gateOn: "returned" });
    expect(v.paired.ratios.length).toBe(6);
    expect(v.paired.state).toBe("SLOWER");
    expect(v.paired.interval.confidence).toBeCloseTo(0.96875, 10);
    expect(v.timeRatio.estimate).toBeGreaterThan(1.05);
    expect(r.stdout).toContain("paired ratio [CI]");
    expect(r.stdout).toMatch(/cand vs base: paired [\d.]+ \[[\d.]+, [\d.]+\] 96\.9 % SLOWER · bootstrap [\d.]+ \[[\d.]+, [\d.]+\] · gate: paired on returned → FAIL/);
  });

  test("gate: paired with fewer than 6 runs is refused at config time, naming the line and the fix", async () => {
    const c = cfg("few", `tools:
  cp: { argv: [cp, -a, "{src}/.", "{dst}/"] }
  cpr: { argv: [cp, -R, "{src}/.", "{dst}/"] }
scenarios:
  - name: s
    workload: { files: { count: 1, size: 1KiB } }
    tools: [cp, cpr]
    baseline: cpr
    gate: paired
`);
    const r = await runCli(["--config", c.config, "-r", "5"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bench\.config\.yaml:11:\d+: scenarios\[0\]\.gate: the paired gate needs at least 6 rounds for a 95 % interval, and the runs override \(--runs or RUNS\) gives 5/);
    expect(r.stderr).toContain("hint: use runs: 10, or gate: bootstrap");
  });
});

describe("tool-native figures", () => {
  test("stats: rsync reads --stats from the captured stdout into every run, the table's flags and the CSV export", async () => {
    const c = cfg("rsync", `defaults: { runs: 2, warmup: 0, cache: keep }
tools:
  rsync: { argv: [rsync, -a, --stats, "{src}/", "{dst}/"], stats: rsync }
scenarios:
  - name: s
    workload: { files: { count: 7, size: 2KiB } }
    tools: [rsync]
`);
    const csv = path.join(dir, "rsync", "out.csv");
    const r = await runCli(["--config", c.config, "--export-csv", csv], wide);
    expect(r.code).toBe(0);
    for (const run of readResults(c.results).scenarios[0].runs) {
      expect(run.toolStats).toMatchObject({ ok: true, stats: { kind: "rsync", toolFilesTransferred: 7, toolBytes: 7 * 2048 } });
    }
    expect(r.stdout).toContain("⚑ rsync: tool says: 7 files, 14.0 KiB — medians over 2 runs, from its own --stats");
    const [head, row] = fs.readFileSync(csv, "utf8").trim().split("\n");
    expect(head).toEndWith("tool_files,tool_bytes");
    expect(row).toEndWith(",7,14336");
    // Its stdout still reaches the log in full.
    expect(fs.readFileSync(path.join(dir, "rsync", "ws", "bench.log"), "utf8")).toContain("Number of regular files transferred: 7");
  });

  test("stats: json reads the last JSON object a tool prints: its claimed time beside the measured one", async () => {
    const tool = path.join(dir, "jsontool.sh");
    fs.writeFileSync(tool, `#!/bin/sh\ncp -a "$1/." "$2/"\necho "copying done"\necho '{"files_transferred": 4, "total_bytes": 4096, "duration_ms": 1}'\n`, { mode: 0o755 });
    const c = cfg("json", `defaults: { runs: 2, warmup: 0, cache: keep }
tools:
  blit: { argv: [${tool}, "{src}", "{dst}"], stats: json }
scenarios:
  - name: s
    workload: { files: { count: 4, size: 1KiB } }
    tools: [blit]
`);
    const out = path.join(dir, "json", "h.json");
    const r = await runCli(["--config", c.config, "--export-json", out], wide);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/⚑ blit: tool says: 4 files, 4\.0 KiB, 1 ms \(claimed\/measured 0\.\d\d\) — medians over 2 runs, from its own JSON/);
    expect(JSON.parse(fs.readFileSync(out, "utf8")).results[0].tool_duration_ms).toBe(1);
  });
});
