// The diagnosis keys resolved: `diagnose:` (and --diagnose), `memory_scaling:` on a scenario with its scaled workloads checked, a tool's `call_graph:`.

import { DEFAULTS } from "../defaults";
import { BenchError } from "../errors";
import { checkSpec } from "../layout";
import type { Machine } from "../platform/machine";
import type { CallGraph, DatasetSpec, DiagnoseMode, MemoryScalingSpec, ScenarioSpec } from "../types";
import { workloadProblems } from "./limits";
import type { Reader } from "./reader";
import { MIN_SCALING_COUNTS, type Path } from "./shape";

export const DIAGNOSE_MODES: DiagnoseMode[] = ["off", "on-fail", "all"];

export interface Where {
  file?: string;
  line?: number;
  col?: number;
}

/** `diagnose: on-fail` (config) or the value of `--diagnose`; true (a bare YAML `diagnose: true`) means on-fail. */
export function parseDiagnoseMode(v: unknown, where: Where & { key: string }): DiagnoseMode {
  if (v === true) return "on-fail";
  if (v === false) return "off";
  if (typeof v === "string" && (DIAGNOSE_MODES as string[]).includes(v)) return v as DiagnoseMode;
  throw new BenchError(`must be one of ${DIAGNOSE_MODES.join(", ")} (got ${JSON.stringify(v)})`, {
    ...where,
    hint: "on-fail diagnoses every scenario whose gate did not pass; all diagnoses every gated scenario",
  });
}

export { MIN_SCALING_COUNTS };

/** `memory_scaling: { counts: [1000, 10000, 100000] }` on a scenario. */
export function parseMemoryScaling(v: unknown, where: Where & { key: string }): MemoryScalingSpec {
  const fail = (msg: string, hint: string) => new BenchError(msg, { ...where, hint });
  const example = "memory_scaling: { counts: [1000, 10000, 100000] }";
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw fail("must be a mapping with a counts list", example);
  const unknown = Object.keys(v).filter((k) => k !== "counts");
  if (unknown.length) throw fail(`unknown key ${unknown[0]} (known keys: counts)`, example);
  const counts = (v as { counts?: unknown }).counts;
  if (!Array.isArray(counts)) throw fail("counts must be a list of file counts", example);
  for (const c of counts) {
    if (typeof c !== "number" || !Number.isInteger(c) || c < 1) throw fail(`counts: ${JSON.stringify(c)} is not a positive whole number of files`, example);
  }
  const distinct = [...new Set(counts as number[])].sort((a, b) => a - b);
  if (distinct.length < MIN_SCALING_COUNTS) {
    throw fail(`counts needs at least ${MIN_SCALING_COUNTS} different file counts to tell linear from faster growth (got ${distinct.length})`, example);
  }
  return { counts: distinct };
}

/** The top-level mode: the flag over the file over the default. */
export function resolveDiagnoseMode(r: Reader, override: DiagnoseMode | undefined): DiagnoseMode {
  if (override) return override;
  if (!r.has(["diagnose"])) return DEFAULTS.diagnose.mode;
  return parseDiagnoseMode(r.get(["diagnose"]), { file: r.file, ...r.pos(["diagnose"]), key: "diagnose" });
}

export function resolveCallGraph(r: Reader, at: Path): CallGraph | undefined {
  return r.has(at) ? (r.get(at) as CallGraph) : undefined;
}

/**
 * The scenario's dataset with `files` regular files: every group's count scaled by files / total, at least one per
 * group, the rounding remainder given to the largest group; sizes, layout and extras unchanged. Throws when there are
 * more groups than files.
 */
export function scaleDataset(spec: DatasetSpec, files: number): DatasetSpec {
  const total = spec.groups.reduce((a, g) => a + g.count, 0);
  if (files < spec.groups.length) throw new Error(`${files} files cannot hold ${spec.groups.length} file groups (one file each at the least)`);
  const counts = spec.groups.map((g) => Math.max(1, Math.floor((g.count * files) / total)));
  let largest = 0;
  spec.groups.forEach((g, i) => (g.count > spec.groups[largest]!.count ? (largest = i) : 0));
  counts[largest]! += files - counts.reduce((a, c) => a + c, 0);
  if (counts[largest]! < 1) throw new Error(`${files} files cannot keep every file group`);
  return { ...spec, groups: spec.groups.map((g, i) => ({ ...g, count: counts[i]! })) };
}

/**
 * `memory_scaling:` of scenario `p`: checked (three distinct counts), and each scaled workload checked like a
 * scenario's own — what a dataset can be at every count, the machine's limits at the largest.
 */
export function resolveMemoryScaling(r: Reader, p: Path, s: ScenarioSpec, workspace: string, machine: Machine | null): MemoryScalingSpec | null {
  const at: Path = [...p, "memory_scaling"];
  if (!r.has(at)) return null;
  const spec = parseMemoryScaling(r.get(at), { file: r.file, ...r.pos(at), key: "memory_scaling" });
  const countsAt: Path = [...at, "counts"];
  const c = s.workload.changes;
  const changed = c ? c.touch + c.delete + c.rename : 0;
  for (const n of spec.counts) {
    if (n > DEFAULTS.maxDatasetFiles) r.fail(countsAt, `${n} files is more than one dataset can list (${DEFAULTS.maxDatasetFiles})`);
    if (n < s.workload.dataset.groups.length) r.fail(countsAt, `${n} files cannot hold the workload's ${s.workload.dataset.groups.length} file groups`, "give every count at least one file per group");
    if (n < changed) r.fail(countsAt, `${n} files are fewer than the ${changed} files the changes: section touches, deletes and renames`, "raise the smallest count or shrink changes:");
    const scaled = scaleDataset(s.workload.dataset, n);
    for (const g of scaled.groups) {
      // The same capacity rule as a group's own count: with depth ≥ 1 each directory holds at most per_dir entries.
      if (g.depth > 0 && g.count > g.perDir ** (g.depth + 1)) r.fail(countsAt, `at ${n} files: depth ${g.depth} with per_dir ${g.perDir} holds at most ${g.perDir ** (g.depth + 1)} files in group ${g.name}, not ${g.count}`, "raise the group's depth or per_dir, or lower the count");
    }
    for (const problem of checkSpec(scaled)) r.fail(countsAt, `at ${n} files: ${problem.message}`);
  }
  if (machine) {
    const largest = spec.counts[spec.counts.length - 1]!;
    const workload = { ...s.workload, dataset: scaleDataset(s.workload.dataset, largest) };
    const [problem] = workloadProblems(workload, { machine, workspace, scenarioName: s.name, tools: s.tools });
    if (problem) r.fail(countsAt, `at ${largest} files: ${problem.message}`, problem.hint);
  }
  return spec;
}

/** Thrown by the flag parser; named after the flag so the error says which. */
export function diagnoseFlag(v: string | undefined): DiagnoseMode | undefined {
  return v === undefined ? undefined : parseDiagnoseMode(v, { key: "--diagnose" });
}
