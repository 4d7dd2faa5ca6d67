// The diagnosis's runs through the run stage: the measured runs' per-run setup (harness), the tool under the executor's meter, peak RSS on a scaled dataset.

import fs from "node:fs";
import { scaleDataset } from "../config/diagnose";
import { prepareSources } from "../datasets/sources";
import type { Log } from "../log";
import { planScenario } from "../plan/plan";
import type { Platform } from "../platform/index";
import type { Executor } from "../run/executor";
import { localHarness } from "../run/harness";
import type { PlannedRun, ResolvedConfig, ScenarioSpec, ToolAvailability } from "../types";
import { localExec, type DiagnoseExec } from "./exec";

/** What the diagnosis needs of the run around it; the same objects the measured runs used. */
export interface BenchContext {
  config: ResolvedConfig;
  avail: Record<string, ToolAvailability>;
  log: Log;
  executor: Executor;
  platform: Platform;
  datasetsRoot: string;
  /** Draw the dataset bar (a terminal). */
  isTTY: boolean;
  /** True once the run is being stopped: no further diagnosis run starts. */
  stopped(): boolean;
}

/** One scenario's source opened for the diagnosis, with the setup every measured run had. */
export interface ScenarioBench {
  srcDir: string;
  files: number;
  bytes: number;
  /** Before a run of `tool`: an intact source, a fresh (or restored) destination, the cache policy; its argv. */
  prepare(tool: string): Promise<string[]>;
  /** An instrumented run under the executor (its meter, timeout and tree kill); `perf script` reads our own file and runs plainly. */
  exec: DiagnoseExec;
  /** One uninstrumented run of `tool`, checked like a measured run: its peak RSS in bytes, or why there is none. */
  peak(tool: string): Promise<number | string>;
  /** How the cache was treated before each run so far. */
  treatments: string[];
  close(): void;
}

/** The scenario with `files` files (every group scaled alike), or the scenario itself. */
export function scaledScenario(s: ScenarioSpec, files?: number): ScenarioSpec {
  if (files === undefined) return s;
  return { ...s, workload: { ...s.workload, dataset: scaleDataset(s.workload.dataset, files) } };
}

export async function openScenarioBench(ctx: BenchContext, spec: ScenarioSpec): Promise<ScenarioBench> {
  const { log, executor, config } = ctx;
  const prepared = await prepareSources(spec, ctx.datasetsRoot, log, { verifyDataset: false, isTTY: ctx.isTTY });
  const source = prepared.source;
  const harness = localHarness({ workspace: config.workspace, source, platform: ctx.platform, verify: spec.verify, log });
  const plan = planScenario(spec, config, ctx.avail, source.srcDir, ctx.platform.shell);
  const treatments: string[] = [];
  let current: PlannedRun | null = null;

  const runOf = (tool: string): PlannedRun => {
    const run = plan.runs.find((r) => r.tool === tool && r.phase === "measured");
    if (!run) throw new Error(`${tool} has no run in scenario ${spec.name} here`);
    return run;
  };
  const prepare = async (tool: string): Promise<string[]> => {
    if (ctx.stopped()) throw new Error("the run is being stopped");
    const run = runOf(tool);
    log.file(`[${run.label}] Diagnosis run (outside the statistics) -> ${run.dst}`);
    const { cache } = await harness.before(run);
    treatments.push(cache);
    current = run;
    return run.argv;
  };
  /** After every tool run, whatever its exit: the source must be as the tool found it (a tool under strace is still a tool). */
  const checkSource = (run: PlannedRun): string | null => {
    const { notReal, tampered } = harness.after(run);
    if (tampered) log.error(`error: ${run.label} (diagnosis run): ${tampered}`);
    return tampered ?? notReal;
  };
  const exec: DiagnoseExec = async (req) => {
    if (req.stdoutFile) return localExec(req);
    const run = current;
    current = null;
    const fd = fs.openSync(req.logFile, "a");
    const started = Bun.nanoseconds();
    try {
      const out = await executor.run({ argv: req.argv, env: req.env, logFd: fd, timeoutMs: req.timeoutMs });
      return { exitCode: out.exitCode, timedOut: out.timedOut, wallNs: out.measure?.wallNs ?? Bun.nanoseconds() - started };
    } finally {
      fs.closeSync(fd);
      if (run) checkSource(run);
    }
  };
  const peak = async (tool: string): Promise<number | string> => {
    await prepare(tool);
    const run = runOf(tool);
    current = null;
    const t = config.tools[tool]!;
    const out = await executor.run({ argv: run.argv, env: t.env, logFd: log.fd, timeoutMs: spec.timeoutMs });
    const wrong = checkSource(run);
    if (out.timedOut) return `timed out after ${(spec.timeoutMs / 1000).toFixed(1)}s`;
    if (out.exitCode === null || !t.successCodes.includes(out.exitCode)) return `exited with status ${out.exitCode ?? "unknown"}`;
    if (wrong) return wrong;
    const v = await harness.verify(run);
    if (v && !v.ok) return `copy is wrong: ${v.summary}`;
    if (out.measure?.maxRssBytes == null) return `no peak memory: ${executor.meter.memoryNote ?? "the meter measured none"}`;
    return out.measure.maxRssBytes;
  };
  return {
    srcDir: source.srcDir,
    files: source.manifest.fileCount,
    bytes: source.manifest.totalBytes,
    prepare,
    exec,
    peak,
    treatments,
    close: () => harness.finish(),
  };
}

/** "dropped", or "dropped on 4/6 runs; kept on 2/6" when they differ. */
export function treatmentSummary(treatments: readonly string[], policy: string): string {
  if (!treatments.length) return `policy ${policy}; no run prepared`;
  const counts = new Map<string, number>();
  for (const t of treatments) counts.set(t, (counts.get(t) ?? 0) + 1);
  if (counts.size === 1) return `${treatments[0]} (policy ${policy})`;
  return [...counts].map(([t, n]) => `${t} on ${n}/${treatments.length} runs`).join("; ");
}
