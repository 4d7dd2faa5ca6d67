import { expect, test } from "bun:test";
import { comparisonLine, harnessCostsNs, harnessTarget, medianLine, parseHyperfineTimesNs, sleepTarget, targetLine, trueTarget } from "../scripts/bench-overhead";

test("hyperfine's exported times (seconds) are read as ns from results[0]", () => {
  const json = JSON.stringify({ results: [{ command: "true", mean: 0.002, times: [0.002, 0.0025] }] });
  expect(parseHyperfineTimesNs(json)).toEqual([2e6, 2.5e6]);
  expect(() => parseHyperfineTimesNs(JSON.stringify({ results: [] }))).toThrow("results[0].times");
});

test("the comparison line has the required form: means in ms with 3 decimals, ratio mirrorbench / hyperfine", () => {
  expect(comparisonLine("sleep 0.02", [21e6, 23e6], [20e6, 20e6])).toBe("sleep 0.02: mirrorbench 22.000 ms, hyperfine 20.000 ms, ratio 1.100");
  expect(medianLine([1e6, 2e6, 9e6], [1e6, 1e6, 1e6], 3)).toBe("  (medians: mirrorbench 2.000 ms, hyperfine 1.000 ms, ratio 2.000; n = 3 + 3 in 3 alternating rounds)");
});

test("targets pass and fail on their thresholds", () => {
  expect(trueTarget([1.2e6], [1e6]).pass).toBe(true);
  expect(trueTarget([1.21e6], [1e6]).pass).toBe(false);
  expect(sleepTarget("sleep 0.02", [20.9e6], [20e6]).pass).toBe(true);
  expect(sleepTarget("sleep 0.02", [18.9e6], [20e6]).pass).toBe(false);
  expect(harnessTarget(49.9e6).pass).toBe(true);
  expect(targetLine(sleepTarget("sleep 0.02", [20e6, 21e6, 30e6], [20e6, 20e6, 20e6]))).toBe("FAIL sleep 0.02: mirrorbench mean within 1 ms of hyperfine's (+3.667 ms; medians +1.000 ms)");
  expect(targetLine(harnessTarget(50e6))).toBe("FAIL harness cost per run (100-file scenario) < 50 ms (50.000 ms)");
});

test("harness cost is slot minus timed window, over completed measured runs only", () => {
  const run = (phase: string, state: string, slotNs: number, wallNs: number) => ({ phase, state, slotNs, measure: { wallNs } });
  const results = { scenarios: [{ runs: [run("warmup", "completed", 100, 1), run("measured", "completed", 30, 10), run("measured", "failed", 99, 1), run("measured", "completed", 50, 45)] }] };
  expect(harnessCostsNs(results)).toEqual([20, 5]);
});
