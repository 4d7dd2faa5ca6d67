// The command line's entry: `report` and `compare`, or a run — its flags, the config, then --list, --dry-run or the benchmark itself.

import { loadConfig } from "../config/load";
import { BenchError, EXIT, reportingErrors } from "../errors";
import { defaultIO, type CliIO } from "../io";
import { selectPlatform, type Platform } from "../platform/index";
import { parseCli, USAGE } from "./args";
import { runCompare } from "./compare-command";
import { runReport } from "./report-command";
import { dryRun, listScenarios } from "./list";
import { runBenchmark } from "./run";

export type { CliIO } from "../io";

export async function main(argv: string[], io: CliIO = defaultIO(), platform: Platform = selectPlatform()): Promise<number> {
  // report / compare have their own options; dispatch before the run's strict parser rejects them.
  if (argv[0] === "report") return runReport(argv.slice(1), io);
  if (argv[0] === "compare") return runCompare(argv.slice(1), io);
  return reportingErrors(io.err, async () => {
    const opts = parseCli(argv, io);
    if (opts.help) {
      io.out(USAGE + "\n");
      return EXIT.go;
    }
    if (opts.command !== "run") throw new BenchError(`unknown command "${opts.command}"`, { hint: "commands: run (default), report, compare" });
    const config = loadConfig(opts.configFile, { overrides: opts.overrides, env: io.env, platform: platform.name });
    if (opts.only && !config.scenarios.some((s) => opts.only!(s.name) || opts.only!(s.baseName))) {
      throw new BenchError(`no scenario matches --scenario`, { hint: `scenarios: ${config.scenarios.map((s) => s.name).join(", ")}` });
    }
    if (opts.list) {
      await listScenarios(config, io, platform);
      return EXIT.go;
    }
    if (opts.dryRun) {
      dryRun(config, io, platform, opts.only);
      return EXIT.go;
    }
    return await runBenchmark({ config, opts, io, platform });
  });
}
