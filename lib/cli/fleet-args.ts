// What a fleet run passes on and decides: the flags each host's run gets, its time limit, the lanes (one run per machine), the fleet's exit code, what it refuses.

import { DEFAULTS, REMOTE_DEFAULTS } from "../defaults";
import { BenchError, EXIT } from "../errors";
import { laneKeys, type HostOutcome } from "../remote/fleet";
import type { ResolvedConfig } from "../types";
import type { CliOptions, Invocation } from "./args";
import type { HostRun } from "./fleet-host";
import type { ProbedHost } from "./hosts";

export const EXIT_NAMES: Record<number, string> = { [EXIT.go]: "GO", [EXIT.noGo]: "NO-GO", [EXIT.undecided]: "undecided", [EXIT.regression]: "regression", [EXIT.preflight]: "preflight failed" };

/**
 * The fleet's exit code: the usual verdict over the hosts that completed — NO-GO (1) when any says NO-GO; else
 * undecided (3) when any host failed or was skipped, or said undecided; else 4 when any found a regression; else GO.
 * Interrupted: 130.
 */
export function fleetExit(outcomes: HostOutcome<HostRun>[], interrupted: boolean): number {
  if (interrupted) return EXIT.interrupted;
  const codes = outcomes.map((o) => (o.state === "completed" ? o.value.exitCode : EXIT.undecided));
  if (codes.includes(EXIT.noGo)) return EXIT.noGo;
  if (codes.includes(EXIT.undecided)) return EXIT.undecided;
  if (codes.includes(EXIT.regression)) return EXIT.regression;
  return EXIT.go;
}

/** The flags each host's run gets: the run's own choices (scenarios, runs, flags); never places, which are the host's. */
export function forwardedArgs(opts: CliOptions): { args: string[]; env: Record<string, string> } {
  const ov = opts.overrides;
  const args = opts.scenarioGlobs.flatMap((g) => ["--scenario", g]);
  if (ov.runs !== undefined) args.push("--runs", String(ov.runs));
  if (ov.warmup !== undefined) args.push("--warmup", String(ov.warmup));
  if (ov.keepWorkspace !== undefined) args.push(ov.keepWorkspace ? "--keep-workspace" : "--remove-workspace");
  if (ov.keepResults !== undefined) args.push("--keep", String(ov.keepResults));
  const flags: [boolean, string][] = [[opts.verifyDataset, "--verify-dataset"], [opts.quiet, "--quiet"], [opts.showOutput, "--show-output"], [opts.failOnRegression, "--fail-on-regression"], [opts.force, "--force"], [opts.noPreflight, "--no-preflight"]];
  for (const [on, flag] of flags) if (on) args.push(flag);
  const env: Record<string, string> = {};
  if (ov.sizeBytes !== undefined) env.SIZE_MB = String(Math.round(ov.sizeBytes / 1024 / 1024));
  return { args, env };
}

/** How long a host's whole run may take: every run's timeout and harness grace, plus the slack for datasets and start-up. */
export function fleetRunTimeoutMs(config: ResolvedConfig, only: CliOptions["only"]): number {
  let ms = REMOTE_DEFAULTS.fleetRunSlackMs;
  for (const s of config.scenarios) {
    if (only && !only(s.name) && !only(s.baseName)) continue;
    ms += (s.runs + s.warmup) * s.tools.length * (s.timeoutMs + DEFAULTS.harnessGraceMs);
  }
  return ms;
}

export function refuseUnsupported(inv: Invocation): void {
  if (inv.opts.configFile === "-") throw new BenchError("a fleet run copies the config file to each host: --config - (stdin) cannot be used with it", { key: "--config", hint: "save the config to a file and pass --config FILE" });
  const exp = Object.entries(inv.opts.exports).find(([, f]) => f !== undefined);
  if (exp) throw new BenchError(`--export-${exp[0]} is not available in a fleet run (each host writes its own results)`, { key: `--export-${exp[0]}`, hint: "after the run: report <results file> --export-… for any host's results" });
}

/** Lanes from the probes: hosts on one machine (same machine id, else the same dialled address) run one after the other. */
export async function lanes(probed: ProbedHost[]): Promise<Map<string, string>> {
  const rows = await Promise.all(probed.map(async ({ host, report }) => {
    const r = report.machineId ? null : await host.resolved().catch(() => null);
    return { name: report.host, machineId: report.machineId, address: r ? `${r.hostname}:${r.port}` : `name:${report.host}` };
  }));
  return laneKeys(rows);
}
