// The command line: arguments → config → plan → (datasets, execute, analyze, report) per scenario → exit code.

import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import pkg from "../../package.json" with { type: "json" };
import { decide, toolResults, verdicts, type Decision } from "../analyze/verdicts";
import { envOverrides, loadConfig, type Overrides } from "../config/load";
import { BenchError, EXIT, ioCause, ioLine, parseFlags, reportingErrors } from "../errors";
import { captureEnvironment, hostId } from "../platform/host";
import { executeScenario } from "../run/execute";
import type { ExportTargets } from "../export/write";
import { oldLines, openLog, type Log } from "../log";
import { buildPlan } from "../plan/plan";
import { sourcePaths, workspacePaths } from "../paths";
import { prepareSources } from "../datasets/sources";
import { gateLines, scenarioLines } from "../report/console";
import { scenarioDistribution } from "../report/distribution";
import { resultsPath, type ResultsFile, type ScenarioResult } from "../results/file";
import { cleanupMeter, getMeter, killAll } from "../run/spawn";
import { Aborted, ENGINE, samplingOptions, type Interleaved } from "../run/timing";
import { probeVersions, resolveTools } from "../run/tools";
import type { ResolvedConfig, ScenarioPlan } from "../types";
import { formatBytes } from "../units";
import { removeWorkspace } from "../workspace";
import { runCompare, runReport } from "./commands";
import { checkRegressions, exitWithRegressions, regressionLines } from "../history/regressions";
import { takeoverNote } from "../lock";
import { applyRetention, retentionLines } from "../history/retention";
import { claimAndCheck, OutputWriter } from "./outputs";
import { describeReplaced } from "../safe-fs";
import { defaultIO, type CliIO } from "../io";

const USAGE = `usage: bun run bench [options]

  --config FILE        config file (default: bench.config.yaml)
  --scenario GLOB      run only matching scenarios (repeatable; * and ? wildcards)
  --runs N             measured runs per tool (env RUNS)
  --warmup N           warmup runs per tool (env WARMUP)
  --workspace DIR      workspace folder (env BENCH_ROOT)
  --keep-workspace / --remove-workspace   keep or remove the workspace on exit (env KEEP_BENCH_DIR=1/0)
  --results-dir DIR    where results JSON files go (default: results/ beside the config)
  --list               list scenarios and which tools are available, then exit
  --dry-run            print the plan (every run, argv, destination, cache policy); run nothing
  --verify-dataset     re-hash cached datasets instead of the quick size/mtime check
  --export-json FILE   hyperfine-format JSON (seconds), readable by hyperfine's scripts
  --export-csv FILE    hyperfine-style CSV
  --export-markdown FILE  Markdown table per scenario
  --quiet              only the summary on the console (the log keeps everything)
  --fail-on-regression exit 4 when a result is a regression against this host's history (and the gate passed)
  --keep N             keep only the newest N results files of this host (config keep_results)
  -h, --help           this text

commands:
  bun run bench report [FILE|latest] [--html [--out FILE]] [--export-json|--export-csv|--export-markdown FILE]
  bun run bench compare [A [B]]      (files, latest or previous; default previous latest)

exit codes: 0 GO (or no gate and all runs completed), 1 NO-GO, 2 usage or config error,
            3 undecided (baseline failed or missing), 4 regression (with --fail-on-regression),
            5 workspace locked by another run, 6 an output could not be written (results saved
            to the temp folder when possible; the error line says where and why), 130 interrupted (Ctrl-C, SIGTERM, SIGHUP)`;

export type { CliIO } from "../io";

function globToRegExp(glob: string): RegExp {
  const esc = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${esc}$`);
}

function intFlag(name: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min) throw new BenchError(`--${name} must be a whole number ≥ ${min}, got "${v}"`, { key: `--${name}` });
  return Number(v);
}

export function parseCli(argv: string[], io: CliIO) {
  const parsed = parseFlags(() =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: "string" },
        scenario: { type: "string", multiple: true },
        runs: { type: "string" },
        warmup: { type: "string" },
        workspace: { type: "string" },
        "keep-workspace": { type: "boolean" },
        "remove-workspace": { type: "boolean" },
        "results-dir": { type: "string" },
        list: { type: "boolean" },
        "dry-run": { type: "boolean" },
        "verify-dataset": { type: "boolean" },
        "export-json": { type: "string" },
        "export-csv": { type: "string" },
        "export-markdown": { type: "string" },
        quiet: { type: "boolean" },
        "fail-on-regression": { type: "boolean" },
        keep: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }),
    "see bun run bench --help",
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
  };
  for (const k of Object.keys(cli) as (keyof Overrides)[]) if (cli[k] === undefined) delete cli[k];
  // Which flag set a place, so an error about it names the flag (the environment's knobs name themselves).
  const from = { ...env.from };
  if (v.workspace) from.workspace = "--workspace";
  if (v["results-dir"]) from.resultsDir = "--results-dir";
  if (cli.keepWorkspace !== undefined) from.keepWorkspace = cli.keepWorkspace ? "--keep-workspace" : "--remove-workspace";
  if (Object.keys(from).length) cli.from = from;
  const patterns = (v.scenario ?? []).map(globToRegExp);
  return {
    command: parsed.positionals[0] ?? "run",
    positionals: parsed.positionals.slice(1),
    configFile: path.resolve(io.cwd, v.config ?? "bench.config.yaml"),
    overrides: { ...env, ...cli },
    only: patterns.length ? (name: string) => patterns.some((p) => p.test(name)) : undefined,
    list: Boolean(v.list),
    dryRun: Boolean(v["dry-run"]),
    verifyDataset: Boolean(v["verify-dataset"]),
    exports: {
      json: v["export-json"] ? path.resolve(io.cwd, v["export-json"]) : undefined,
      csv: v["export-csv"] ? path.resolve(io.cwd, v["export-csv"]) : undefined,
      markdown: v["export-markdown"] ? path.resolve(io.cwd, v["export-markdown"]) : undefined,
    } as ExportTargets,
    quiet: Boolean(v.quiet),
    failOnRegression: Boolean(v["fail-on-regression"]),
    help: Boolean(v.help),
  };
}

async function listScenarios(config: ResolvedConfig, io: CliIO): Promise<void> {
  const avail = resolveTools(config.tools);
  await probeVersions(config.tools, avail);
  io.out(`Config: ${config.file}\n\nTools:\n`);
  for (const [id, a] of Object.entries(avail)) {
    io.out(`  ${a.available ? "✓" : "✗"} ${id.padEnd(12)} ${a.available ? `${a.path}${a.version ? `  (${a.version})` : ""}` : `unavailable: ${a.reason}`}\n`);
  }
  io.out(`\nScenarios:\n`);
  for (const s of config.scenarios) {
    const tools = s.tools.map((t) => (avail[t]!.available ? t : `${t} (missing)`)).join(", ");
    const gate = s.baseline.length ? `baseline ${s.baseline.join(" → ")}${s.candidates.length ? `, candidate ${s.candidates.join(", ")}` : ""}` : "no gate";
    io.out(`  ${s.name}: ${s.workload.kind}, ${s.runs} runs + ${s.warmup} warmup, cache ${s.cache}; tools: ${tools}; ${gate}\n`);
  }
}

function printPlan(plans: ScenarioPlan[], config: ResolvedConfig, io: CliIO): void {
  io.out(`Plan for ${config.file}\nWorkspace: ${config.workspace} (will be ${config.keepWorkspace ? "preserved" : "removed"} on exit)\n`);
  let total = 0;
  for (const sp of plans) {
    const s = sp.scenario;
    const d = s.workload.dataset;
    const groups = d.groups.map((g) => `${g.count} × ${g.minBytes === g.maxBytes ? formatBytes(g.minBytes) : `${formatBytes(g.minBytes)}..${formatBytes(g.maxBytes)}`} (${g.content})`).join(" + ");
    io.out(`\n== ${s.name}  [${s.workload.kind}; ${groups}; seed ${d.seed}; cache ${s.cache}; verify ${s.verify.enabled ? "on" : "off"}; timeout ${s.timeoutMs / 1000}s]\n`);
    if (sp.baseline || s.baseline.length) io.out(`   gate: baseline ${sp.baseline ?? `(none available of ${s.baseline.join(", ")})`}; candidates ${sp.candidates.join(", ") || "-"}; max_time_ratio ${s.thresholds.maxTimeRatio}, max_memory_ratio ${s.thresholds.maxMemoryRatio}\n`);
    for (const sk of sp.skipped) io.out(`   skipped ${sk.tool}: ${sk.reason}\n`);
    for (const r of sp.runs) {
      io.out(`   ${r.phase === "warmup" ? "warmup  " : `round ${String(r.round).padStart(2)}`} ${r.label.padEnd(10)} ${r.index}/${r.total}  cache=${r.cache}  dst=${r.dst}\n             argv: ${JSON.stringify(r.argv)}\n`);
    }
    total += sp.runs.length;
  }
  io.out(`\n${plans.length} scenario(s), ${total} run(s). Nothing was generated or spawned.\n`);
}

interface RunState {
  interrupted: boolean;
  il: Interleaved | null;
}

export async function main(argv: string[], io: CliIO = defaultIO()): Promise<number> {
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
    const config = loadConfig(opts.configFile, { overrides: opts.overrides, env: io.env });
    if (opts.only && !config.scenarios.some((s) => opts.only!(s.name) || opts.only!(s.baseName))) {
      throw new BenchError(`no scenario matches --scenario`, { hint: `scenarios: ${config.scenarios.map((s) => s.name).join(", ")}` });
    }
    if (opts.list) {
      await listScenarios(config, io);
      return EXIT.go;
    }
    if (opts.dryRun) {
      const avail = resolveTools(config.tools);
      const ws = workspacePaths(config.workspace);
      const plan = buildPlan(config, avail, (s) => sourcePaths(s.workload, ws.datasets).srcDir, opts.only);
      printPlan(plan.scenarios, config, io);
      return EXIT.go;
    }
    return await runBenchmark(config, opts, io);
  });
}

async function runBenchmark(config: ResolvedConfig, opts: ReturnType<typeof parseCli>, io: CliIO): Promise<number> {
  const startedAt = new Date();
  const ws = workspacePaths(config.workspace);
  // Before anything is generated: the workspace claimed and locked, every output checked writable.
  const { lock, freedBytes, replaced } = claimAndCheck(config, opts.exports);
  const log = openLog(ws.log, { quiet: opts.quiet, out: io.out, err: io.err });
  const state: RunState = { interrupted: false, il: null };
  let cleaned = false;
  const cleanup = () => {
    if (cleaned) return;
    cleaned = true;
    process.off("SIGINT", onSigint);
    process.off("SIGTERM", onSigint);
    process.off("SIGHUP", onSigint);
    log.close();
    cleanupMeter();
    lock.release();
    if (!config.keepWorkspace) removeWorkspace(config.workspace);
  };
  const onSigint = () => {
    if (state.interrupted || !state.il) {
      // Not inside a scenario's runs (generating data, or a second Ctrl-C): nothing to finish, so stop now.
      // Results of finished scenarios are already on disk; a half-generated dataset is never marked complete.
      killAll("SIGKILL");
      log.error("interrupted: stopped before or between measured runs; finished scenarios are in the results file");
      cleanup();
      process.exit(EXIT.interrupted);
    }
    state.interrupted = true;
    log.error("interrupted: stopping the running tool and writing what was measured");
    state.il.abort(new Aborted("interrupted"));
    killAll("SIGKILL");
  };
  process.on("SIGINT", onSigint);
  process.on("SIGTERM", onSigint);
  process.on("SIGHUP", onSigint); // a closed terminal or ssh session: finish like Ctrl-C (exit 130)
  const color = io.isTTY && !io.env.NO_COLOR;
  try {
    log.file(`---- mirrorbench ${pkg.version} ${startedAt.toISOString()} ${opts.configFile}`);
    log.line(oldLines.workspace(config.workspace, config.keepWorkspace));
    const takeover = takeoverNote(lock);
    if (takeover) log.summary(takeover);
    for (const r of replaced) log.error(describeReplaced(r, ""));
    if (freedBytes) log.file(`Freed ${formatBytes(freedBytes)} of destinations left in ${path.join(config.workspace, "dst")} by an earlier run`);
    const environment = captureEnvironment(config.workspace, pkg.version);
    const host = hostId(environment);
    const avail = resolveTools(config.tools);
    await probeVersions(config.tools, avail);
    const meter = getMeter();
    if (meter.memoryNote) log.error(`warning: ${meter.memoryNote}`);
    const file = resultsPath(config.resultsDir, startedAt, host);
    const results: ResultsFile = {
      schema: "mirrorbench.results",
      schemaVersion: 1,
      startedAt: startedAt.toISOString(),
      finishedAt: null,
      interrupted: false,
      host,
      environment,
      invocation: { argv: process.argv.slice(2), cwd: io.cwd, configFile: config.file },
      engine: { ...ENGINE, sampling: { ...samplingOptions(0), min_samples: "runs", max_samples: "runs", samples_threshold: "Infinity (no trimming)" } },
      meter: { kind: meter.kind, memoryNote: meter.memoryNote },
      tools: avail,
      config,
      scenarios: [],
      decision: null,
    };
    const outputs = new OutputWriter(file, (l) => log.error(l));
    let exported: string[] = [];
    // A disk that refuses a write mid-run stops the run with one line; what was measured is still saved.
    let stopped: string | null = null;
    const scenarios = config.scenarios.filter((s) => !opts.only || opts.only(s.name) || opts.only(s.baseName));
    for (const s of scenarios) {
      if (state.interrupted || stopped) break;
      try {
        const labels = Object.fromEntries(Object.values(config.tools).map((t) => [t.id, t.label]));
        const prepared = await prepareSources(s, ws.datasets, log, { verifyDataset: opts.verifyDataset, isTTY: io.isTTY && !opts.quiet });
        const [sp] = buildPlan({ ...config, scenarios: [s] }, avail, () => prepared.source.srcDir).scenarios;
        const scenarioPlan = sp!;
        for (const sk of scenarioPlan.skipped) log.summary(`note: [${config.tools[sk.tool]!.label}] skipped: ${sk.reason}`);
        const exec = await executeScenario(scenarioPlan, prepared.source, {
          workspace: config.workspace,
          tools: config.tools,
          log,
          onStart: (il) => (state.il = il),
        });
        state.il = null;
        const totals = { files: prepared.source.manifest.fileCount, bytes: prepared.source.manifest.totalBytes };
        const tools = toolResults(scenarioPlan, exec.runs, totals, labels);
        const sr: ScenarioResult = {
          name: s.name,
          baseName: s.baseName,
          parameters: s.parameters,
          state: state.interrupted ? "failed" : tools.every((t) => t.state === "skipped") ? "skipped" : tools.some((t) => t.state === "failed") ? "failed" : "completed",
          workload: { kind: s.workload.kind, files: totals.files, bytes: totals.bytes, datasetHash: prepared.datasetHash, reused: prepared.reused, changes: prepared.changes },
          cache: s.cache,
          verified: s.verify.enabled,
          baseline: scenarioPlan.baseline,
          candidates: scenarioPlan.candidates,
          tools,
          verdicts: state.interrupted ? [] : verdicts(scenarioPlan, tools, exec.runs),
          runs: exec.runs,
          timings: exec.timings,
          thresholds: s.thresholds,
        };
        results.scenarios.push(sr);
        outputs.saveResults(results);
        exported = outputs.saveExports(results, opts.exports);
        reportScenario(sr, log, color, io.isTTY);
      } catch (e) {
        if (!ioCause(e)) throw e;
        stopped = ioLine(e, (e as NodeJS.ErrnoException).syscall);
        log.error(`error: ${stopped}; stopping here: the scenarios measured so far are saved`);
      }
    }
    const { decision, exitCode } = decide(results.scenarios);
    const early = state.interrupted || stopped !== null;
    const regressions = early ? [] : checkRegressions(results, config.resultsDir);
    const gateCode = state.interrupted ? EXIT.interrupted : exitWithRegressions(exitCode, regressions, opts.failOnRegression);
    const outputFailed = () => stopped !== null || outputs.failed || log.writeError !== null;
    const finalCode = () => (!state.interrupted && outputFailed() ? EXIT.output : gateCode);
    results.decision = { decision, exitCode: finalCode() };
    results.regressions = regressions;
    results.interrupted = state.interrupted;
    results.finishedAt = new Date().toISOString();
    outputs.saveResults(results);
    // The last write may be the first to fail: the rescued file must carry the code the run ends with.
    if (results.decision.exitCode !== finalCode()) {
      results.decision.exitCode = finalCode();
      outputs.saveResults(results);
    }
    if (stopped) log.summary("Decision: none (the run stopped early: an output could not be written)");
    else if (!state.interrupted) {
      const plain = gateLines(results.scenarios, decision, { color: false });
      const styled = color ? gateLines(results.scenarios, decision, { color }) : plain;
      plain.forEach((l, i) => log.summary(styled[i] ?? l, l));
    }
    for (const l of regressionLines(regressions)) log.summary(l);
    const report = results.scenarios.some((s) => s.verdicts.length) ? outputs.saveDecision(results) : null;
    if (report) log.summary(`Decision report: ${report}`);
    // Never thin out the history when this run's own file did not land in it.
    if (config.keepResults !== null && outputs.resultsFile === file) for (const l of retentionLines(applyRetention(config.resultsDir, host.id, config.keepResults), config.keepResults)) log.summary(l);
    log.summary(`Results: ${outputs.resultsFile ?? "not saved (see the error above)"}`);
    // Exports were rewritten after the last scenario; only the decision changed since, and they do not carry it.
    for (const f of exported) log.summary(`Export: ${f}`);
    log.summary(oldLines.complete(ws.log));
    if (finalCode() === EXIT.output) log.summary(`Exit ${EXIT.output}: an output could not be written (see the error above)`);
    return finalCode();
  } finally {
    cleanup();
  }
}

function reportScenario(sr: ScenarioResult, log: Log, color: boolean, tty: boolean): void {
  const plain = scenarioLines(sr, { color: false });
  const styled = color ? scenarioLines(sr, { color }) : plain;
  plain.forEach((l, i) => log.summary(styled[i] ?? l, l));
  // The picture is for a person at a terminal; logs and mail get the numbers only.
  if (tty) for (const l of scenarioDistribution(sr, { color })) log.summary(l, "");
  log.summary("");
}

