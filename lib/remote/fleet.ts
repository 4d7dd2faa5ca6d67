// Fleet runs, the pure parts: what to copy where, where each host's results land, hosts in parallel with one run per machine, and outcomes that keep every host.

import path from "node:path";
import { BenchError, oneLine } from "../errors";
import { REMOTE_DEFAULTS } from "../defaults";

/** The environment a fleet member runs with (set by the initiating mirrorbench in the remote command). */
export const FLEET_ENV = { host: "MIRRORBENCH_FLEET_HOST", initiator: "MIRRORBENCH_FLEET_INITIATOR" } as const;

/** A file the host needs (the single-file executable, the config), with the sha256 of the local copy. */
export interface StagedFile {
  localPath: string;
  remotePath: string;
  sha256: string;
  mode?: number;
}

export interface CopyPlan {
  /** Missing on the host, or different there: upload (verified). */
  copy: StagedFile[];
  /** Already on the host with the same sha256: nothing sent. */
  current: StagedFile[];
}

/** Copy only what changed: `remote` maps remotePath to its sha256 there (null = absent). */
export function planCopies(files: StagedFile[], remote: ReadonlyMap<string, string | null>): CopyPlan {
  const plan: CopyPlan = { copy: [], current: [] };
  for (const f of files) (remote.get(f.remotePath) === f.sha256 ? plan.current : plan.copy).push(f);
  return plan;
}

/**
 * Where mirrorbench keeps its own things in a host's workspace, all under one folder so removing it removes only ours:
 * the executable, the staged config, the results the host writes, and `bench`, the workspace its runs claim. The folder
 * is not called `.mirrorbench`, the marker file of a workspace, so a host workspace that is also a by-hand
 * workspace (both default to /tmp/mirrorbench) holds both without a clash.
 */
export function remoteLayout(workspace: string, configName: string): { root: string; exe: string; config: string; results: string; bench: string } {
  if (!path.posix.isAbsolute(workspace)) throw new BenchError(`a host's workspace must be an absolute path, not ${JSON.stringify(workspace)}`);
  const base = path.posix.basename(configName);
  if (!base || base === "." || base === "..") throw new BenchError(`config file name ${JSON.stringify(configName)} cannot be staged`);
  const root = path.posix.join(workspace, ".mirrorbench-host");
  return { root, exe: `${root}/bin/mirrorbench`, config: `${root}/config/${base}`, results: `${root}/results`, bench: `${root}/bench` };
}

/** A results file name as resultsPath() writes it: <stamp>_<host id>.json. */
const RESULTS_NAME = /^(\d{8}T\d{6}(?:\.\d{3})?Z)_([A-Za-z0-9._-]+)\.json$/;

/**
 * Where a results file pulled from a host lands: results/ itself, under the name the host gave it, which already
 * carries that host's id (hostname + hardware fingerprint), so history, report and compare see each host as its own
 * series with no new folder to read. A name that is not a results name (or tries to leave the folder) is refused.
 */
export function pulledResultPath(resultsDir: string, hostKey: string, remoteName: string): string {
  if (!RESULTS_NAME.test(remoteName)) {
    throw new BenchError(`host ${hostKey} returned ${JSON.stringify(remoteName)}, which is not a results file name (<stamp>_<host id>.json)`);
  }
  return path.join(resultsDir, remoteName);
}

/**
 * One lane per machine: hosts with the same machine id (two names or users for one box) share a lane and so never
 * run at the same time; without an id, the address ssh really dials (ssh -G hostname:port) stands in.
 */
export function laneKeys(hosts: { name: string; machineId: string | null; address: string }[]): Map<string, string> {
  return new Map(hosts.map((h) => [h.name, h.machineId ? `machine:${h.machineId}` : `address:${h.address}`]));
}

export type FleetStage = "probe" | "copy" | "run" | "pull";

/** Thrown by a fleet job to say at which step its host failed. */
export class FleetStepError extends Error {
  constructor(readonly stage: FleetStage, message: string) {
    super(message);
  }
}

export interface FleetJob<T> {
  host: string;
  lane: string;
  run: () => Promise<T>;
}

export type HostOutcome<T> =
  | { host: string; lane: string; state: "completed"; value: T; elapsedMs: number }
  | { host: string; lane: string; state: "failed"; stage: FleetStage; reason: string; elapsedMs: number }
  | { host: string; lane: string; state: "skipped"; reason: string };

/**
 * Runs every job: lanes in parallel (at most `parallel` at once), the jobs of one lane one after another in the
 * order given. A job that throws fails its host only; a lane whose job failed skips its later jobs only when
 * `stopLaneOnFailure` says so. Outcomes come back in the order of `jobs`.
 */
export async function runFleet<T>(jobs: FleetJob<T>[], o: { parallel?: number; stopLaneOnFailure?: boolean } = {}): Promise<HostOutcome<T>[]> {
  const parallel = Math.max(1, o.parallel ?? REMOTE_DEFAULTS.fleetParallelHosts);
  const outcomes: HostOutcome<T>[] = new Array(jobs.length);
  const lanes = new Map<string, number[]>();
  jobs.forEach((j, i) => lanes.set(j.lane, [...(lanes.get(j.lane) ?? []), i]));
  const queue = [...lanes.values()];
  const worker = async () => {
    for (let lane = queue.shift(); lane; lane = queue.shift()) {
      let failed = false;
      for (const i of lane) {
        const j = jobs[i]!;
        if (failed && o.stopLaneOnFailure) {
          outcomes[i] = { host: j.host, lane: j.lane, state: "skipped", reason: "an earlier run on the same machine failed" };
          continue;
        }
        const start = performance.now();
        try {
          outcomes[i] = { host: j.host, lane: j.lane, state: "completed", value: await j.run(), elapsedMs: performance.now() - start };
        } catch (e) {
          failed = true;
          const stage = e instanceof FleetStepError ? e.stage : "run";
          outcomes[i] = { host: j.host, lane: j.lane, state: "failed", stage, reason: oneLine(e), elapsedMs: performance.now() - start };
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, queue.length) }, worker));
  return outcomes;
}

export interface FleetSummary {
  completed: number;
  failed: number;
  skipped: number;
  lines: string[];
}

/** One line per host, every host present whatever happened to the others. */
export function summarizeFleet<T>(outcomes: HostOutcome<T>[], describe: (value: T) => string = () => "done"): FleetSummary {
  const s: FleetSummary = { completed: 0, failed: 0, skipped: 0, lines: [] };
  for (const o of outcomes) {
    s[o.state]++;
    if (o.state === "completed") s.lines.push(`host ${o.host}: completed in ${(o.elapsedMs / 1000).toFixed(1)} s: ${describe(o.value)}`);
    else if (o.state === "failed") s.lines.push(`host ${o.host}: failed at ${o.stage}: ${o.reason}`);
    else s.lines.push(`host ${o.host}: skipped: ${o.reason}`);
  }
  return s;
}
