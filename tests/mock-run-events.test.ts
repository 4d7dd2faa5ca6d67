import { expect, test } from "bun:test";
import type { RunEvent } from "../lib/run/execute";
import { gateConfig, mockRun } from "./fixtures/mock-run";

// executeScenario's onEvent: what the console's progress line and failure output are built on. No process, no file.

const describe = (e: RunEvent) =>
  e.kind === "step" ? `${e.run.tool}/${e.run.phase}/${e.run.index} ${e.step}` : e.kind === "run-start" ? `${e.run.tool}/${e.run.phase}/${e.run.index} start` : `${e.run.tool}/${e.run.phase}/${e.run.index} end ${e.state}${e.failure ? ` ${e.failure}` : ""}`;

test("every run is announced, its steps named in order (reset, cache, tool, check, verify), and its end reported with its state", async () => {
  const events: RunEvent[] = [];
  await mockRun(gateConfig({ base: "sleep 0.1", cand: "sleep 0.2", runs: 1, warmup: 0 }), { onEvent: (e) => void events.push(e) });
  expect(events.map(describe)).toEqual([
    "base/measured/1 start", "base/measured/1 reset", "base/measured/1 cache", "base/measured/1 tool", "base/measured/1 check", "base/measured/1 verify", "base/measured/1 end completed",
    "cand/measured/1 start", "cand/measured/1 reset", "cand/measured/1 cache", "cand/measured/1 tool", "cand/measured/1 check", "cand/measured/1 verify", "cand/measured/1 end completed",
  ]);
  const end = events.find((e) => e.kind === "run-end" && e.run.tool === "cand");
  expect(end).toMatchObject({ wallNs: 200e6, failure: null });
});

test("a failed run's end says whether the tool's exit status, its timeout, or the harness failed it", async () => {
  const events: RunEvent[] = [];
  let n = 0;
  await mockRun(gateConfig({ base: "sleep 0.1 exit 3", cand: "sleep 5", runs: 2, warmup: 0, timeout: "1s" }), {
    onEvent: (e) => void events.push(e),
    harness: {
      async before(run) {
        if (run.tool === "base" && n++ === 1) throw new Error("EACCES: permission denied");
        return { cache: "kept", residentFraction: null };
      },
    },
  });
  const ends = events.filter((e) => e.kind === "run-end").map(describe);
  expect(ends).toEqual(["base/measured/1 end failed exit", "cand/measured/1 end failed timeout", "cand/measured/2 end failed timeout", "base/measured/2 end failed other"]);
});

test("a watcher that throws does not fail a run", async () => {
  const r = await mockRun(gateConfig({ base: "sleep 0.1", cand: "sleep 0.1", runs: 2, warmup: 0 }), {
    onEvent: () => {
      throw new Error("the terminal went away");
    },
  });
  expect(r.scenarios[0]!.runs.every((x) => x.state === "completed")).toBe(true);
  expect(r.decision.decision).toBe("GO");
});
