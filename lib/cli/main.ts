// The command line's entry: `report` and `compare`, or a run — its flags, the config (a file or stdin), then --list, --dry-run or the benchmark itself.

import pkg from "../../package.json" with { type: "json" };
import { loadConfig, parseConfig, type LoadOptions } from "../config/load";
import { BenchError, EXIT, reportingErrors } from "../errors";
import { consoleOnStderr, defaultIO, type CliIO } from "../io";
import { selectPlatform, type Platform } from "../platform/index";
import { parseCli, usage, type CliOptions } from "./args";
import { fleetHosts } from "./hosts";
import { runBenchmark } from "./run";

// The other commands and modes are imported when asked for: a plain run never loads the report,
// compare, agent, fleet or listing (survey) modules. Peak RSS is what issue 11 budgets; this is a small part
// of it (measured: importing main.ts peaked at 45.4 MiB with them eager, 44.7 MiB lazy; bare Bun 28.1).
const report = () => import("./report-command");
const compare = () => import("./compare-command");
const agent = () => import("./agent");
const fleetCli = () => import("./fleet");
const surveying = () => import("./survey");

export type { CliIO } from "../io";

/** `mirrorbench 0.1.0`: what --version prints. */
export const VERSION_LINE = `mirrorbench ${pkg.version}`;

/** The config from its file, or from stdin for `--config -` (errors then say `<stdin>:line:col`; relative paths resolve against the working folder). */
/**
 * The run's config, from its file or stdin (read once: a dry run loads it twice). `disks: false` leaves the
 * workspace's free space and inodes out of the workload limits (LoadOptions.disks).
 */
export function loadRunConfig(opts: CliOptions, io: CliIO, platform: Platform, disks: LoadOptions["disks"] = true): ReturnType<typeof loadConfig> {
  const load: LoadOptions = { overrides: opts.overrides, env: io.env, platform: platform.name, disks };
  if (opts.configFile !== "-") return loadConfig(opts.configFile, load);
  let text = stdinText.get(io);
  if (text === undefined) {
    try {
      text = (io.readStdin ?? (() => ""))();
    } catch (e: any) {
      throw new BenchError(`cannot read the config from stdin: ${e.code ?? e.message}`, { key: "--config" });
    }
    stdinText.set(io, text);
  }
  return { ...parseConfig(text, "<stdin>", load), file: "<stdin>" };
}
const stdinText = new WeakMap<CliIO, string>();

export async function main(argv: string[], io: CliIO = defaultIO(), platform: Platform = selectPlatform()): Promise<number> {
  // report / compare have their own options; dispatch before the run's strict parser rejects them.
  if (argv[0] === "report") return (await report()).runReport(argv.slice(1), io);
  if (argv[0] === "compare") return (await compare()).runCompare(argv.slice(1), io);
  // Internal: what another mirrorbench asks of this host over ssh (one JSON object out); not in the usage.
  if (argv[0] === "agent") return (await agent()).runAgent(argv.slice(1), io, platform);
  return reportingErrors(io.err, async () => {
    const opts = parseCli(argv, io);
    if (opts.version) {
      io.out(VERSION_LINE + "\n");
      return EXIT.go;
    }
    if (opts.help) {
      io.out(usage(io.prog) + "\n");
      return EXIT.go;
    }
    if (opts.command !== "run") throw new BenchError(`unknown command "${opts.command}"`, { hint: "commands: run (default), report, compare" });
    // An export to stdout owns stdout: the human console goes to stderr.
    const cio = Object.values(opts.exports).includes("-") ? consoleOnStderr(io) : io;
    // A dry run shows the plan of a workload this workspace's disk cannot hold, then refuses it as a run would (below).
    const config = loadRunConfig(opts, cio, platform, !opts.dryRun);
    if (opts.only && !config.scenarios.some((s) => opts.only!(s.name) || opts.only!(s.baseName))) {
      throw new BenchError(`no scenario matches --scenario`, { hint: `scenarios: ${config.scenarios.map((s) => s.name).join(", ")}` });
    }
    // A fleet run (--hosts, run_on:) runs the config on those hosts; declared hosts are probed by --list and --dry-run.
    const fleet = fleetHosts(opts, config, cio.env);
    if (opts.list || opts.dryRun) {
      const code = await (await surveying()).survey({ config, opts, io: cio, platform }, fleet);
      // The free space and inodes, checked as a run checks them: the same located error, after the plan.
      if (opts.dryRun) loadRunConfig(opts, cio, platform);
      return code;
    }
    if (fleet.length) return await (await fleetCli()).runFleetBenchmark({ config, opts, io: cio, platform }, fleet);
    return await runBenchmark({ config, opts, io: cio, platform });
  });
}
