// Pacing garbage collection in streaming passes over big trees: a full collection every so many entries (by the tree's size), and the heap released between phases.
import { DEFAULTS } from "../defaults";

let owedEntries = 0;
let everyEntries: number = DEFAULTS.gcEveryEntries;
/**
 * A streaming pass makes garbage (paths, dirents, lstat results, entries, messages) at a steady rate,
 * and the engine lets its heap grow far past what is live before it collects: peak RSS would grow with
 * the tree though nothing per file is kept. A full collection once every so many entries handled
 * (listed by a walk, read back from a record file) keeps the high-water mark flat (measured: a 100k-file
 * source snapshot peaked at 71.7 MiB collecting every 16,000 entries, 56.1 MiB every 1,000, in the same
 * time; a young-generation collection alone did not lower it; a whole 100k-file run of bench:scale
 * peaked at 92 MiB, down from 138, once record reads were counted per record, not per 4 MiB).
 * How many: see collectionInterval.
 */
export function collectAfter(entries: number): void {
  owedEntries += entries;
  if (owedEntries < everyEntries) return;
  owedEntries = 0;
  Bun.gc(true);
}

/**
 * Entries between collections for the passes over a tree of `entries`: DEFAULTS.gcEveryEntries, and
 * more in a bigger tree, whose memory allowance (64 MB + 150 B a file) is bigger too. Each collection
 * marks the whole live heap (3-10 ms in the CLI), so at one per 2,000 entries they took a fifth to a
 * quarter of a pass (measured at 300k files through the CLI, every 2,000 / 8,000 / 32,000 entries:
 * verify 2.9 / 2.6 / 2.4 s, source check 1.44 / 1.20 / 1.08 s, peak RSS 83 / 93 / 115 MiB).
 */
export function collectionInterval(entries: number): number {
  return Math.min(DEFAULTS.gcEveryEntriesMax, Math.max(DEFAULTS.gcEveryEntries, Math.round(entries * DEFAULTS.gcEveryTreeFraction)));
}

/** The passes that follow work on a tree of `entries` (a dataset generated, a scenario's source): collect at its interval. */
export function scaleCollection(entries: number): void {
  everyEntries = collectionInterval(entries);
}

/**
 * Between phases over a big tree (a dataset generated, the source snapshotted, before a copy is
 * verified): a full collection, then the allocator asked to return free pages (Bun.shrink), so the next
 * phase's garbage piles up from what is live rather than on top of the last phase's high-water mark
 * (measured: 100k files of 1 B–1 KiB through the CLI, peak RSS 92 -> 86 MiB). Below
 * DEFAULTS.releaseHeapMinEntries entries there is little to return and each call costs a few ms.
 */
export function releaseHeap(entries: number): void {
  if (entries < DEFAULTS.releaseHeapMinEntries) return;
  owedEntries = 0;
  Bun.gc(true);
  Bun.shrink();
}
