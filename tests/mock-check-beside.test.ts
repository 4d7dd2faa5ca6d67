import { expect, test } from "bun:test";
import type { RunEvent } from "../lib/run/execute";
import { gateConfig, mockRun } from "./fixtures/mock-run";

// A big source's check runs on a data thread beside verification (RunHarness.checkBeside): the check still
// decides first, verification is never left running into the next run, and a run whose tool failed, or
// whose copy is not real, is never verified. No process, no file.

const steps = (events: RunEvent[]) => events.filter((e) => e.kind === "step").map((e) => `${e.run.tool}/${e.run.index} ${(e as { step: string }).step}`);

test("a check beside verification that finds the source modified fails the run with that reason, after the verification it overlapped has ended", async () => {
  const log: string[] = [];
  const events: RunEvent[] = [];
  const r = await mockRun(gateConfig({ base: "sleep 0.1", cand: "sleep 0.1", runs: 1, warmup: 0 }), {
    onEvent: (e) => {
      events.push(e);
      if (e.kind === "run-end") log.push(`${e.run.tool} end`);
    },
    harness: {
      after: () => {
        throw new Error("after() must not be called when checkBeside answered");
      },
      checkBeside: (run) => {
        log.push(`${run.tool} check started`);
        const tampered = Bun.sleep(20).then(() => (log.push(`${run.tool} check done`), run.tool === "cand" ? "modified the source: g0/f1.dat (size, mtime)" : null));
        return { notReal: null, tampered };
      },
      verify: async (run) => {
        log.push(`${run.tool} verify started`);
        await Bun.sleep(60);
        log.push(`${run.tool} verify done`);
        return { ok: true, summary: "" };
      },
    },
  });
  const runs = r.scenarios[0]!.runs;
  expect(runs.find((x) => x.tool === "base")!.state).toBe("completed");
  const cand = runs.find((x) => x.tool === "cand")!;
  expect(cand.state).toBe("failed");
  expect(cand.state === "failed" && cand.reason).toBe("modified the source: g0/f1.dat (size, mtime)");
  // Started together; the run ends only once verification has, though the check answered first.
  expect(log.filter((l) => l.startsWith("cand"))).toEqual(["cand check started", "cand verify started", "cand check done", "cand verify done", "cand end"]);
  expect(steps(events).filter((s) => s.startsWith("cand"))).toEqual(["cand/1 reset", "cand/1 cache", "cand/1 tool", "cand/1 check", "cand/1 verify"]);
  expect(r.errors.join("\n")).toContain("cand modified the source");
});

test("a copy that is not real is not verified; a tool that failed gets the plain check (after), never checkBeside", async () => {
  const calls: string[] = [];
  const r = await mockRun(gateConfig({ base: "sleep 0.1", cand: "sleep 0.1 exit 3", runs: 1, warmup: 0 }), {
    harness: {
      after: (run) => (calls.push(`${run.tool} after`), { notReal: null, tampered: null }),
      checkBeside: (run) => (calls.push(`${run.tool} beside`), { notReal: "destination is a symlink to /etc, not a copy", tampered: Promise.resolve(null) }),
      verify: async (run) => (calls.push(`${run.tool} verify`), { ok: true, summary: "" }),
    },
  });
  expect(calls).toEqual(["base beside", "cand after"]);
  const [base, cand] = ["base", "cand"].map((t) => r.scenarios[0]!.runs.find((x) => x.tool === t)!);
  expect(base!.state === "failed" && base!.reason).toBe("destination is a symlink to /etc, not a copy");
  expect(cand!.state === "failed" && cand!.reason).toBe("exited with status 3");
});

test("a check beside verification that throws fails the run only after verification has ended; the next run goes on", async () => {
  let verifying = 0;
  const r = await mockRun(gateConfig({ base: "sleep 0.1", cand: "sleep 0.1", runs: 2, warmup: 0 }), {
    harness: {
      checkBeside: (run) => ({ notReal: null, tampered: run.tool === "cand" && run.index === 1 ? Promise.reject(new Error("EIO: i/o error, lstat")) : Promise.resolve(null) }),
      verify: async () => {
        if (verifying++ !== 0) throw new Error("two verifications at once");
        await Bun.sleep(30);
        verifying--;
        return { ok: true, summary: "" };
      },
    },
  });
  const states = r.scenarios[0]!.runs.map((x) => `${x.tool}/${x.index} ${x.state}`).sort();
  expect(states).toEqual(["base/1 completed", "base/2 completed", "cand/1 failed", "cand/2 completed"]);
});
