import { describe, expect, test } from "bun:test";
import { controlBand, controlToolId, judgeControl, NO_VERDICT_CONTROLS, verdictAfterControl } from "../lib/analyze/control";

describe("A/A control", () => {
  test("the band is half the gate's margin on each side of 1", () => {
    const b = controlBand(1.05);
    expect(b.low).toBeCloseTo(0.975, 15);
    expect(b.high).toBeCloseTo(1.025, 15);
    expect(controlBand(1.2)).toEqual({ low: 0.9, high: 1.1 });
  });

  test("an interval inside the band is CLEAN and leaves the verdict alone", () => {
    const j = judgeControl({ low: 0.98, high: 1.02, estimate: 1.0 }, 1.05, "paired sign-test 97.9 %");
    expect(j.state).toBe("CLEAN");
    expect(verdictAfterControl("FAIL", j)).toBe("FAIL");
    expect(verdictAfterControl("PASS", j)).toBe("PASS");
  });

  test("an interval leaving the band at the high end is NOT-CLEAN with the numbers, and the verdict becomes NO-VERDICT", () => {
    const j = judgeControl({ low: 0.99, high: 1.04 }, 1.05, "bootstrap 95 %");
    expect(j.state).toBe("NOT-CLEAN");
    expect(j.state === "NOT-CLEAN" && j.reason).toBe("control/baseline bootstrap 95 % interval [0.990, 1.040] leaves [0.975, 1.025] at the high end");
    expect(verdictAfterControl("PASS", j)).toBe(NO_VERDICT_CONTROLS);
    expect(NO_VERDICT_CONTROLS).toBe("NO-VERDICT (controls not clean)");
  });

  test("an interval wider than the band on both sides is NOT-CLEAN", () => {
    const j = judgeControl({ low: 0.9, high: 1.1 }, 1.05, "paired");
    expect(j.state === "NOT-CLEAN" && j.reason.endsWith("at both ends")).toBe(true);
  });

  test("no interval (too few rounds) is NOT-CLEAN: cleanliness must be shown", () => {
    const j = judgeControl(null, 1.05, "paired", "5 pairs: no 95 % interval");
    expect(j).toMatchObject({ state: "NOT-CLEAN", interval: null, reason: "control has 5 pairs: no 95 % interval" });
  });

  test("no control leaves the verdict unchanged", () => {
    expect(verdictAfterControl("UNDECIDED", null)).toBe("UNDECIDED");
  });

  test("the control arm's id cannot collide with a tool name (which may not contain @)", () => {
    expect(controlToolId("rsync")).toBe("rsync@control");
    expect(/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(controlToolId("rsync"))).toBe(false);
  });
});
