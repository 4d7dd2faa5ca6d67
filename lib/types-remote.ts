// Remote endpoints and tools' daemons: what the config resolves (hosts of a scenario's ends, a tool's daemon) and what a run records about them.

/** How a daemon says it is ready: something accepts on this TCP port of its host, or its log has a line matching. */
export type DaemonReady = { tcp: number } | { log: string };

/** A tool's `daemon:` as resolved: started on `host` per run or per scenario, with a fresh state dir ({state}). */
export interface ToolDaemonSpec {
  host: string;
  /** argv with {state}, {src}, {dst}, {port} and the endpoint placeholders; each element stays one word. */
  argv: string[];
  ready: DaemonReady;
  /** ready.timeout: how long it gets to be ready (absent: REMOTE_DEFAULTS.daemonReadyTimeoutMs). */
  readyTimeoutMs?: number;
  per: "run" | "scenario";
  /** Environment of the daemon ({state}, {src}, {dst}, {port} filled; no shell parses it). */
  env: Record<string, string>;
}

/** What a host contributes to the placeholders: {X_host} (ssh -G hostname), {X_port}, {X_ssh} (as written), {X_rsh} (rsync -e value). */
export interface EndpointValues {
  host: string;
  port: string;
  ssh: string;
  rsh: string;
}

/** Each referenced host's placeholder values, by host name (ssh -G, resolved before the plan: the plan spawns nothing). */
export type HostValues = Record<string, EndpointValues>;

/** The hosts of a run's two ends (null = this machine). */
export interface RunEndpoints {
  src: string | null;
  dst: string | null;
}

/** A daemon as one run saw it: who it was, and its figures read right after the run. */
export interface DaemonRunRecord {
  host: string;
  pid: number;
  per: "run" | "scenario";
  cmdline: string[];
  /** Start to ready on the initiating host's clock (0 when it was already running for this arm). */
  readyMs: number;
  /**
   * The largest process of the daemon's tree (the daemon or any descendant it reaped, per-connection children that
   * exited included), from the meter that waited for it on its host, read when the daemon ended: over this run (per
   * run) or over every run that daemon served (per scenario: the same figure on each of them). null = not measured.
   */
  peakRssBytes: number | null;
  memory: DaemonMemoryHow;
  /** CPU of the daemon (main + reaped children) during this run: the difference of two samples (per run: the meter's total since ready). */
  cpuUserMs: number;
  cpuSystemMs: number;
  /** How the CPU figures were read. */
  how: string;
}

/** How a daemon's memory figure was taken. */
export interface DaemonMemoryHow {
  /** The waiting parent that measured it on the host; null = not measured (`how` says why). */
  source: "mb-run" | "gnu-time" | null;
  /** run: the daemon lived for this run only; arm: the peak over the runs that one daemon served. */
  scope: "run" | "arm";
  /** Runs the figure covers (1 per run). */
  runs: number;
  how: string;
}
