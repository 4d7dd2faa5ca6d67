import { expect, test } from "bun:test";
import { parseReport } from "../lib/run/spawn";

// mb-run's report line: 7 fields now; a 6-field line from an older meter is still read.

test("the 7th field of mb-run's report is the number of stray processes it killed", () => {
  expect(parseReport("1500 2048 10 20 0 0 3\n")).toEqual({ measure: { wallNs: 1500, maxRssBytes: 2048, userUs: 10, systemUs: 20 }, exitCode: 0, strayProcessesKilled: 3 });
});

test("a stray count of -1 means some were killed but the platform could not count them", () => {
  expect(parseReport("1 2 3 4 0 0 -1")!.strayProcessesKilled).toBeNull();
});

test("an older 6-field report still parses, without a stray count", () => {
  const r = parseReport("1500 2048 10 20 -1 9");
  expect(r).toEqual({ measure: { wallNs: 1500, maxRssBytes: 2048, userUs: 10, systemUs: 20 }, exitCode: 137 });
  expect(parseReport("1 2 3 4 5")).toBeNull();
  expect(parseReport("1 2 3 4 5 6 7 8")).toBeNull();
});

test("with --syncfs the report has 9 fields: durable_ns on the same clock as wall_ns, and the flush's errno", () => {
  expect(parseReport("1500 2048 10 20 0 0 0 2600 0")!.durable).toEqual({ durableNs: 2600, flushNs: 1100, method: "syncfs", timedBy: "meter" });
  expect(parseReport("1500 2048 10 20 0 0 0 -1 2")!.durable).toEqual({ durableNs: null, flushNs: null, method: "syncfs", timedBy: "meter", reason: "syncfs failed: ENOENT" });
  expect(parseReport("1500 2048 10 20 0 0 0")!.durable).toBeUndefined();
});
