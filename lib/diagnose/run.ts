// Diagnosing one scenario: candidate and baseline once more each under strace, perf stat and perf record, outside the statistics.

import fs from "node:fs";
import path from "node:path";
import { oneLine } from "../errors";
import { localExec, type DiagnoseExec } from "./exec";
import { renderFlameGraph } from "./flamegraph";
import { parsePerfStat, perfRecordArgv, perfScriptArgv, perfStatArgv, PERF_RECORD_HZ, type CallGraph } from "./perf";
import { collapsePerfScript, foldedText, speedscopeJson } from "./stacks";
import { parseIoTrace } from "./strace-io";
import { parseStraceSummary, parseStraceVersion, straceIoArgv, straceSummaryArgv } from "./strace";
import { diffSyscalls } from "./syscall-diff";
import type {
  FlameGraphFiles, Instrument, InstrumentId, Part, PerfStat, ScalingFit, ScenarioDiagnosis, ToolDiagnosis, ToolSyscalls, Workload,
} from "./types";

export interface DiagnoseTool {
  tool: string;
  label: string;
  successCodes: number[];
  env?: Record<string, string>;
  /** perf record's stack walking for this tool (its `call_graph:`); the request's, else frame pointers. */
  callGraph?: CallGraph;
}

export interface DiagnoseRequest {
  scenario: string;
  trigger: ScenarioDiagnosis["trigger"];
  gateReasons: string[];
  candidate: DiagnoseTool;
  baseline: DiagnoseTool;
  workload: Workload;
  /** How prepare() treats the page cache, as the measured runs did ("dropped", "kept"…). */
  cache: string;
  /**
   * Before every instrumented run: empty the destination, treat the cache as the measured runs did, and return the
   * tool's argv for this run (placeholders substituted). The run stage owns all of that; the diagnosis only wraps argv.
   */
  prepare(tool: string): Promise<string[]>;
  /** Folder for this scenario's raw outputs, flame graphs and log (created if missing). */
  outDir: string;
  timeoutMs: number;
  instruments: Instrument[];
  exec?: DiagnoseExec;
  /** Filled by the memory-scaling runner when the scenario asks for it; "skipped" otherwise. */
  memory?: Part<ScalingFit[]>;
  perfRecord?: { frequencyHz?: number; callGraph?: CallGraph };
  /** Keep the byte-pass trace and perf.data (large) instead of deleting them once parsed. */
  keepRaw?: boolean;
}

function instrument(list: Instrument[], id: InstrumentId): Instrument | undefined {
  return list.find((i) => i.id === id);
}

function unusable<T>(i: Instrument | undefined, id: InstrumentId): Part<T> | null {
  if (!i) return { state: "skipped", reason: `${id} was not probed` };
  if (i.state === "available") return null;
  return { state: "skipped", reason: `${id} ${i.state}: ${i.reason}`, fix: i.fix };
}

/** A safe file stem for a tool id inside outDir. */
export function fileStem(tool: string): string {
  return tool.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\.+/, "_") || "tool";
}

export async function diagnoseScenario(req: DiagnoseRequest): Promise<ScenarioDiagnosis> {
  const started = Bun.nanoseconds();
  const exec = req.exec ?? localExec;
  fs.mkdirSync(req.outDir, { recursive: true });
  const logFile = path.join(req.outDir, "diagnose.log");
  const file = (tool: DiagnoseTool, ext: string) => path.join(req.outDir, `${fileStem(tool.tool)}.${ext}`);

  /** One instrumented run: prepare, run, and say in one line why it does not count if it does not. */
  const run = async (tool: DiagnoseTool, wrap: (argv: string[]) => string[], what: string): Promise<string | null> => {
    try {
      const argv = wrap(await req.prepare(tool.tool));
      fs.appendFileSync(logFile, `[${tool.label}] ${what}: ${argv.join(" ")}\n`);
      const r = await exec({ argv, env: tool.env, logFile, timeoutMs: req.timeoutMs });
      fs.appendFileSync(logFile, `[${tool.label}] ${what}: exit ${r.exitCode}${r.timedOut ? " (timed out)" : ""}, ${(r.wallNs / 1e9).toFixed(3)} s\n`);
      if (r.timedOut) return `${what} timed out after ${Math.round(req.timeoutMs / 1000)} s`;
      if (r.exitCode === null || !tool.successCodes.includes(r.exitCode)) return `${what}: exited with status ${r.exitCode}`;
      return null;
    } catch (e) {
      return `${what}: ${oneLine(e)}`;
    }
  };

  const strace = instrument(req.instruments, "strace");
  const straceVersion = strace?.state === "available" && strace.version ? parseStraceVersion(`strace -- version ${strace.version}`) : null;

  const syscalls = async (tool: DiagnoseTool): Promise<Part<ToolSyscalls>> => {
    const no = unusable<ToolSyscalls>(strace, "strace");
    if (no) return no;
    const o = { strace: strace!.state === "available" ? strace!.path : "strace", version: straceVersion };
    const sumFile = file(tool, "strace-c.txt");
    const failed = await run(tool, (a) => straceSummaryArgv(a, sumFile, o), "strace -c");
    if (failed) return { state: "failed", reason: failed };
    if (!fs.existsSync(sumFile)) return { state: "failed", reason: `strace exited 0 but wrote no summary (${path.basename(sumFile)})` };
    const summary = parseStraceSummary(fs.readFileSync(sumFile, "utf8"), "wall");
    if (!summary.total) return { state: "failed", reason: `strace wrote no summary table to ${sumFile}` };
    const ioFile = file(tool, "strace-io.txt");
    const ioFailed = await run(tool, (a) => straceIoArgv(a, ioFile, o), "strace byte pass");
    let io = null;
    if (!ioFailed) {
      io = parseIoTrace(fs.readFileSync(ioFile, "utf8"));
      if (!req.keepRaw) fs.rmSync(ioFile, { force: true });
    } else fs.appendFileSync(logFile, `[${tool.label}] byte pass not used: ${ioFailed}\n`);
    return { state: "completed", value: { tool: tool.tool, label: tool.label, summary, io } };
  };

  const perfStat = async (tool: DiagnoseTool): Promise<Part<PerfStat>> => {
    const i = instrument(req.instruments, "perf-stat");
    const no = unusable<PerfStat>(i, "perf-stat");
    if (no) return no;
    const csv = file(tool, "perf-stat.csv");
    const failed = await run(tool, (a) => perfStatArgv(a, csv, { perf: i!.state === "available" ? i!.path : "perf" }), "perf stat");
    if (failed) return { state: "failed", reason: failed };
    const stat = parsePerfStat(fs.readFileSync(csv, "utf8"));
    return stat.counters.length ? { state: "completed", value: stat } : { state: "failed", reason: `perf stat wrote no counters to ${csv}` };
  };

  const flame = async (tool: DiagnoseTool): Promise<Part<FlameGraphFiles>> => {
    const i = instrument(req.instruments, "perf-record");
    const no = unusable<FlameGraphFiles>(i, "perf-record");
    if (no) return no;
    const perf = i!.state === "available" ? i!.path : "perf";
    const data = file(tool, "perf.data");
    const hz = req.perfRecord?.frequencyHz ?? PERF_RECORD_HZ;
    const opts = { perf, frequencyHz: hz, callGraph: tool.callGraph ?? req.perfRecord?.callGraph };
    const failed = await run(tool, (a) => perfRecordArgv(a, data, opts), "perf record");
    if (failed) return { state: "failed", reason: failed };
    const script = file(tool, "perf-script.txt");
    try {
      const r = await exec({ argv: perfScriptArgv(data, { perf }), logFile, stdoutFile: script, timeoutMs: req.timeoutMs });
      fs.appendFileSync(logFile, `[${tool.label}] perf script: exit ${r.exitCode}, ${(r.wallNs / 1e9).toFixed(3)} s\n`);
      if (r.timedOut || r.exitCode !== 0) return { state: "failed", reason: `perf script: ${r.timedOut ? "timed out" : `exited with status ${r.exitCode}`}` };
      const folded = collapsePerfScript(fs.readFileSync(script, "utf8"));
      const svg = file(tool, "flamegraph.svg");
      const speedscope = file(tool, "speedscope.json");
      const how = `${req.scenario}: ${folded.samples} samples, perf record ${opts.callGraph === "dwarf" ? "--call-graph dwarf" : "-g"} at ${hz} Hz, one run outside the statistics`;
      fs.writeFileSync(svg, renderFlameGraph(folded, { title: `Flame graph: ${tool.label}`, subtitle: how }));
      fs.writeFileSync(speedscope, speedscopeJson(folded, `${tool.label} — ${req.scenario}`));
      fs.writeFileSync(file(tool, "folded.txt"), foldedText(folded));
      return { state: "completed", value: { svg, speedscope, samples: folded.samples } };
    } catch (e) {
      return { state: "failed", reason: `flame graph: ${oneLine(e)}` };
    } finally {
      if (!req.keepRaw) {
        fs.rmSync(script, { force: true });
        fs.rmSync(data, { force: true });
        fs.rmSync(`${data}.old`, { force: true });
      }
    }
  };

  /** Anything that throws while reading or parsing fails that part only; the diagnosis (and the benchmark) go on. */
  const guarded = async <T>(what: string, f: () => Promise<Part<T>>): Promise<Part<T>> => {
    try {
      return await f();
    } catch (e) {
      return { state: "failed", reason: `${what}: ${oneLine(e)}` };
    }
  };

  // Instrument by instrument, candidate then baseline, so both see the host in the same state for each instrument.
  const tools = [req.candidate, req.baseline] as const;
  const sc = [await guarded("strace", () => syscalls(tools[0])), await guarded("strace", () => syscalls(tools[1]))];
  const ps = [await guarded("perf stat", () => perfStat(tools[0])), await guarded("perf stat", () => perfStat(tools[1]))];
  const fg = [await guarded("perf record", () => flame(tools[0])), await guarded("perf record", () => flame(tools[1]))];
  const toolDiag = (k: 0 | 1): ToolDiagnosis => ({ tool: tools[k].tool, label: tools[k].label, syscalls: sc[k]!, perfStat: ps[k]!, flameGraph: fg[k]! });

  let diff: ScenarioDiagnosis["diff"];
  const [c, b] = sc as [Part<ToolSyscalls>, Part<ToolSyscalls>];
  if (c.state === "completed" && b.state === "completed") diff = { state: "completed", value: diffSyscalls(c.value, b.value, req.workload) };
  else if (c.state === "skipped") diff = c;
  else {
    const why = (p: Part<ToolSyscalls>, t: DiagnoseTool) => (p.state === "completed" ? [] : [`${t.label}: ${p.reason}`]);
    diff = { state: "failed", reason: [...why(c, tools[0]), ...why(b, tools[1])].join("; ") };
  }

  return {
    scenario: req.scenario,
    trigger: req.trigger,
    gateReasons: req.gateReasons,
    candidate: toolDiag(0),
    baseline: toolDiag(1),
    workload: req.workload,
    cache: req.cache,
    diff,
    memory: req.memory ?? { state: "skipped", reason: "memory_scaling is not set for this scenario" },
    instruments: req.instruments,
    elapsedNs: Bun.nanoseconds() - started,
  };
}
