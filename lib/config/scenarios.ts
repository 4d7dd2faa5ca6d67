// Resolving the scenarios: defaults filled in, tools and baselines cross-checked, workloads built and checked against what a dataset can be, sweeps expanded.

import { DEFAULTS } from "../defaults";
import { checkSpec } from "../layout";
import { realMachine, type Machine } from "../platform/machine";

export type { Machine } from "../platform/machine";
import type { CachePolicy, ChangeSetSpec, DatasetExtras, FileGroup, ScenarioSpec, Thresholds, ToolSpec, VerifySpec, WorkloadKind } from "../types";
import { parseByteRange, parseBytes, parseDurationMs } from "../units";
import { resolveMemoryScaling } from "./diagnose";
import { checkWorkload, withoutDisks } from "./limits";
import type { Reader } from "./reader";
import { resolveRunOptions, scenarioRunOptions, type RunOptionDefaults } from "./run-options";
import type { Path } from "./shape";

export interface ScenarioDefaults extends Thresholds, RunOptionDefaults {
  runs: number;
  warmup: number;
  timeoutMs: number;
  cache: CachePolicy;
  verify: VerifySpec;
}

/** Overrides a scenario takes from the command line and the environment (CLI over env over the file). */
export interface ScenarioOverrides {
  runs?: number;
  warmup?: number;
  /** SIZE_MB: resizes the single-file groups, as the old script's large payload. */
  sizeBytes?: number;
}

export function resolveVerify(r: Reader, p: Path, def: VerifySpec): VerifySpec {
  const v = r.get(p);
  if (v === undefined) return def;
  if (typeof v === "boolean") return { ...def, enabled: v };
  return {
    enabled: r.bool([...p, "enabled"], true),
    mode: r.bool([...p, "mode"], def.mode),
    mtime: r.bool([...p, "mtime"], def.mtime),
    symlinks: r.bool([...p, "symlinks"], def.symlinks),
    allowSourceLinks: r.bool([...p, "allow_source_links"], def.allowSourceLinks),
  };
}

export function resolveThresholds(r: Reader, p: Path, def: Thresholds): Thresholds {
  return {
    maxTimeRatio: r.num([...p, "max_time_ratio"], def.maxTimeRatio),
    maxMemoryRatio: r.num([...p, "max_memory_ratio"], def.maxMemoryRatio),
    requireSignificance: r.bool([...p, "require_significance"], def.requireSignificance),
  };
}

/** `defaults:` over the named defaults: what every scenario starts from. */
export function resolveDefaults(r: Reader): ScenarioDefaults {
  const d: Path = ["defaults"];
  return {
    runs: r.int([...d, "runs"], DEFAULTS.runs),
    warmup: r.int([...d, "warmup"], DEFAULTS.warmup),
    timeoutMs: parseDurationMs(r.get([...d, "timeout"])) ?? DEFAULTS.timeoutMs,
    cache: (r.get([...d, "cache"]) as CachePolicy | undefined) ?? DEFAULTS.cache,
    verify: resolveVerify(r, [...d, "verify"], { ...DEFAULTS.verify }),
    ...resolveThresholds(r, [...d, "thresholds"], DEFAULTS),
    ...resolveRunOptions(r, d),
  };
}

function resolveGroup(r: Reader, p: Path, index: number, sizeOverride?: number): FileGroup {
  const count = r.int([...p, "count"]);
  const sizeRaw = r.get([...p, "size"]);
  if (sizeRaw === undefined) r.fail([...p, "size"], "is required", `e.g. size: 4GiB, or a range size: 1KiB..10KiB`);
  const range = parseByteRange(sizeRaw)!;
  if (range.minBytes > range.maxBytes) r.fail([...p, "size"], `range ${sizeRaw} is reversed (min > max)`, `write it low..high`);
  if (sizeOverride !== undefined && count === 1) range.minBytes = range.maxBytes = sizeOverride;
  const perDir = r.int([...p, "per_dir"], DEFAULTS.perDir);
  const depth = r.int([...p, "depth"], DEFAULTS.depth);
  // With depth ≥ 1 every directory holds at most per_dir entries, so the tree has a capacity.
  if (depth > 0 && count > perDir ** (depth + 1)) {
    r.fail([...p, "depth"], `depth ${depth} with per_dir ${perDir} holds at most ${perDir ** (depth + 1)} files, not ${count}`, `raise depth to ${Math.ceil(Math.log(count) / Math.log(perDir)) - 1} or per_dir`);
  }
  const g = DEFAULTS.group;
  return {
    name: r.str([...p, "name"], `g${index}`),
    count,
    minBytes: range.minBytes,
    maxBytes: range.maxBytes,
    distribution: (r.get([...p, "distribution"]) as FileGroup["distribution"] | undefined) ?? g.distribution,
    perDir,
    depth,
    content: (r.get([...p, "content"]) as FileGroup["content"] | undefined) ?? g.content,
    compressRatio: r.num([...p, "compress_ratio"], g.compressRatio),
    names: (r.get([...p, "names"]) as FileGroup["names"] | undefined) ?? g.names,
  };
}

function toolRefs(r: Reader, p: Path, scenarioTools: string[], what: string): string[] {
  if (!r.has(p)) return [];
  const list = r.strList(p);
  list.forEach((t, i) => {
    if (!scenarioTools.includes(t)) {
      r.fail(Array.isArray(r.get(p)) ? [...p, i] : p, `${what} "${t}" is not one of this scenario's tools`, `add it to tools: [${scenarioTools.join(", ")}] or pick one of them`);
    }
  });
  return list;
}

function resolveWorkload(r: Reader, p: Path, kind: WorkloadKind, ov: ScenarioOverrides): { dataset: { seed: number; groups: FileGroup[]; extras: DatasetExtras }; changes: ChangeSetSpec | null; hasFiles: boolean } {
  const w: Path = [...p, "workload"];
  if (!r.has(w)) r.fail(w, "is required", "e.g. workload: { files: { count: 1, size: 256MiB } }");
  const hasFiles = r.has([...w, "files"]);
  const seed = r.int([...w, "seed"], DEFAULTS.seed);
  const e: Path = [...w, "extras"];
  const extras: DatasetExtras = {
    emptyDirs: r.int([...e, "empty_dirs"], 0),
    symlinks: r.int([...e, "symlinks"], 0),
    hardlinks: r.int([...e, "hardlinks"], 0),
    executables: r.int([...e, "executables"], 0),
    oldMtimes: r.int([...e, "old_mtimes"], 0),
  };
  const groupPaths: Path[] = hasFiles ? [[...w, "files"]] : (r.get([...w, "groups"]) as unknown[]).map((_, j) => [...w, "groups", j]);
  const groups = groupPaths.map((gp, j) => resolveGroup(r, gp, j, ov.sizeBytes));
  if (new Set(groups.map((g) => g.name)).size !== groups.length) r.fail([...w, "groups"], "two groups share a name", "give each group its own name:");
  // Limits only the generator knows (NAME_MAX, PATH_MAX, extras without files), located at their group and key.
  for (const problem of checkSpec({ seed, groups, extras })) {
    const g: Path = problem.group === null ? w : hasFiles ? [...w, "files"] : [...w, "groups", problem.group];
    r.fail(problem.field === "extras" ? [...w, "extras"] : [...g, problem.field], problem.message);
  }
  let changes: ChangeSetSpec | null = null;
  if (kind === "incremental") {
    const c: Path = [...p, "changes"];
    changes = { touch: r.int([...c, "touch"], 0), delete: r.int([...c, "delete"], 0), add: r.int([...c, "add"], 0), addBytes: parseBytes(r.get([...c, "add_size"]) ?? DEFAULTS.addBytes)!, rename: r.int([...c, "rename"], 0) };
    const total = groups.reduce((a, g) => a + g.count, 0);
    const used = changes.touch + changes.delete + changes.rename;
    if (used > total) r.fail(c, `touches, deletes and renames ${used} files but the workload has only ${total}`);
  }
  return { dataset: { seed, groups, extras }, changes, hasFiles };
}

/** Every scenario of the file, sweeps expanded, each checked against what a dataset and this machine can hold. */
export function resolveScenarios(r: Reader, defs: ScenarioDefaults, toolSpecs: Record<string, ToolSpec>, ov: ScenarioOverrides, workspace: string, machineOpt: Machine | null | undefined, disks = true): ScenarioSpec[] {
  // undefined: this machine; null: not checked (report, compare); without disks for a dry run's plan.
  const chosen = machineOpt === undefined ? realMachine : machineOpt;
  const machine = disks ? chosen : withoutDisks(chosen);
  const toolIds = Object.keys(toolSpecs);
  if (!r.has(["scenarios"])) r.fail(["scenarios"], "must be a non-empty list", "add at least one scenario with a name, a workload and tools");
  const out: ScenarioSpec[] = [];
  const seen = new Set<string>();
  (r.get(["scenarios"]) as unknown[]).forEach((_, i) => {
    const p: Path = ["scenarios", i];
    const name = r.str([...p, "name"]);
    if (seen.has(name)) r.fail([...p, "name"], `duplicate scenario name "${name}"`, "scenario names must be unique");
    seen.add(name);
    const kind = (r.get([...p, "type"]) as WorkloadKind | undefined) ?? "copy";
    const tools = r.strList([...p, "tools"]);
    tools.forEach((t, j) => {
      if (!toolIds.includes(t)) r.fail([...p, "tools", j], `unknown tool "${t}"`, `known tools: ${toolIds.join(", ") || "(none: add a tools: section)"}`);
    });
    if (new Set(tools).size !== tools.length) r.fail([...p, "tools"], "lists a tool twice");
    const baseline = toolRefs(r, [...p, "baseline"], tools, "baseline");
    const candidates = toolRefs(r, [...p, "candidate"], tools, "candidate");
    for (const c of candidates) if (baseline.includes(c)) r.fail([...p, "candidate"], `"${c}" is both baseline and candidate`);
    const { dataset, changes, hasFiles } = resolveWorkload(r, p, kind, ov);
    const base: ScenarioSpec = {
      name,
      baseName: name,
      parameters: {},
      workload: { kind, dataset, changes },
      tools,
      baseline,
      candidates,
      runs: ov.runs ?? r.int([...p, "runs"], defs.runs),
      warmup: ov.warmup ?? r.int([...p, "warmup"], defs.warmup),
      timeoutMs: parseDurationMs(r.get([...p, "timeout"])) ?? defs.timeoutMs,
      cache: (r.get([...p, "cache"]) as CachePolicy | undefined) ?? defs.cache,
      verify: resolveVerify(r, [...p, "verify"], defs.verify),
      thresholds: resolveThresholds(r, [...p, "thresholds"], defs),
    };
    Object.assign(base, scenarioRunOptions(r, p, defs, base, toolSpecs, ov.runs !== undefined ? "the runs override (--runs or RUNS)" : null));
    const memoryScaling = resolveMemoryScaling(r, p, base, workspace, machine);
    if (memoryScaling) base.memoryScaling = memoryScaling;
    const variants = expandSweep(r, [...p, "sweep"], base);
    // Impossible workloads are config errors, so --dry-run and --list refuse them too; sweep values are checked one by one.
    for (const v of variants) {
      if (v !== base) for (const problem of checkSpec(v.workload.dataset)) r.fail([...p, "sweep"], `${v.name}: ${problem.message}`);
      if (machine) checkWorkload(r, p, v, hasFiles, workspace, machine);
    }
    out.push(...variants);
  });
  return out;
}

/** A sweep turns one scenario into one per value (cartesian product over keys), named name[key=value,…]. */
function expandSweep(r: Reader, p: Path, base: ScenarioSpec): ScenarioSpec[] {
  if (!r.has(p)) return [base];
  let points: Record<string, string>[] = [{}];
  for (const k of r.keys(p)) {
    const values = r.get([...p, k]) as unknown[];
    points = points.flatMap((pt) => values.map((v) => ({ ...pt, [k]: String(v) })));
  }
  return points.map((pt) => {
    const g = { ...base.workload.dataset.groups[0]! };
    if (pt.count !== undefined) g.count = Number(pt.count);
    if (pt.size !== undefined) {
      const range = parseByteRange(pt.size)!;
      g.minBytes = range.minBytes;
      g.maxBytes = range.maxBytes;
    }
    const label = Object.entries(pt).map(([k, v]) => `${k}=${v}`).join(",");
    return {
      ...base,
      name: `${base.name}[${label}]`,
      parameters: pt,
      workload: { ...base.workload, dataset: { ...base.workload.dataset, groups: [g] } },
    };
  });
}
