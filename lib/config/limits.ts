// Impossible workloads, by arithmetic on the spec alone (no per-file loop): file counts, byte bounds, path lengths, plan memory, disk space.

import fs from "node:fs";
import { DEFAULTS } from "../defaults";
import { longestPathBytes } from "../layout";
import { datasetPaths, specHash, workspacePaths } from "../paths";
import type { Machine } from "../platform/machine";
import type { FileGroup, ScenarioSpec, WorkloadSpec } from "../types";
import { formatBytes } from "../units";
import type { Reader } from "./reader";
import type { Path } from "./shape";

export interface WorkloadBounds {
  /** Regular-file names (hard links included, incremental additions included). */
  files: number;
  /** Every entry the tree holds: files, leaf directories, links, empty dirs. */
  entries: number;
  /** Inodes the tree takes at the least (entries less the hard links). */
  inodes: number;
  minBytes: number;
  maxBytes: number;
  /** Bytes that must land on disk at the least (sparse files hold almost none). */
  minDiskBytes: number;
}

function leafDirs(g: FileGroup): number {
  return Math.max(1, Math.ceil(g.count / Math.max(1, g.perDir)));
}

/** Counts and byte bounds: count × min and count × max per group, never one file at a time. */
export function workloadBounds(w: WorkloadSpec): WorkloadBounds {
  const b: WorkloadBounds = { files: 0, entries: 0, inodes: 0, minBytes: 0, maxBytes: 0, minDiskBytes: 0 };
  for (const g of w.dataset.groups) {
    b.files += g.count;
    b.entries += g.count + leafDirs(g) + 1;
    b.minBytes += g.count * g.minBytes;
    b.maxBytes += g.count * g.maxBytes;
    if (g.content !== "sparse") b.minDiskBytes += g.count * g.minBytes;
  }
  const x = w.dataset.extras;
  if (b.files > 0) b.files += x.hardlinks;
  b.entries += x.hardlinks + x.symlinks + x.emptyDirs;
  const add = w.changes?.add ?? 0;
  b.files += add;
  b.entries += add;
  b.inodes = b.entries - x.hardlinks;
  b.minBytes += add * (w.changes?.addBytes ?? 0);
  b.maxBytes += add * (w.changes?.addBytes ?? 0);
  b.minDiskBytes += add * (w.changes?.addBytes ?? 0);
  return b;
}

/** Which part of the workload a problem is about, so config load can point at its line. */
export type LimitField = "count" | "size" | "names" | "workload";

/** A machine with its disks left out (LoadOptions.disks): its memory still limits a workload, its free space and inodes do not. */
export function withoutDisks(m: Machine | null): Machine | null {
  return m && { totalMemBytes: m.totalMemBytes, space: () => null };
}

export interface LimitProblem {
  /** Index of the group at fault; null = the workload as a whole. */
  group: number | null;
  field: LimitField;
  message: string;
  hint: string;
}

export interface LimitContext {
  machine: Machine;
  workspace: string;
  scenarioName: string;
  tools: string[];
}

const n = (x: number) => x.toLocaleString("en-US");

/** The group that contributes most to a total: where the user should look first. */
function biggest(w: WorkloadSpec, of: (g: FileGroup) => number): number {
  let best = 0;
  w.dataset.groups.forEach((g, i) => {
    if (of(g) > of(w.dataset.groups[best]!)) best = i;
  });
  return best;
}

/** Problems that make the workload impossible on this machine; [] when it can run. */
export function workloadProblems(w: WorkloadSpec, ctx: LimitContext): LimitProblem[] {
  const b = workloadBounds(w);
  const byCount = biggest(w, (g) => g.count);
  const byBytes = biggest(w, (g) => g.count * g.maxBytes);
  const smaller = "use a smaller count, or split the workload over several scenarios";
  if (b.files > DEFAULTS.maxDatasetFiles) {
    return [{ group: byCount, field: "count", message: `${n(b.files)} files is more than one dataset can hold (${n(DEFAULTS.maxDatasetFiles)}: the generator's per-file slots are typed arrays)`, hint: smaller }];
  }
  if (!Number.isSafeInteger(b.maxBytes)) {
    return [{ group: byBytes, field: "size", message: `up to ${formatBytes(b.maxBytes)} in all is more bytes than can be counted exactly (2^53)`, hint: "use a smaller size or count" }];
  }
  // Memory first by count alone, so an absurd count never reaches the path arithmetic below.
  const mem = ctx.machine.totalMemBytes;
  const need = (perEntry: (g: FileGroup, i: number) => number) => w.dataset.groups.reduce((a, g, i) => a + (g.count + leafDirs(g)) * perEntry(g, i), 0);
  const memoryProblem = (bytes: number, how: string): LimitProblem => ({
    group: byCount,
    field: "count",
    message: `planning ${n(b.entries)} entries needs about ${formatBytes(bytes)} of memory (${how}, measured), more than this machine's ${formatBytes(mem)}`,
    hint: `a run keeps a few dozen bytes per entry in memory (the content hash while generating, the source's lstat snapshot while running); ${smaller}`,
  });
  const base = need(() => DEFAULTS.planBytesPerFile);
  if (base > mem) return [memoryProblem(base, `${DEFAULTS.planBytesPerFile} bytes per entry`)];
  const longest = w.dataset.groups.map((g) => (g.count > 0 ? longestPathBytes(g) : 0));
  const full = need((_, i) => DEFAULTS.planBytesPerFile + DEFAULTS.planBytesPerPathByte * longest[i]!);
  if (full > mem) return [memoryProblem(full, `${DEFAULTS.planBytesPerFile} bytes per entry + ${DEFAULTS.planBytesPerPathByte} per byte of its path`)];

  const problems: LimitProblem[] = [];
  // The longest absolute path: the dataset's tree or a tool's destination, plus the longest relative path.
  const ws = workspacePaths(ctx.workspace);
  const prefix = Math.max(
    Buffer.byteLength(ws.datasets) + DEFAULTS.datasetPrefixBytes,
    ...ctx.tools.map((t) => Buffer.byteLength(ws.dst(ctx.scenarioName, t)) + 1),
  );
  longest.forEach((rel, gi) => {
    if (rel && prefix + rel >= DEFAULTS.pathMaxBytes) {
      problems.push({
        group: gi,
        field: "names",
        message: `paths would be ${prefix + rel} bytes long (${rel} inside the tree, the rest is the workspace ${ctx.workspace}); PATH_MAX is ${DEFAULTS.pathMaxBytes}`,
        hint: "use shorter names, a lower depth, or a workspace with a shorter path",
      });
    }
  });

  const space = ctx.machine.space(ctx.workspace);
  if (space) {
    // The source and at least one copy of it must fit; a dataset already cached costs nothing more.
    const cached = fs.existsSync(datasetPaths(ws.datasets, specHash(w.dataset)).complete);
    const needBytes = (cached ? 0 : b.minDiskBytes) + b.minDiskBytes;
    const what = cached ? "one copy of the cached dataset" : "the dataset and one copy of it";
    if (needBytes > space.freeBytes) {
      problems.push({
        group: w.dataset.groups.length === 1 ? 0 : null,
        field: "workload",
        message: `needs at least ${formatBytes(needBytes)} (${what}; ${formatBytes(b.minDiskBytes)} each at the smallest sizes) but the file system of ${space.dir} has ${formatBytes(space.freeBytes)} free`,
        hint: "free space, point workspace: (or BENCH_ROOT) at a larger disk, or shrink the workload",
      });
    } else if (space.freeFiles !== null) {
      const needFiles = (cached ? 0 : b.inodes) + b.inodes;
      if (needFiles > space.freeFiles) {
        problems.push({
          group: w.dataset.groups.length === 1 ? 0 : null,
          field: "workload",
          message: `needs at least ${n(needFiles)} inodes (${what}) but the file system of ${space.dir} has ${n(space.freeFiles)} free`,
          hint: "use fewer files, or a workspace on a file system with more inodes",
        });
      }
    }
  }
  return problems;
}

/**
 * Refuses a scenario whose workload no run could hold, pointing at the count, size or names of the
 * group at fault — or at the sweep value that made it, for a swept scenario.
 */
export function checkWorkload(r: Reader, p: Path, s: ScenarioSpec, hasFiles: boolean, workspace: string, machine: Machine): void {
  const [problem] = workloadProblems(s.workload, { machine, workspace, scenarioName: s.name, tools: s.tools });
  if (!problem) return;
  r.fail(problemPath(r, p, s, hasFiles, problem), Object.keys(s.parameters).length ? `${s.name}: ${problem.message}` : problem.message, problem.hint);
}

function problemPath(r: Reader, p: Path, s: ScenarioSpec, hasFiles: boolean, problem: LimitProblem): Path {
  const w: Path = [...p, "workload"];
  const swept = (k: string): Path | null => {
    if (s.parameters[k] === undefined) return null;
    const values = r.get([...p, "sweep", k]);
    const i = Array.isArray(values) ? values.findIndex((v) => String(v) === s.parameters[k]) : -1;
    return i >= 0 ? [...p, "sweep", k, i] : [...p, "sweep", k];
  };
  if (problem.field === "count" || problem.field === "size") {
    const sw = swept(problem.field);
    if (sw) return sw;
  }
  if (problem.field === "workload") {
    const sw = swept("size") ?? swept("count");
    if (sw) return sw;
  }
  if (problem.group === null) return hasFiles ? [...w, "files"] : [...w, "groups"];
  const g: Path = hasFiles ? [...w, "files"] : [...w, "groups", problem.group];
  return problem.field === "workload" ? g : [...g, problem.field];
}
