// Named defaults: every value the config may leave out, in one place.

export const DEFAULTS = {
  runs: 5,
  warmup: 1,
  timeoutMs: 10 * 60_000,
  cache: "drop" as const,
  keepWorkspace: true,
  resultsDir: "results",
  maxTimeRatio: 1.05,
  maxMemoryRatio: 1.1,
  requireSignificance: false,
  seed: 1,
  perDir: 1000,
  depth: 0,
  successCodes: [0],
  /** Bootstrap settings for the time-ratio interval. */
  bootstrapResamples: 10_000,
  confidence: 0.95,
  versionTimeoutMs: 1500,
  /**
   * A run's harness-side steps (reset, cache drop, restore, verify) may take the run's timeout plus this,
   * on top of the tool's own timeout, before the run is failed and abandoned (execute.ts guardSlots).
   */
  harnessGraceMs: 60_000,
};

export function defaultWorkspace(tmpdir: string): string {
  return `${tmpdir.replace(/\/$/, "")}/mirrorbench`;
}
