// The run's command line: the usage text and the flags, with the old script's environment knobs, turned into options.

import path from "node:path";
import { parseArgs } from "node:util";
import { diagnoseFlag } from "../config/diagnose";
import { envOverrides, type Overrides } from "../config/load";
import { normalizeDiagnoseFlag } from "../diagnose/options";
import { BenchError, parseFlags } from "../errors";
import { globToRegExp } from "../export/table";
import type { ExportTargets } from "../export/write";
import type { CliIO } from "../io";
import type { Platform } from "../platform/index";
import type { ResolvedConfig } from "../types";

/** The run's usage, naming the command as the user started it ("bun run bench", "mirrorbench", a path). */
export function usage(prog = "bun run bench"): string {
  return `usage: ${prog} [options]

  --config FILE        config file (default: bench.config.yaml; - reads it from stdin)
  --scenario GLOB      run only matching scenarios (repeatable; * and ? wildcards)
  -r, --runs N         measured runs per tool (env RUNS)
  -w, --warmup N       warmup runs per tool (env WARMUP)
  --workspace DIR      workspace folder (env BENCH_ROOT)
  --keep-workspace / --remove-workspace   keep or remove the workspace on exit (env KEEP_BENCH_DIR=1/0)
  --results-dir DIR    where results JSON files go (default: results/ beside the config)
  --list               list scenarios and which tools are available, then exit
  --dry-run            print the plan (every run, argv, destination, cache policy); run nothing
  --hosts A,B          run the config on these hosts of hosts: over ssh, in parallel (a fleet run; overrides run_on:)
  --verify-dataset     re-hash cached datasets instead of the quick size/mtime check
  --export-json FILE   hyperfine-format JSON (seconds), readable by hyperfine's scripts
  --export-csv FILE    hyperfine-style CSV
  --export-markdown FILE  Markdown table per scenario
                       (FILE - writes one export to stdout at the end; the console then goes to stderr)
  -q, --quiet          only the summary on the console: no run lines, no progress line (the log keeps everything)
  --wide               tables with every column, however narrow the terminal
  --show-output        each tool's own output on the console as it runs (the log has it either way)
  --fail-on-regression exit 4 when a result is a regression against this host's history (and the gate passed)
  --keep N             keep only the newest N results files of this host (config keep_results)
  --diagnose [all|off] after a NO-GO, say why: strace, perf and memory growth on every scenario whose gate
                       did not pass (all: every gated scenario); extra runs, outside the statistics (config diagnose)
  --force              run although preflight failed (a busy machine, a compiler running, the timer off,
                       too little memory); every result then says "preflight failed: …"
  --no-preflight       skip the preflight checks (recorded as "preflight: off"; config preflight: false)
  -V, --version        print the version
  -h, --help           this text

commands:
  ${prog} report [FILE|latest] [--html] [--export-json|--export-csv|--export-markdown FILE] (see report --help)
  ${prog} compare [A [B]]      (files, latest or previous; default previous latest)

exit codes: 0 GO (or no gate and all runs completed), 1 NO-GO, 2 usage or config error,
            3 undecided (a candidate or every baseline missing, the baseline failed, or
              NO-VERDICT: the A/A control was not clean),
            4 regression (with --fail-on-regression), 5 workspace locked by another run,
            6 an output could not be written (results saved to the temp folder when possible;
            the error line says where and why), 7 preflight failed (without --force),
            130 interrupted (Ctrl-C, SIGTERM, SIGHUP)`;
}

function intFlag(name: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min) throw new BenchError(`--${name} must be a whole number ≥ ${min}, got "${v}"`, { key: `--${name}` });
  return Number(v);
}

export function parseCli(argv: string[], io: CliIO): CliOptions {
  const parsed = parseFlags(() =>
    parseArgs({
      args: normalizeDiagnoseFlag(argv),
      allowPositionals: true,
      options: {
        config: { type: "string" },
        scenario: { type: "string", multiple: true },
        runs: { type: "string", short: "r" },
        warmup: { type: "string", short: "w" },
        workspace: { type: "string" },
        "keep-workspace": { type: "boolean" },
        "remove-workspace": { type: "boolean" },
        "results-dir": { type: "string" },
        list: { type: "boolean" },
        "dry-run": { type: "boolean" },
        hosts: { type: "string" },
        "verify-dataset": { type: "boolean" },
        "export-json": { type: "string" },
        "export-csv": { type: "string" },
        "export-markdown": { type: "string" },
        quiet: { type: "boolean", short: "q" },
        wide: { type: "boolean" },
        "show-output": { type: "boolean" },
        version: { type: "boolean", short: "V" },
        "fail-on-regression": { type: "boolean" },
        keep: { type: "string" },
        diagnose: { type: "string" },
        force: { type: "boolean" },
        "no-preflight": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }),
    `see ${io.prog ?? "bun run bench"} --help`,
  );
  const v = parsed.values;
  const env = envOverrides(io.env);
  const cli: Overrides = {
    runs: intFlag("runs", v.runs, 1),
    warmup: intFlag("warmup", v.warmup, 0),
    workspace: v.workspace,
    keepWorkspace: v["keep-workspace"] ? true : v["remove-workspace"] ? false : undefined,
    resultsDir: v["results-dir"] ? path.resolve(io.cwd, v["results-dir"]) : undefined,
    keepResults: intFlag("keep", v.keep, 1),
    diagnose: diagnoseFlag(v.diagnose),
  };
  for (const k of Object.keys(cli) as (keyof Overrides)[]) if (cli[k] === undefined) delete cli[k];
  // Which flag set a place, so an error about it names the flag (the environment's knobs name themselves).
  const from = { ...env.from };
  if (v.workspace) from.workspace = "--workspace";
  if (v["results-dir"]) from.resultsDir = "--results-dir";
  if (cli.keepWorkspace !== undefined) from.keepWorkspace = cli.keepWorkspace ? "--keep-workspace" : "--remove-workspace";
  if (Object.keys(from).length) cli.from = from;
  const patterns = (v.scenario ?? []).map(globToRegExp);
  // "-" is stdout for an export, stdin for the config: never a file of that name.
  const file = (f: string | undefined) => (f === "-" ? "-" : f ? path.resolve(io.cwd, f) : undefined);
  const exports = { json: file(v["export-json"]), csv: file(v["export-csv"]), markdown: file(v["export-markdown"]) } as ExportTargets;
  const toStdout = Object.entries(exports).filter(([, f]) => f === "-").map(([k]) => `--export-${k}`);
  if (toStdout.length > 1) throw new BenchError(`${toStdout.join(" and ")} both write to stdout`, { key: toStdout[1], hint: "send one export to stdout (-) and the others to files" });
  return {
    command: parsed.positionals[0] ?? "run",
    positionals: parsed.positionals.slice(1),
    configFile: v.config === "-" ? "-" : path.resolve(io.cwd, v.config ?? "bench.config.yaml"),
    overrides: { ...env, ...cli },
    only: patterns.length ? (name: string) => patterns.some((p) => p.test(name)) : undefined,
    scenarioGlobs: v.scenario ?? [],
    hosts: v.hosts,
    list: Boolean(v.list),
    dryRun: Boolean(v["dry-run"]),
    verifyDataset: Boolean(v["verify-dataset"]),
    exports,
    quiet: Boolean(v.quiet),
    wide: Boolean(v.wide),
    showOutput: Boolean(v["show-output"]),
    failOnRegression: Boolean(v["fail-on-regression"]),
    force: Boolean(v.force),
    noPreflight: Boolean(v["no-preflight"]),
    help: Boolean(v.help),
    version: Boolean(v.version),
  };
}

export interface CliOptions {
  command: string;
  positionals: string[];
  /** The config's path, or "-" for stdin. */
  configFile: string;
  overrides: Overrides;
  /** --scenario globs, matched against a scenario's name or its name before sweep expansion. */
  only: ((name: string) => boolean) | undefined;
  /** The --scenario globs as typed (a fleet run passes them on to each host). */
  scenarioGlobs: string[];
  /** --hosts as typed (a comma-separated list of hosts: names). */
  hosts: string | undefined;
  list: boolean;
  dryRun: boolean;
  verifyDataset: boolean;
  /** Export files; "-" is stdout (at most one). */
  exports: ExportTargets;
  quiet: boolean;
  /** Every table column, whatever the width. */
  wide: boolean;
  /** Each tool's output on the console while it runs. */
  showOutput: boolean;
  failOnRegression: boolean;
  /** --force: run although preflight failed (every result says so). */
  force: boolean;
  /** --no-preflight: skip the checks (recorded). */
  noPreflight: boolean;
  help: boolean;
  version: boolean;
}

/** What a run is asked to do: the loaded config, the command line, the console, the platform chosen at start. */
export interface Invocation {
  config: ResolvedConfig;
  opts: CliOptions;
  io: CliIO;
  platform: Platform;
}
