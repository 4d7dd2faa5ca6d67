// `compare`: two stored results side by side, per scenario and tool, with a bootstrap interval and a word.

import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../config/load";
import { DEFAULTS } from "../defaults";
import { BenchError, EXIT, parseFlags, reportingErrors } from "../errors";
import { latestPerHost, resolveResultsRef } from "../history/list";
import { colorOn, type CliIO } from "../io";
import { acrossHostsHeader, acrossHostsTable, compareAcrossHosts, compareHeader, compareResults, compareTable } from "../report/compare";
import { loadResults } from "../results/load";

export const compareUsage = (prog = "bun run bench") => `usage: ${prog} compare [A [B]] [options]

Change of B against A per scenario and tool: mean time with a 95% bootstrap interval of the
ratio (from the measured runs), peak memory, and a word. A change is "faster"/"slower" only when
the interval excludes 1 AND the change is at least the noise threshold; otherwise "within noise".

  A, B                   results files, or latest / previous (default: previous latest)
  --across-hosts         instead: the latest results file of every host, side by side per scenario and tool
                         (a fleet run's hosts by their hosts: name, others by host id)
  --hosts A,B            with --across-hosts: only these hosts, in this order (the first is the reference)
  --results-dir DIR      results folder for latest / previous
  --config FILE          config whose results_dir to use
  --noise PCT            noise threshold in percent (default 1)
  -h, --help             this text`;

/** --results-dir, else the config's results_dir (only read when a config is there), else ./results. */
export function resultsDirOf(v: { "results-dir"?: string; config?: string }, io: CliIO): string {
  if (v["results-dir"]) return path.resolve(io.cwd, v["results-dir"]);
  const cfg = path.resolve(io.cwd, v.config ?? "bench.config.yaml");
  // Only the results folder is wanted: a full disk or a workload too big for this machine must not stop a report.
  if (v.config || fs.existsSync(cfg)) return loadConfig(cfg, { env: io.env, machine: null }).resultsDir;
  return path.resolve(io.cwd, "results");
}

export async function runCompare(args: string[], io: CliIO): Promise<number> {
  const COMPARE_USAGE = compareUsage(io.prog);
  return reportingErrors(io.err, async () => {
    const { values: v, positionals } = parseFlags(() => parseArgs({
      args,
      allowPositionals: true,
      options: {
        config: { type: "string" },
        "results-dir": { type: "string" },
        noise: { type: "string" },
        "across-hosts": { type: "boolean" },
        hosts: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }), COMPARE_USAGE.split("\n")[0]!);
    if (v.help) {
      io.out(COMPARE_USAGE + "\n");
      return EXIT.go;
    }
    if (v["across-hosts"]) {
      if (positionals.length) throw new BenchError("--across-hosts takes no results files: it reads the latest of every host", { key: "--across-hosts", hint: "use --results-dir DIR (and --hosts A,B to choose)" });
      const hosts = latestPerHost(resultsDirOf(v, io), v.hosts?.split(",").map((h) => h.trim()).filter(Boolean));
      if (!hosts.length) throw new BenchError(`no results files in ${resultsDirOf(v, io)}`, { hint: "run a benchmark (or a fleet run: --hosts) first, or pass --results-dir" });
      io.out(acrossHostsHeader(hosts).join("\n") + "\n");
      io.out(acrossHostsTable(hosts, compareAcrossHosts(hosts), { color: colorOn(io) }) + "\n");
      return EXIT.go;
    }
    if (v.hosts !== undefined) throw new BenchError("--hosts applies only with --across-hosts", { key: "--hosts" });
    if (positionals.length > 2) throw new BenchError(`compare takes two results files, got ${positionals.length}`, { hint: COMPARE_USAGE.split("\n")[0] });
    const noisePct = v.noise === undefined ? DEFAULTS.compareNoise * 100 : Number(v.noise);
    if (!(noisePct >= 0 && noisePct < 100)) throw new BenchError(`--noise must be a percentage in [0, 100), got "${v.noise}"`, { key: "--noise" });
    const [refA, refB] = positionals.length === 2 ? positionals : positionals.length === 1 ? [positionals[0]!, "latest"] : ["previous", "latest"];
    const needsDir = [refA, refB].some((r) => r === "latest" || r === "previous");
    const dir = needsDir ? resultsDirOf(v, io) : io.cwd;
    const fileA = resolveResultsRef(refA!, dir, io.cwd);
    const fileB = resolveResultsRef(refB!, dir, io.cwd);
    const a = loadResults(fileA);
    const b = loadResults(fileB);
    const noise = noisePct / 100;
    io.out(compareHeader(fileA, a, fileB, b, noise).join("\n") + "\n");
    io.out(compareTable(compareResults(a, b, { noiseThreshold: noise }), { color: colorOn(io) }) + "\n");
    return EXIT.go;
  });
}
