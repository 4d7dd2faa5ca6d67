// Named defaults: every value the config may leave out, and every tunable of the harness, in one place.

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
  /** A file group's defaults beside count and size. */
  group: { distribution: "uniform" as const, content: "random" as const, names: "short" as const, compressRatio: 2 },
  /** Bytes of each file an incremental change set adds (changes.add_size). */
  addBytes: 1024,
  /** verify: true compares presence, size, content and symlink targets; mode and mtime only when asked. */
  verify: { enabled: true, mode: false, mtime: false, symlinks: true, allowSourceLinks: false },
  /** verify:'s same-work levels (hard links, xattrs, sparseness, owners) and the clone label: all on. */
  sameWork: { links: true, xattrs: true, sparse: true, owner: true, clone: true },
  successCodes: [0],
  /**
   * settle: before every run, after the reset and the cache treatment, outside the timed window. By default
   * only sync(1) (`settle: sync`); `settle: true` or a mapping also waits until the disks under the workspace
   * and the source write less than drainMibPerSec for quietSamples consecutive samples, or maxWaitMs passed.
   * 2 MiB/s is below ext4's 5 s journal commit of a busy tree and above an idle VM's noise.
   */
  settle: { sync: true, wait: false, drainMibPerSec: 2, quietSamples: 3, maxWaitMs: 30_000, sampleMs: 250 },
  /** gate: which interval decides the time gate. bootstrap is the user's written rule (ratio of mean times ≤ max_time_ratio). */
  gate: "bootstrap" as "bootstrap" | "paired",
  /** The paired (sign-test) interval's confidence; with it, the fewest rounds that give an interval (6 at 95 %). */
  pairedConfidence: 0.95,
  pairedMinRuns: 6,
  /** {state}: a fresh empty directory per run unless `state: shared`. */
  state: "fresh" as "fresh" | "shared",
  /**
   * preflight: before the first run (every check, the 1 s timer check once per invocation) and before each scenario
   * (load, processes, memory). max_load defaults to cores × maxLoadPerCore; a load over it gets up to loadWaitMs to fall
   * (polled every loadPollMs) before the check fails: what just ended (an install, our own runs) decays, another job stays.
   */
  preflight: {
    maxLoadPerCore: 0.5,
    forbidProcesses: ["cargo", "rustc", "cc1", "ld"] as readonly string[],
    timerSleepMs: 1000,
    timerMinMs: 880,
    timerMaxMs: 1120,
    /** Free memory every scenario needs on top of its dataset (the tools themselves, the harness). */
    baseFreeBytes: 256 * 1048576,
    loadWaitMs: 60_000,
    loadPollMs: 2_000,
  },
  /** How many differing entries a same-work check names. */
  sameWorkExamples: 5,
  /** The clone check samples this many destination files evenly over the tree, plus the largest few. */
  cloneSampleFiles: 64,
  cloneLargestFiles: 8,
  /** Bootstrap settings for the time-ratio interval. */
  bootstrapResamples: 10_000,
  confidence: 0.95,
  /**
   * The history check: a mean outside the `confidence` Student-t prediction interval of the newest `window`
   * earlier results AND more than `minChange` off their mean; no verdict below `minHistory` results.
   */
  regression: { window: 30, confidence: 0.99, minHistory: 5, minChange: 0.05 },
  /** compare: a change smaller than this fraction is noise however tight its interval (Criterion's 1%). */
  compareNoise: 0.01,
  /** Fixed seed: the same runs give the same interval every time. */
  bootstrapSeed: 0x5eed,
  /** Console warnings about one tool's runs: σ over maxCv × mean (pyperf's 10%), a first run coldFactor × slower than the rest, fewer than minRuns runs. */
  warnings: { maxCv: 0.1, coldFactor: 1.1, minRuns: 3 },
  versionTimeoutMs: 1500,
  /** Up to this size a group is "small files" in the old script's wording ("Generating N small files…"). */
  smallFileMaxBytes: 1024 * 1024,
  /**
   * Memory a run holds per entry of its source = planBytesPerFile + planBytesPerPathByte × path bytes:
   * the lstat snapshot (~40 bytes of fingerprint + the prefix-compressed path's new bytes), 8 bytes of
   * content hash while generating, 8 bytes per restored destination; everything else is streamed.
   * Measured (bun run bench:scale, 1 B–1 KiB files, names: short): peak RSS 157 / 164 / 189 MiB at
   * 100k / 300k / 1M files, a slope of 37 bytes per file over a fixed ~150 MiB (Bun, its JIT, four data
   * threads). Was 1300 + 13 per path byte before the manifest was streamed. Config load refuses a
   * workload whose per-entry memory exceeds RAM.
   */
  planBytesPerFile: 64,
  planBytesPerPathByte: 1,
  /** An old (v1) JSON manifest up to this size is upgraded in place when its dataset is reused; a larger one regenerates the dataset (parsing it would need ~10x its size in memory). */
  legacyManifestMaxBytes: 64 << 20,
  /** One dataset's per-file slots are typed arrays indexed by file (at most 2^32 - 1 elements). */
  maxDatasetFiles: 2 ** 32 - 1,
  /** Linux PATH_MAX, including the terminating NUL. */
  pathMaxBytes: 4096,
  /** Longest file name (NAME_MAX) on the file systems benchmarks run on. */
  nameMaxBytes: 255,
  /** Longest prefix mirrorbench puts between the workspace and a dataset's tree (datasets/.tmp-<hash>-<pid>-<n>/tree/). */
  datasetPrefixBytes: 64,
  /**
   * A run's harness-side steps (reset, cache drop, restore, verify) may take the run's timeout plus this,
   * on top of the tool's own timeout, before the run is failed and abandoned (execute.ts guardSlots).
   */
  harnessGraceMs: 60_000,
  /** Source files whose page-cache residency is sampled (mincore) before each cold run. */
  residencySampleFiles: 64,
  /** A sample this resident counts as cached: verifying it sizes its threads for the page cache, not the disk. */
  residentEnoughFraction: 0.9,
  /** After SIGTERM, how long a tool tree (or the meter) gets before SIGKILL. */
  killGraceMs: 1000,
  /** `sudo -n tee drop_caches` and other short system commands. */
  sudoTimeoutMs: 10_000,
  /** sync, purge and the Windows standby purge, which can take long on a busy disk. */
  cacheCommandTimeoutMs: 120_000,
  /** Compiling the mb-run meter (once per source version); a compiler stub that hangs falls back after this. */
  meterBuildTimeoutMs: 60_000,
  /** verify with mtime: a difference under 1 ms matches; 2 s when the copy's time has no sub-second part (coarse file systems). */
  mtimeToleranceMs: 1,
  coarseMtimeToleranceMs: 2000,
  /** How many wrong entries a failed verification names, and how many source changes a source-check failure names. */
  verifyExamples: 5,
  sourceChangesNamed: 3,
  /** A source check keeps at most this many changes in memory (the most telling); the rest are counted. */
  sourceChangesKept: 10_000,
  /** Data workers (generate, hash, copy) pay off from this many files or bytes; at most this many, one per core. */
  dataWorkerMinFiles: 2000,
  dataWorkerMinBytes: 64 << 20,
  dataWorkersMax: 8,
  /** Threads for work that waits on the disk per small file (verify, checks, restore), whatever the core count. */
  dataWorkersIo: 4,
  /** Reading files already in the page cache, threads pay off from this many bytes to hash (datasets/pool.ts). */
  dataWorkerResidentMinBytes: 256 << 20,
  /** …and only when files average this many bytes: below, a worker's per-file messaging costs more than the hashing it takes off the main thread. */
  dataWorkerResidentMinFileBytes: 16 << 10,
  /** Streaming passes (generate, verify, restore, checks, walks) collect garbage after this many entries at least, so peak memory does not grow with the tree (datasets/collect.ts)… */
  gcEveryEntries: 2000,
  /** …after this share of the tree's entries in a bigger tree (its memory allowance is bigger: 150 B a file)… */
  gcEveryTreeFraction: 1 / 64,
  /** …and after this many at most. */
  gcEveryEntriesMax: 32_000,
  /** Trees from this many entries get a full collection and the allocator's free pages returned between phases (datasets/collect.ts releaseHeap). */
  releaseHeapMinEntries: 20_000,
  /** Sources of this many entries are checked after a run on a data thread, beside verification (run/harness.ts; run/source-check.ts afterRunBeside): the thread's ~10 MiB is inside the memory allowance from here, and a smaller source's check takes under a second. */
  sourceCheckThreadMinEntries: 200_000,
  /** Datasets of this many files are generated through the native run writer (datasets/native-writer.ts): it takes ~1.2 MiB of TinyCC state per writer thread (3.4 MiB in all at 100k files, measured), inside the memory allowance from here, and saves 4-8 % of generation (0.5-1.2 s at 1M files; under 0.1 s at 100k). */
  nativeWriterMinFiles: 200_000,
  /** Sources of this many files keep the source check's snapshot in a record file in the workspace (`snapshots/`), not in memory (run/source-check.ts). */
  snapshotSpillMinFiles: 20_000,
  /** A lock whose content cannot be parsed for this long is a crash between create and write, not a live writer. */
  lockUnreadableStaleMs: 5_000,
  /** A lock takeover marker older than this belongs to a process that died mid-takeover. */
  lockTakeoverStaleMs: 30_000,
  /** Longest error text a console line carries; paths deeper than this are cut in the middle. */
  errorLineMaxChars: 300,
  /** Widest box plot under a scenario's table (columns of the plot itself); narrower when the console is. */
  boxplotWidth: 60,
  /** The console's width when neither a terminal nor COLUMNS says (mail, less, a log file). */
  offTerminalColumns: 100,
  /** A tool label in a table narrowed to its last step is cut to this many columns. */
  labelShortColumns: 16,
  /** Lines of a failing tool's own output shown under its error line (all of it is in bench.log). */
  failureTailLines: 5,
  /** `stats:` reads a tool's own figures from the last this many bytes of its stdout (rsync -v file lists can be long). */
  stdoutTailBytes: 1 << 20,
  /** How often the progress line on a terminal is redrawn while a run goes on. */
  progressRedrawMs: 250,
  /** bench.log is moved to bench.log.1 (replacing it) when an invocation starts and finds it this large. */
  logRotateBytes: 10 * 1024 * 1024,
  /** The diagnosis after a NO-GO (`diagnose:` / `--diagnose`, lib/diagnose/). */
  diagnose: {
    mode: "off" as "off" | "on-fail" | "all",
    /** Each instrumented run may take this many times the scenario's timeout: strace -f -c costs 10–20× on small files. */
    timeoutFactor: 30,
    perfRecordHz: 999,
    /** Peak-RSS runs per (tool, count); the median is fitted. */
    memoryScalingRepeats: 1,
    /** A memory failure diagnosed without memory_scaling: counts at these fractions of the scenario's file count. */
    memoryFractions: [0.1, 0.3, 1],
    /** ...and only when the smallest of them still has this many files (fewer say nothing about growth per file). */
    memoryMinFiles: 10,
    /** Findings the console prints per diagnosed scenario (the decision report has all of them). */
    consoleFindings: 3,
  },
};

/** The remote (OpenSSH) layer: connection options, timeouts, daemons, fleets. */
export const REMOTE_DEFAULTS = {
  /** ssh -o ConnectTimeout (s): the user's harnesses use 8. */
  connectTimeoutS: 8,
  /** ssh -o ServerAliveInterval (s): a dead link is noticed within a few of these. */
  serverAliveIntervalS: 10,
  /** ssh -o ControlPersist (s): the master outlives one command so the next reuses it. */
  controlPersistS: 300,
  /** A remote command with no timeout of its own (probe steps, hashing, mkdir). */
  execTimeoutMs: 60_000,
  /** After a timeout, SIGTERM to the remote process group, then this long before SIGKILL. */
  killGraceMs: 2_000,
  /** How long a daemon gets to become ready (TCP port accepting, or its log line). */
  daemonReadyTimeoutMs: 15_000,
  /** Between readiness polls; each poll is one TCP connect or one `cat` of the log over the master. */
  daemonPollMs: 50,
  /** After SIGTERM, this long for the daemon to exit before SIGKILL. */
  daemonStopGraceMs: 5_000,
  /** Bytes of a daemon's log quoted in an error when it never became ready. */
  daemonLogTailBytes: 2_000,
  /** Hosts a fleet run drives at the same time (each host still runs one benchmark at a time). */
  fleetParallelHosts: 8,
  /** A host's workspace when hosts.<name>.workspace is not given (mirrorbench's own things go in <it>/.mirrorbench-host). */
  hostWorkspace: "/tmp/mirrorbench",
  /**
   * A fleet member's whole run may take every run's timeout plus its harness grace, plus this for dataset generation
   * and the start and end of the run; past it the remote run is ended (its group SIGTERMed, then killed).
   */
  fleetRunSlackMs: 60 * 60_000,
  /** After Ctrl-C (or a fleet run's overall timeout), how long a remote run gets to write what it measured before SIGKILL. */
  fleetStopGraceMs: 30_000,
  /** Copying the executable (~110 MB) or a results file to or from a host. */
  transferTimeoutMs: 10 * 60_000,
  /**
   * sun_path is 104 bytes on macOS (108 on Linux); ssh binds `<ControlPath>.<16 random chars>` first,
   * so a ControlPath must leave 17 bytes and the NUL. %C expands to 40 hex characters.
   */
  sunPathBytes: 104,
};

export function defaultWorkspace(tmpdir: string): string {
  return `${tmpdir.replace(/\/$/, "")}/mirrorbench`;
}
