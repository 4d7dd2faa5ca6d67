// Where everything lives, known from the spec alone: the workspace's own entries, a dataset by its spec hash, each scenario's exact source tree.
//
// A cached dataset:  <datasetsRoot>/<specHash>/tree/…, manifest.bin (v1 caches: manifest.json), complete (written last).
// An incremental scenario's changed tree: <datasetsRoot>/<specHash>-c<changesHash>/ (same layout);
// its base mirror is the base dataset's tree. A resync scenario reads the base tree itself.
import { createHash } from "node:crypto";
import path from "node:path";
import type { ChangeSetSpec, DatasetSpec, WorkloadSpec } from "./types";

/** Directory-safe name for a scenario (sweep names carry brackets and '='). */
export function slug(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, "_");
}

export function workspacePaths(workspace: string) {
  return {
    marker: path.join(workspace, ".mirrorbench"),
    log: path.join(workspace, "bench.log"),
    datasets: path.join(workspace, "datasets"),
    dst: (scenario: string, tool: string) => path.join(workspace, "dst", slug(scenario), slug(tool)),
  };
}

/** Canonical JSON (sorted keys) so field order in the YAML never changes the hash. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return "[" + v.map(canonical).join(",") + "]";
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return "{" + Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => JSON.stringify(k) + ":" + canonical(o[k])).join(",") + "}";
  }
  return JSON.stringify(v);
}

/** Generator version: bump when the bytes or layout for a given spec change, so old caches are not reused. */
const GENERATOR_VERSION = 1;

export function specHash(spec: DatasetSpec): string {
  return createHash("sha256").update(`mirrorbench-dataset-v${GENERATOR_VERSION}\n` + canonical(spec)).digest("hex").slice(0, 16);
}

/** Bump when the change set a spec produces changes, so old changed trees are not reused. */
const CHANGE_VERSION = 1;

function changesHash(baseHash: string, c: ChangeSetSpec): string {
  const canon = JSON.stringify([CHANGE_VERSION, baseHash, c.touch, c.delete, c.add, c.addBytes, c.rename]);
  return createHash("sha256").update(canon).digest("hex").slice(0, 12);
}

/** The hash naming an incremental scenario's changed tree: the base's spec hash and its change set. */
export function changedTreeHash(baseHash: string, c: ChangeSetSpec): string {
  return `${baseHash}-c${changesHash(baseHash, c)}`;
}

export function datasetPaths(datasetsRoot: string, hash: string) {
  const dir = path.join(datasetsRoot, hash);
  return { dir, tree: path.join(dir, "tree"), manifest: path.join(dir, "manifest.bin"), complete: path.join(dir, "complete") };
}

/** The tree the tools read (srcDir) and, for incremental and resync scenarios, the mirror each destination starts as. */
export function sourcePaths(w: WorkloadSpec, datasetsRoot: string): { srcDir: string; baseMirrorDir: string; baseHash: string } {
  const baseHash = specHash(w.dataset);
  const base = datasetPaths(datasetsRoot, baseHash).tree;
  const srcDir = w.kind === "incremental" && w.changes ? datasetPaths(datasetsRoot, changedTreeHash(baseHash, w.changes)).tree : base;
  return { srcDir, baseMirrorDir: base, baseHash };
}
