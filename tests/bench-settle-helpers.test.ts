import { describe, expect, test } from "bun:test";
import { medianOf, SPIKE_FACTOR, spikes } from "../scripts/bench-settle";

describe("bench-settle report helpers", () => {
  test("a spike is a run slower than 1.3 × the median of its own series", () => {
    expect(SPIKE_FACTOR).toBe(1.3);
    const xs = [0.34, 0.33, 0.47, 0.35, 0.8, 0.34, 0.44, 0.36];
    expect(medianOf(xs)).toBe(0.355);
    expect(spikes(xs)).toEqual([0.47, 0.8]);
  });

  test("a steady series has no spikes", () => {
    expect(spikes([1, 1.1, 0.9, 1.2, 1.0])).toEqual([]);
  });
});
