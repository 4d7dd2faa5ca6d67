// A fleet run (--hosts a,b / run_on:): the same config on every host over ssh, hosts in parallel but one run per machine, each host's results pulled into results/, one line per host and one exit code.

import os from "node:os";
import pkg from "../../package.json" with { type: "json" };
import { REMOTE_DEFAULTS } from "../defaults";
import { EXIT } from "../errors";
import { captureEnvironment, hostId } from "../platform/host";
import { FleetStepError, runFleet, summarizeFleet, type FleetJob } from "../remote/fleet";
import { sha256File } from "../remote/transfer";
import { consoleWidth } from "../text";
import type { Invocation } from "./args";
import { EXIT_NAMES, fleetExit, fleetRunTimeoutMs, forwardedArgs, lanes, refuseUnsupported } from "./fleet-args";
import { ExecutablePicker } from "./fleet-exe";
import { runOnHost, type FleetContext, type HostRun } from "./fleet-host";
import { closeHosts, probeHosts, sayProbes, type ProbedHost } from "./hosts";

export { fleetDryRun } from "./fleet-plan";
export { fleetHosts, listHosts } from "./hosts";

/** Ctrl-C, SIGTERM, SIGHUP: the first stops every host's run (each writes what it measured, which is then pulled); a second stops at once. */
function watchStop(controller: AbortController, say: (l: string) => void, onSecond: () => void): () => void {
  const handler = () => {
    if (controller.signal.aborted) return onSecond();
    say("interrupted: stopping the run on every host (each writes what it measured), then pulling it; Ctrl-C again to stop at once");
    controller.abort();
  };
  for (const s of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(s, handler);
  return () => {
    for (const s of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.off(s, handler);
  };
}

export async function runFleetBenchmark(inv: Invocation, names: string[]): Promise<number> {
  const { config, opts, io, platform } = inv;
  refuseUnsupported(inv);
  io.out(`---- mirrorbench ${pkg.version} ${new Date().toISOString()} ${config.file} (fleet: ${names.join(", ")})\n`);
  const controller = new AbortController();
  const opened: ProbedHost["host"][] = [];
  const release = watchStop(controller, (l) => io.err(l + "\n"), () => {
    void closeHosts(opened.map((host) => ({ host }))).finally(() => process.exit(EXIT.interrupted));
  });
  try {
    const probed = await probeHosts(config, names, opened);
    sayProbes(probed, io);
    const laneOf = await lanes(probed);
    const shared = [...new Set(laneOf.values())].filter((l) => names.filter((n) => laneOf.get(n) === l).length > 1);
    for (const l of shared) io.out(`note: ${names.filter((n) => laneOf.get(n) === l).join(" and ")} are one machine (${l}): they run one after the other\n`);
    const { args, env } = forwardedArgs(opts);
    const picker = new ExecutablePicker(io.env);
    const base = {
      configFile: config.file,
      configSha256: (await sha256File(config.file)).sha256,
      args,
      env,
      resultsDir: config.resultsDir,
      initiator: hostId(captureEnvironment(config.workspace, pkg.version, platform)).id,
      picker,
      cwd: io.cwd,
      widthCols: consoleWidth({ columns: io.columns, env: io.env }),
      signal: controller.signal,
      runTimeoutMs: fleetRunTimeoutMs(config, opts.only),
    };
    const ctxFor = (name: string): FleetContext => ({ ...base, say: (line, stream = "out") => (stream === "err" ? io.err : io.out)(`[${name}] ${line}\n`) });
    const jobs: FleetJob<HostRun>[] = probed.map(({ host, report }) => ({
      host: report.host,
      lane: laneOf.get(report.host)!,
      run: async () => {
        if (controller.signal.aborted) throw new FleetStepError("run", "not started: interrupted");
        if (!report.ok) throw new FleetStepError("probe", report.findings.map((f) => `${f.message} (fix: ${f.fix})`).join("; "));
        return runOnHost(host, config.hosts![report.host]!.workspace, report, ctxFor(report.host));
      },
    }));
    const outcomes = await runFleet(jobs, { parallel: REMOTE_DEFAULTS.fleetParallelHosts });
    const s = summarizeFleet(outcomes, (v) => `exit ${v.exitCode} (${EXIT_NAMES[v.exitCode] ?? "?"}), ${v.pulled.filter((p) => p.endsWith(".json")).join(", ")}`);
    io.out(`Fleet: ${names.length} host${names.length === 1 ? "" : "s"}: ${s.completed} completed, ${s.failed} failed${s.skipped ? `, ${s.skipped} skipped` : ""} (times are wall time on ${os.hostname()}: copy, run and pull)\n`);
    for (const l of s.lines) io.out(l + "\n");
    const code = fleetExit(outcomes, controller.signal.aborted);
    io.out(`Exit ${code}: ${exitWords(code, s.failed + s.skipped)}\n`);
    return code;
  } finally {
    release();
    await closeHosts(opened.map((host) => ({ host })));
  }
}

function exitWords(code: number, failedHosts: number): string {
  if (code === EXIT.interrupted) return "interrupted; what each host measured was pulled where it could be.";
  const failed = failedHosts ? ` ${failedHosts} host${failedHosts === 1 ? "" : "s"} did not complete (see the lines above), so the fleet's verdict is undecided unless a completed host says NO-GO.` : "";
  const verdict = { [EXIT.go]: "GO on every host.", [EXIT.noGo]: "NO-GO on at least one host.", [EXIT.undecided]: "UNDECIDED.", [EXIT.regression]: "a regression on at least one host (--fail-on-regression)." }[code] ?? "";
  return `${verdict}${failed} compare --across-hosts shows the hosts side by side.`;
}
