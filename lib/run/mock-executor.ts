// The mock side of the run seams, for the fast test tier: an executor that reads a run's outcome from its argv, a clock it advances, a harness of fakes. No process, no file.
//
// Like hyperfine's MockExecutor: `sleep 0.123` anywhere in the argv is the run's wall time (seconds),
// `exit 3` its exit status (default 0), `rss=<bytes>` its peak memory (default 1 MiB). A sleep longer
// than the request's timeout is a timed-out run. User and system CPU are each half the wall time.
import type { CacheTreatment, PlannedRun } from "../types";
import type { Clock, Executor, RunOutcome, RunRequest } from "./executor";
import type { RunHarness } from "./harness";

export const MOCK_DEFAULT_RSS_BYTES = 1 << 20;

/** What a mock run will report, read from its argv (joined with spaces, so "sh -c 'sleep 1; exit 2'" works too). */
export function parseMockCommand(argv: readonly string[]): { sleepS: number; exitCode: number; rssBytes: number } {
  const line = argv.join(" ");
  const sleep = /\bsleep\s+(\d+(?:\.\d+)?)/.exec(line);
  const exit = /\bexit\s+(\d+)/.exec(line);
  const rss = /\brss=(\d+)/.exec(line);
  return { sleepS: sleep ? Number(sleep[1]) : 0, exitCode: exit ? Number(exit[1]) : 0, rssBytes: rss ? Number(rss[1]) : MOCK_DEFAULT_RSS_BYTES };
}

/** A clock that only moves when told: the mock executor advances it by each run's wall time. */
export class MockClock implements Clock {
  constructor(private ns = 0) {}
  nowNs(): number {
    return this.ns;
  }
  advance(ns: number): void {
    this.ns += ns;
  }
}

export class MockExecutor implements Executor {
  readonly meter = { kind: "mock", memoryNote: null };
  /** Every request, in the order it was run: rotation-order tests read this. */
  readonly requests: RunRequest[] = [];
  /** killAll calls (signal), as an interrupt or an abandoned slot makes them. */
  readonly kills: NodeJS.Signals[] = [];
  closed = false;

  /** `beforeRun` sees each request before it is answered (and may, e.g., interrupt the scenario there). */
  constructor(
    readonly clock = new MockClock(),
    private readonly beforeRun?: (req: RunRequest, index: number) => void,
  ) {}

  async run(req: RunRequest): Promise<RunOutcome> {
    this.requests.push(req);
    this.beforeRun?.(req, this.requests.length - 1);
    const m = parseMockCommand(req.argv);
    const timedOut = m.sleepS * 1000 > req.timeoutMs;
    const wallNs = Math.round((timedOut ? req.timeoutMs / 1000 : m.sleepS) * 1e9);
    this.clock.advance(wallNs);
    const cpuUs = Math.round(wallNs / 2e3);
    return {
      exitCode: timedOut ? 128 + 15 : m.exitCode,
      timedOut,
      measure: { wallNs, userUs: cpuUs, systemUs: cpuUs, maxRssBytes: m.rssBytes },
      strayProcessesKilled: 0,
    };
  }

  killAll(signal: NodeJS.Signals = "SIGKILL"): void {
    this.kills.push(signal);
  }

  close(): void {
    this.closed = true;
  }
}

/**
 * A harness whose steps all succeed without touching anything: the cache is "dropped" when the plan says
 * drop, copies verify. Pass overrides to fail a step for some runs (a wrong copy, a modified source).
 */
export function fakeHarness(overrides: Partial<RunHarness> = {}): RunHarness & { finished: boolean; abandoned: number } {
  const h = {
    finished: false,
    abandoned: 0,
    async before(run: PlannedRun, step?: (s: "reset" | "cache") => void) {
      step?.("reset");
      if (run.cache === "drop") step?.("cache");
      const cache: CacheTreatment = run.cache === "drop" ? "dropped" : "kept";
      return { cache, residentFraction: null };
    },
    after: () => ({ notReal: null, tampered: null }),
    verify: async () => ({ ok: true, summary: "" }),
    abandon() {
      h.abandoned++;
    },
    finish() {
      h.finished = true;
    },
    ...overrides,
  };
  return h;
}
