import { describe, expect, test } from "bun:test";
import { verdicts } from "../lib/analyze/verdicts";
import { timeGate } from "../lib/analyze/time-gate";
import { toolResults } from "../lib/analyze/tool-stats";
import type { RunRecord, ScenarioPlan } from "../lib/types";

// The time gate's two intervals on exact series: which decides, when they disagree, durable times, clones.

const th = { maxTimeRatio: 1.05, maxMemoryRatio: 1.1, requireSignificance: false };

function run(tool: string, round: number, s: number, extra: Partial<Extract<RunRecord, { state: "completed" }>> = {}): RunRecord {
  return { scenario: "s", tool, phase: "measured", index: round, round, state: "completed", exitCode: 0, verified: true, cache: "kept", residentFraction: null, measure: { wallNs: s * 1e9, userUs: null, systemUs: null, maxRssBytes: 1 << 20 }, ...extra };
}

function series(tool: string, xs: number[], extra?: (i: number) => Partial<Extract<RunRecord, { state: "completed" }>>): RunRecord[] {
  return xs.map((x, i) => run(tool, i + 1, x, extra?.(i)));
}

// One spike in ten rounds: the ratio of means is over the limit, nine of ten paired rounds say 0.97.
const base = series("base", Array(10).fill(1));
const cand = series("cand", [0.97, 0.97, 0.97, 0.97, 0.97, 0.97, 0.97, 0.97, 0.97, 2.5]);

describe("bootstrap and paired side by side", () => {
  test("a single spike drags the ratio of means over the limit (bootstrap FAIL) while the paired interval shows EQUIVALENT; the row says they disagree", () => {
    const t = timeGate([...cand, ...base], "cand", "base", th, "bootstrap", "returned");
    expect(t.verdict).toBe("FAIL");
    expect(t.bootstrap!.estimate).toBeCloseTo(1.123, 3);
    expect(t.paired.state).toBe("EQUIVALENT");
    expect(t.paired.interval).toMatchObject({ low: 0.97, high: 0.97, lowRank: 2, highRank: 9 });
    expect(t.paired.interval!.confidence).toBeCloseTo(0.978515625, 9);
    expect(t.flags).toEqual(["paired and bootstrap disagree: paired EQUIVALENT (PASS), bootstrap FAIL; gate: bootstrap decides"]);
  });

  test("gate: paired lets the paired interval decide the same runs: PASS", () => {
    const t = timeGate([...cand, ...base], "cand", "base", th, "paired", "returned");
    expect(t.verdict).toBe("PASS");
    expect(t.reasons).toEqual([]);
  });

  test("with five rounds the paired analysis has no 95 % interval: UNCLEAR, and no disagreement is claimed", () => {
    const t = timeGate([...cand.slice(0, 5), ...base.slice(0, 5)], "cand", "base", th, "bootstrap", "returned");
    expect(t.verdict).toBe("PASS");
    expect(t.paired.state).toBe("UNCLEAR");
    expect(t.paired.noInterval).toBe("5 pairs: a 95 % sign-test interval needs at least 6 (the widest, [min, max], covers 93.75 %)");
    expect(t.flags).toEqual([]);
  });

  test("gate_on: durable gates on returned + flush: a candidate that returns fast but flushes slowly fails", () => {
    const b = series("base", Array(6).fill(1), () => ({ durable: { durableNs: 1.1e9, flushNs: 0.1e9, method: "syncfs", timedBy: "meter" } }));
    const c = series("cand", Array(6).fill(0.5), () => ({ durable: { durableNs: 2e9, flushNs: 1.5e9, method: "syncfs", timedBy: "meter" } }));
    expect(timeGate([...c, ...b], "cand", "base", th, "bootstrap", "returned").verdict).toBe("PASS");
    const d = timeGate([...c, ...b], "cand", "base", th, "paired", "durable");
    expect(d.verdict).toBe("FAIL");
    expect(d.paired.medianRatio).toBeCloseTo(2 / 1.1, 9);
  });

  test("a round whose flush failed has no durable time: it is dropped from the paired analysis and said", () => {
    const b = series("base", Array(7).fill(1), () => ({ durable: { durableNs: 1.1e9, flushNs: 0.1e9, method: "syncfs", timedBy: "meter" } }));
    const c = series("cand", Array(7).fill(1), (i) => ({ durable: i === 3 ? { durableNs: null, flushNs: null, method: "syncfs", timedBy: "meter", reason: "syncfs failed: EIO" } : { durableNs: 1.1e9, flushNs: 0.1e9, method: "syncfs", timedBy: "meter" } }));
    const t = timeGate([...c, ...b], "cand", "base", th, "paired", "durable");
    expect(t.paired.dropped).toEqual([4]);
    expect(t.paired.ratios.length).toBe(6);
  });
});

describe("clones and different work in the verdict", () => {
  const plan = (tools: string[]): ScenarioPlan => ({
    scenario: { name: "s", baseName: "s", parameters: {}, workload: { kind: "copy", dataset: { seed: 1, groups: [], extras: { emptyDirs: 0, symlinks: 0, hardlinks: 0, executables: 0, oldMtimes: 0 } }, changes: null }, tools, baseline: ["base"], candidates: ["cand"], runs: 6, warmup: 0, timeoutMs: 1000, cache: "keep", verify: { enabled: true, mode: false, mtime: false, symlinks: true, allowSourceLinks: false }, thresholds: th },
    baseline: "base",
    candidates: ["cand"],
    tools,
    skipped: [],
    runs: [],
  });
  const cloned = { clone: { state: "cloned" as const, sampledFiles: 8, sampledBytes: 8 << 20, clonedFiles: 8, overlapBytes: 8 << 20, example: "f0: 1048576 of 1048576 bytes on the source's blocks" } };

  test("a cloned candidate against a copying baseline is never a fast copy: UNDECIDED, flagged CLONED", () => {
    const runs = [...series("cand", Array(6).fill(0.01), () => cloned), ...series("base", Array(6).fill(1), () => ({ clone: { state: "copied", sampledFiles: 8, sampledBytes: 8 << 20 } }))];
    const sp = plan(["cand", "base"]);
    const [v] = verdicts(sp, toolResults(sp, runs, { files: 8, bytes: 8 << 20 }, {}), runs);
    expect(v!.verdict).toBe("UNDECIDED");
    expect(v!.flags).toContain("CLONED in 6 of 6 runs (8/8 sampled files share the source's blocks) — not a copy");
    expect(v!.reasons).toContain("cloned, not copied: the candidate's destination shares the source's blocks and the baseline's does not (on its figures it would have been PASS)");
  });

  test("a cloned candidate that came out slower gets no verdict either: its figures are not a copy's", () => {
    const runs = [...series("cand", Array(6).fill(2), () => cloned), ...series("base", Array(6).fill(1), () => ({ clone: { state: "copied", sampledFiles: 8, sampledBytes: 8 << 20 } }))];
    const sp = plan(["cand", "base"]);
    const [v] = verdicts(sp, toolResults(sp, runs, { files: 8, bytes: 8 << 20 }, {}), runs);
    expect(v!.verdict).toBe("UNDECIDED");
    expect(v!.reasons).toContain("cloned, not copied: the candidate's destination shares the source's blocks and the baseline's does not (on its figures it would have been FAIL)");
  });

  test("a candidate that split hard links is flagged in its row, not failed", () => {
    const split = { sameWork: [{ kind: "links" as const, checked: 5, differing: 5, examples: ["a = b: split into 2 files"] }] };
    const kept = { sameWork: [{ kind: "links" as const, checked: 5, differing: 0, examples: [] }] };
    const runs = [...series("cand", Array(6).fill(1), () => split), ...series("base", Array(6).fill(1), () => kept)];
    const sp = plan(["cand", "base"]);
    const [v] = verdicts(sp, toolResults(sp, runs, { files: 8, bytes: 8 << 20 }, {}), runs);
    expect(v!.verdict).toBe("PASS");
    expect(v!.flags).toEqual(["different work: split or joined 5 hard-link group(s) of 5"]);
    expect(v!.reasons).toContain("different work: split or joined 5 hard-link group(s) of 5");
  });
});
