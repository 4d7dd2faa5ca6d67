import { expect, test } from "bun:test";
import { EXIT } from "../lib/errors";
import { gateConfig, mockRun } from "./fixtures/mock-run";

// The gate end to end on the mock executor: every figure is read from the tools' argv, nothing is spawned.

test("a candidate as fast as its baseline and no bigger passes: GO, exit 0", async () => {
  const r = await mockRun(gateConfig({ base: "sleep 0.100 rss=1000000", cand: "sleep 0.100 rss=1000000" }));
  const [v] = r.scenarios[0]!.verdicts;
  expect(v).toMatchObject({ candidate: "cand", baseline: "base", verdict: "PASS", memoryRatio: 1 });
  expect(v!.timeRatio!.estimate).toBeCloseTo(1, 9);
  expect(r.decision).toEqual({ decision: "GO", exitCode: EXIT.go });
});

test("a candidate twice as slow fails on time: NO-GO, exit 1, with the ratio in the reason", async () => {
  const r = await mockRun(gateConfig({ base: "sleep 0.100", cand: "sleep 0.200" }));
  const [v] = r.scenarios[0]!.verdicts;
  expect(v!.verdict).toBe("FAIL");
  expect(v!.reasons).toEqual(["time ratio 2.000 > 1.05"]);
  expect(r.decision).toEqual({ decision: "NO-GO", exitCode: EXIT.noGo });
});

test("a candidate as fast but with twice the peak memory fails on memory: NO-GO", async () => {
  const r = await mockRun(gateConfig({ base: "sleep 0.1 rss=1000000", cand: "sleep 0.1 rss=2000000" }));
  const [v] = r.scenarios[0]!.verdicts;
  expect(v!.verdict).toBe("FAIL");
  expect(v!.memoryRatio).toBe(2);
  expect(v!.reasons).toEqual(["memory ratio 2.000 > 1.1"]);
  expect(r.decision.decision).toBe("NO-GO");
});

test("a baseline whose runs fail leaves the gate undecided: exit 3, with the reason", async () => {
  const r = await mockRun(gateConfig({ base: "sleep 0.1 exit 3", cand: "sleep 0.1" }));
  const [v] = r.scenarios[0]!.verdicts;
  expect(v!.verdict).toBe("UNDECIDED");
  expect(v!.reasons[0]).toStartWith("baseline failed: 4 runs failed; first: warmup 1: exited with status 3");
  expect(r.decision).toEqual({ decision: "UNDECIDED", exitCode: EXIT.undecided });
  expect(r.scenarios[0]!.state).toBe("failed");
});

test("a candidate whose runs fail fails the gate: NO-GO", async () => {
  const r = await mockRun(gateConfig({ base: "sleep 0.1", cand: "sleep 0.1 exit 1" }));
  expect(r.scenarios[0]!.verdicts[0]).toMatchObject({ verdict: "FAIL", reasons: ["candidate failed: 4 runs failed; first: warmup 1: exited with status 1"] });
  expect(r.decision.exitCode).toBe(EXIT.noGo);
});

test("an exit code listed in success_codes is a completed run", async () => {
  const r = await mockRun(gateConfig({ base: "sleep 0.1", cand: "sleep 0.1 exit 3", extra: `, success_codes: ["0..7"]` }));
  expect(r.scenarios[0]!.tools.map((t) => t.state)).toEqual(["completed", "completed"]);
  expect(r.decision.decision).toBe("GO");
});
