// Where measurements go: every output checked writable before the first run, and written after each scenario so a failing disk never loses them silently.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { BenchError, ioCause, ioLine } from "../errors";
import { writeExports, type ExportTargets } from "../export/write";
import { writeDecisionReport } from "../report/decision";
import { writeResults, type ResultsFile } from "../results/file";
import { acquireLock, lockHeld, type Lock } from "../lock";
import { fsSpace } from "../platform/machine";
import { isInside, nearestExisting, removeInside, type Replaced } from "../safe-fs";
import { claimWorkspace, isOurs, workspaceReal } from "../workspace";
import type { ResolvedConfig, ValueOrigin } from "../types";

const EXPORT_FLAGS: Record<keyof ExportTargets, string> = { json: "--export-json", csv: "--export-csv", markdown: "--export-markdown" };

/** Creates and removes a small file in `dir` (the nearest existing ancestor when `dir` is still to be made); the problem, or null. */
export function probeDir(dir: string): string | null {
  const at = nearestExisting(dir);
  let st: fs.Stats;
  try {
    st = fs.statSync(at);
  } catch (e) {
    return ioCause(e) ?? String(e);
  }
  if (!st.isDirectory()) return at === dir ? `${dir} is a file, not a directory` : `${at} is a file, so ${dir} cannot be created under it`;
  const probe = path.join(at, `.mirrorbench-probe-${process.pid}`);
  let created = false;
  try {
    // A few bytes, not an empty file: a full disk still has inodes for empty files.
    const fd = fs.openSync(probe, "wx");
    created = true;
    try {
      fs.writeSync(fd, "mirrorbench write probe\n");
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    return `${at} is not writable: ${ioCause(e) ?? (e as Error).message}`;
  } finally {
    if (created) fs.rmSync(probe, { force: true });
  }
  return null;
}

function refuse(origin: ValueOrigin | undefined, fallbackKey: string, message: string, hint: string): never {
  throw new BenchError(message, { key: origin?.key ?? fallbackKey, file: origin?.file, line: origin?.line, col: origin?.col, hint });
}

/**
 * Before anything is generated or run: the results folder, every export target and the log's folder
 * (the workspace) must take a file. A failure is a usage error naming the config line or the flag.
 */
export function checkOutputs(config: ResolvedConfig, exports: ExportTargets): void {
  const o = config.origins;
  const results = probeDir(config.resultsDir);
  if (results) refuse(o?.resultsDir, "results_dir", `results folder ${config.resultsDir}: ${results}`, "point results_dir (or --results-dir) at a writable folder with free space");
  const log = probeDir(config.workspace);
  if (log) refuse(o?.workspace, "workspace", `workspace ${config.workspace} (the log and datasets go there): ${log}`, "point workspace: (or BENCH_ROOT) at a writable folder with free space");
  for (const [kind, file] of Object.entries(exports) as [keyof ExportTargets, string | undefined][]) {
    if (!file || file === "-") continue;
    const flag = EXPORT_FLAGS[kind];
    let problem: string | null = null;
    try {
      if (fs.statSync(file).isDirectory()) problem = `${file} is a directory`;
    } catch {
      /* not there yet: its folder decides */
    }
    problem ??= probeDir(path.dirname(file));
    if (problem) refuse(undefined, flag, `cannot write ${file}: ${problem}`, `give ${flag} a file in a writable folder`);
    if (!config.keepWorkspace && isInside(file, config.workspace)) {
      refuse(undefined, flag, `${file} is inside the workspace ${config.workspace}, which is removed at exit`, "write exports outside the workspace, or keep it (keep_workspace: true)");
    }
  }
}

/** `<results-file-stem>-diagnose/` beside the results file: the diagnosis's flame graphs, raw summaries and its log. */
export function diagnoseDir(resultsFile: string): string {
  return resultsFile.replace(/\.json$/, "") + "-diagnose";
}

/** With diagnose on, its folder must take files before the first run, like every other output. */
export function checkDiagnoseDir(config: ResolvedConfig, resultsFile: string): void {
  if ((config.diagnose ?? "off") === "off") return;
  const dir = diagnoseDir(resultsFile);
  const problem = probeDir(dir);
  if (problem) throw new BenchError(`diagnosis folder ${dir}: ${problem}`, { key: "diagnose", hint: "point results_dir (or --results-dir) at a writable folder, or run without --diagnose" });
}

/** Where the results go when their folder refuses them: the system's temp folder, same name. */
export function rescuePath(file: string): string {
  return path.join(os.tmpdir(), "mirrorbench-rescued", path.basename(file));
}

/**
 * Writes the results file, exports and decision report during a run. A write the disk refuses
 * (ENOSPC, EROFS, EACCES …) is reported in one line per path, never thrown: the results then go
 * to rescuePath(), and `failed` makes the run end with EXIT.output.
 */
export class OutputWriter {
  /** The results file actually written last (the rescue path once the results folder failed); null if none could be. */
  resultsFile: string | null = null;
  private target: string;
  private rescued = false;
  private reported = new Set<string>();
  failed = false;
  /** The write that stopped the run (a full disk while a scenario was prepared or saved); null while the run goes on. */
  stopped: string | null = null;

  constructor(
    readonly file: string,
    private readonly say: (line: string) => void,
  ) {
    this.target = file;
  }

  private report(key: string, line: string): void {
    this.failed = true;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.say(`error: ${line}`);
  }

  /** A write the disk refused outside the writer's own: one line, the run stops, what was measured is saved. Anything else is rethrown. */
  stopOn(e: unknown): void {
    if (!ioCause(e)) throw e;
    this.stopped = ioLine(e, (e as NodeJS.ErrnoException).syscall);
    this.say(`error: ${this.stopped}; stopping here: the scenarios measured so far are saved`);
  }

  saveResults(results: ResultsFile): string | null {
    try {
      writeResults(this.target, results);
      return (this.resultsFile = this.target);
    } catch (e) {
      if (!ioCause(e)) throw e;
      const failedAt = this.target;
      if (this.rescued) {
        this.report(failedAt, `${ioLine(e, "write", failedAt)}; the results of this run could not be saved anywhere (the console above has every measured run)`);
        return this.resultsFile;
      }
      this.rescued = true;
      this.target = rescuePath(this.file);
      try {
        writeResults(this.target, results);
        this.report(failedAt, `${ioLine(e, "write", failedAt)}; the results were saved to ${this.target} instead`);
        return (this.resultsFile = this.target);
      } catch (e2) {
        if (!ioCause(e2)) throw e2;
        this.report(failedAt, `${ioLine(e, "write", failedAt)}; the fallback ${this.target} failed too (${ioCause(e2)}): the results of this run are not saved (the console above has every measured run)`);
        return this.resultsFile;
      }
    }
  }

  /** Each export on its own: one that fails does not stop the others. Returns the paths written; stdout ("-") is written once, at the end, by the caller. */
  saveExports(results: ResultsFile, targets: ExportTargets): string[] {
    const written: string[] = [];
    for (const [kind, file] of Object.entries(targets) as [keyof ExportTargets, string | undefined][]) {
      if (!file || file === "-") continue;
      try {
        written.push(...writeExports(results, { [kind]: file }));
      } catch (e) {
        if (!ioCause(e)) throw e;
        const again = this.resultsFile ? ` (bun run bench report ${this.resultsFile} ${EXPORT_FLAGS[kind]} FILE writes it again)` : "";
        this.report(file, `${ioLine(e, "write", file)}${again}`);
      }
    }
    return written;
  }

  saveDecision(results: ResultsFile): string | null {
    if (!this.resultsFile) return null;
    try {
      return writeDecisionReport(results, path.dirname(this.resultsFile), { resultsFile: this.resultsFile });
    } catch (e) {
      if (!ioCause(e)) throw e;
      this.report(`decision:${this.resultsFile}`, `${ioLine(e, "write the decision report beside", this.resultsFile)} (bun run bench report ${this.resultsFile} writes it again)`);
      return null;
    }
  }
}

/**
 * The start of a run, before anything is generated: destinations an earlier run left behind are
 * freed (a disk it filled must not fail this run), every output is probed, then the workspace is
 * claimed and locked.
 */
export function claimAndCheck(config: ResolvedConfig, exports: ExportTargets): { lock: Lock; freedBytes: number; replaced: Replaced[] } {
  // Only when no live run holds the workspace (a dead run's lock does not count): its destinations are in use.
  const freedBytes = fs.existsSync(config.workspace) && !lockHeld(config.workspace) ? freeLeftoverDestinations(config.workspace) : 0;
  checkOutputs(config, exports);
  const { replaced } = claimWorkspace(config.workspace);
  const lock = acquireLock(config.workspace);
  return { lock, freedBytes, replaced };
}

/**
 * Empties `<workspace>/dst`: copies left by an earlier run (every run re-creates its destination
 * anyway). A disk filled by a failed copy would otherwise stay full and fail the next run before
 * its first write. Only a real directory inside our own workspace is removed, never through a symlink.
 * Returns the bytes freed (0 when there was nothing).
 */
export function freeLeftoverDestinations(workspace: string): number {
  const dst = path.join(workspace, "dst");
  let st: fs.Stats;
  try {
    st = fs.lstatSync(dst);
  } catch {
    return 0;
  }
  if (!st.isDirectory() || !isOurs(workspace)) return 0;
  const before = fsSpace(workspace)?.freeBytes ?? 0;
  removeInside(workspaceReal(workspace), dst);
  freeLeftoverStateDirs(workspace);
  return Math.max(0, (fsSpace(workspace)?.freeBytes ?? 0) - before);
}

/** Fresh {state} directories a killed run left in <workspace>/state (each run's is removed after it); state/shared is kept. */
export function freeLeftoverStateDirs(workspace: string): void {
  const root = path.join(workspaceReal(workspace), "state");
  let names: string[];
  try {
    if (!fs.lstatSync(root).isDirectory()) return;
    names = fs.readdirSync(root);
  } catch {
    return;
  }
  for (const name of names) if (name !== "shared") removeInside(workspaceReal(workspace), path.join(root, name));
}
