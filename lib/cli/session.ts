// A run's session: the workspace claimed and locked, outputs probed, the log, executor and signal watch opened, the tools found, the results file's head; closed in reverse.

import pkg from "../../package.json" with { type: "json" };
import { openLog, rotateLog, type Log } from "../log";
import { workspacePaths } from "../paths";
import { captureEnvironment, hostId } from "../platform/host";
import { fleetMember, resultsHeader, resultsPath, toolProvenance, type ResultsFile } from "../results/file";
import { LocalExecutor } from "../run/spawn";
import { probeVersions, resolveTools } from "../run/tools";
import { removeWorkspace } from "../workspace";
import type { Invocation } from "./args";
import { checkDiagnoseDir, claimAndCheck, OutputWriter } from "./outputs";
import { printStart, prose } from "./print";
import { watchSignals, type SignalWatch } from "./signals";
import { openConsole, type ConsoleStyle } from "./style";

export interface Session extends Invocation {
  ws: ReturnType<typeof workspacePaths>;
  log: Log;
  executor: LocalExecutor;
  signals: SignalWatch;
  outputs: OutputWriter;
  /** The results file as it grows: its head now, each scenario as it finishes. */
  results: ResultsFile;
  color: boolean;
  /** How the console draws: colour, its width, --wide. */
  style: ConsoleStyle;
  /** Set when a scenario's preflight failed without --force: the run stops there and exits 7. */
  preflightStop: string | null;
  /** The progress line on stderr (drawn only on a terminal, never with --quiet). */
  status: ReturnType<typeof openConsole>["status"];
  close(): void;
}

/**
 * Before anything is generated: destinations an earlier run left are freed, every output is probed,
 * the workspace is claimed and locked. Then the log, the executor and the signal watch; the start lines;
 * the tools found here with their versions; the results file's head. Anything that throws on the way
 * releases what was opened.
 */
export async function openSession(inv: Invocation): Promise<Session> {
  const { config, opts, io, platform } = inv;
  const startedAt = new Date();
  const ws = workspacePaths(config.workspace);
  const { lock, freedBytes, replaced } = claimAndCheck(config, opts.exports);
  const rotated = rotateLog(ws.log);
  const { style, status, out, err } = openConsole(io, opts);
  const log = openLog(ws.log, { quiet: opts.quiet, out, err });
  const executor = new LocalExecutor(platform);
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    status.done();
    signals.release();
    log.close();
    executor.close();
    lock.release();
    if (!config.keepWorkspace) removeWorkspace(config.workspace);
  };
  const signals = watchSignals({ log, executor, cleanup: close });
  try {
    printStart(log, { version: pkg.version, startedAt, configFile: config.file, config, lock, replaced, freedBytes, rotated });
    const environment = captureEnvironment(config.workspace, pkg.version, platform);
    const tools = resolveTools(config.tools, platform.name);
    await probeVersions(config.tools, tools, executor);
    if (executor.meter.memoryNote) prose(log, `warning: ${executor.meter.memoryNote}`, style, "err");
    const invocation = { argv: process.argv.slice(2), cwd: io.cwd, configFile: config.file };
    const provenance = await toolProvenance(hostId(environment).id, tools);
    const results = resultsHeader({ startedAt, environment, invocation, meter: executor.meter, tools, config, provenance, fleet: fleetMember(io.env) });
    const outputs = new OutputWriter(resultsPath(config.resultsDir, startedAt, results.host), (l) => log.error(l));
    checkDiagnoseDir(config, outputs.file);
    return { ...inv, ws, log, executor, signals, outputs, results, color: style.color, style, status, close, preflightStop: null };
  } catch (e) {
    close();
    throw e;
  }
}
