import { expect, test } from "bun:test";
import { collectionInterval } from "../lib/datasets/collect";
import { DEFAULTS } from "../lib/defaults";

// How often a streaming pass collects garbage: the floor for small trees (their memory allowance is mostly
// the fixed part), a share of a bigger tree (its allowance grows 150 B a file), a ceiling for huge ones.

test("a small tree collects at the floor, a bigger one at its share, a huge one at the ceiling", () => {
  expect(collectionInterval(0)).toBe(DEFAULTS.gcEveryEntries);
  expect(collectionInterval(100_000)).toBe(DEFAULTS.gcEveryEntries);
  expect(collectionInterval(300_000)).toBe(Math.round(300_000 * DEFAULTS.gcEveryTreeFraction));
  expect(collectionInterval(1_000_000)).toBe(15_625);
  expect(collectionInterval(10_000_000)).toBe(DEFAULTS.gcEveryEntriesMax);
});

test("the garbage a share of the tree lets pile up stays inside the tree's own memory allowance", () => {
  // Measured through the CLI: ~1.4 KB of garbage an entry counted (bench:scale; datasets/records.ts).
  const garbagePerEntryBytes = 1400;
  for (const n of [100_000, 300_000, 1_000_000, 5_000_000]) expect(collectionInterval(n) * garbagePerEntryBytes).toBeLessThanOrEqual(Math.max(DEFAULTS.gcEveryEntries * garbagePerEntryBytes, 150 * n));
});
