import { expect, test } from "bun:test";
import { guardSlots } from "../lib/run/guard";
import { openLog } from "../lib/log";
import { runOrder } from "../lib/plan/plan";
import type { Slot } from "../lib/run/timing";
import type { PlannedRun, RunRecord } from "../lib/types";

// Whatever happens in a slot's own work, the slot ends with one record and the benchmark goes on.

function setup(budgetMs: number) {
  const order = runOrder(["a"], 0, 2);
  const runs = new Map<string, PlannedRun>(
    order.map((o) => [`${o.tool}/${o.phase}/${o.index}`, { ...o, scenario: "s", label: "A", total: 2, argv: [], dst: "/nowhere", cache: "drop" as const }]),
  );
  const errors: string[] = [];
  const log = openLog(null, { out: () => {}, err: (s) => errors.push(s.trim()) });
  const records: RunRecord[] = [];
  return { order, runs, errors, log, records, budgetMs };
}

test("an exception in a slot becomes that run's failed record with the reason on the console", async () => {
  const o = setup(10_000);
  const guard = guardSlots(async () => {
    throw Object.assign(new Error("ENAMETOOLONG: name too long, scandir '/ws/dst/a/x/x/x'"), { code: "ENAMETOOLONG" });
  }, o);
  const sample = await guard.run(o.order[0] as Slot);
  expect(sample).toBeNaN();
  expect(o.errors).toEqual(["error: A run failed: ENAMETOOLONG: name too long, scandir '/ws/dst/a/x/x/x'"]);
  expect(guard.records()).toMatchObject([{ tool: "a", phase: "measured", index: 1, state: "failed", reason: "ENAMETOOLONG: name too long, scandir '/ws/dst/a/x/x/x'", cache: "unknown" }]);
});

test("a run that recorded its outcome before something later threw keeps that one record", async () => {
  const o = setup(10_000);
  const guard = guardSlots(async () => {
    o.records.push({ scenario: "s", tool: "a", phase: "measured", index: 1, round: 1, state: "completed", exitCode: 0, measure: { wallNs: 1, userUs: 0, systemUs: 0, maxRssBytes: 0 }, verified: true, cache: "dropped", residentFraction: 0 });
    throw new Error("ENOSPC: no space left on device, write");
  }, o);
  await guard.run(o.order[0] as Slot);
  expect(guard.records().map((r) => r.state)).toEqual(["completed"]);
  expect(o.errors).toEqual(["error: A run failed: ENOSPC: no space left on device, write"]);
});

test("a slot that never finishes is failed at its budget and whatever it records later is dropped", async () => {
  const o = setup(50);
  let late: (() => void) | null = null;
  const guard = guardSlots(
    () =>
      new Promise<number>((resolve) => {
        late = () => {
          o.records.push({ scenario: "s", tool: "a", phase: "measured", index: 1, round: 1, state: "failed", exitCode: 1, measure: null, reason: "late", cache: "kept", residentFraction: null });
          resolve(1);
        };
      }),
    o,
  );
  expect(await guard.run(o.order[0] as Slot)).toBeNaN();
  late!();
  const recs = guard.records();
  expect(recs.length).toBe(1);
  expect(recs[0]).toMatchObject({ state: "failed" });
  expect((recs[0] as any).reason).toContain("took longer than its budget of 0.1s");
  expect(o.errors[0]).toStartWith("error: A run failed: the run took longer than its budget");
});
