// Loading bench.config.yaml: parse (anchors, aliases and merge keys included), check its shape, resolve defaults and overrides, with file:line:key errors.

import fs from "node:fs";
import path from "node:path";
import YAML, { LineCounter } from "yaml";
import { BenchError } from "../errors";
import type { DiagnoseMode, ResolvedConfig, ToolSpec } from "../types";
import type { Machine } from "./scenarios";
import { checkShape } from "./check";
import { resolveDiagnoseMode } from "./diagnose";
import { resolveEndpoints, resolveHosts, resolveRunOn } from "./endpoints";
import { checkNameKey, duplicateKeyError } from "./keys";
import { resolvePlaces, type OverrideOrigins } from "./places";
import { Reader } from "./reader";
import { resolvePreflight } from "./run-options";
import { resolveDefaults, resolveScenarios } from "./scenarios";
import { knownKeys, SHAPE, type Shape } from "./shape";
import { resolveTool } from "./tools";

export { expandEnv } from "./tools";

/** Overrides from the command line and the old script's environment knobs (CLI wins over env). */
export interface Overrides {
  runs?: number;
  warmup?: number;
  workspace?: string;
  keepWorkspace?: boolean;
  sizeBytes?: number;
  resultsDir?: string;
  keepResults?: number;
  /** --diagnose over the file's diagnose:. */
  diagnose?: DiagnoseMode;
  /** Which flag or environment variable set workspace / resultsDir / keepWorkspace, for errors that name it. */
  from?: OverrideOrigins;
}

/** The shape's maps at a path of keys ("*" = a list's item or a record's value; a branch of anyOf by its kind). */
function mapAt(shape: Shape, ...keys: string[]): Shape {
  let cur = shape;
  for (const k of keys) {
    if (cur.kind === "anyOf") cur = cur.options.find((o) => o.kind === "map")!;
    if (k === "*") cur = cur.kind === "list" ? cur.items : cur.kind === "record" ? cur.values : cur;
    else if (cur.kind === "map") cur = cur.keys[k]!;
  }
  return cur.kind === "anyOf" ? cur.options.find((o) => o.kind === "map")! : cur;
}

/** The keys each map of the config knows, read off the shape. */
export const KNOWN = {
  top: knownKeys(SHAPE),
  defaults: knownKeys(mapAt(SHAPE, "defaults")),
  tool: knownKeys(mapAt(SHAPE, "tools", "*")),
  toolVariant: knownKeys(mapAt(SHAPE, "tools", "*", "linux")),
  scenario: knownKeys(mapAt(SHAPE, "scenarios", "*")),
  workload: knownKeys(mapAt(SHAPE, "scenarios", "*", "workload")),
  group: knownKeys(mapAt(SHAPE, "scenarios", "*", "workload", "files")),
  extras: knownKeys(mapAt(SHAPE, "scenarios", "*", "workload", "extras")),
  changes: knownKeys(mapAt(SHAPE, "scenarios", "*", "changes")),
  verify: knownKeys(mapAt(SHAPE, "defaults", "verify")),
  settle: knownKeys(mapAt(SHAPE, "defaults", "settle")),
  preflight: knownKeys(mapAt(SHAPE, "preflight")),
  thresholds: knownKeys(mapAt(SHAPE, "defaults", "thresholds")),
  sweep: knownKeys(mapAt(SHAPE, "scenarios", "*", "sweep")),
  host: knownKeys(mapAt(SHAPE, "hosts", "*")),
};

export interface LoadOptions {
  overrides?: Overrides;
  env?: Record<string, string | undefined>;
  platform?: string;
  /** Memory and free space the workload limits are checked against (default: this machine; null: not checked, for report/compare). */
  machine?: Machine | null;
  /** false: the workspace's free space and inodes are left out of those limits (a dry run shows the plan first, then checks them). */
  disks?: boolean;
}

/** Environment knobs of bench_local_mirror.sh, as overrides. */
export function envOverrides(env: Record<string, string | undefined>): Overrides {
  const ov: Overrides = {};
  const int = (name: string): number | undefined => {
    const v = env[name];
    if (v === undefined || v === "") return undefined;
    if (!/^\d+$/.test(v)) throw new BenchError(`environment variable ${name}=${v} is not a whole number`, { key: name, hint: `e.g. ${name}=5` });
    return Number(v);
  };
  const runs = int("RUNS");
  if (runs !== undefined) {
    if (runs < 1) throw new BenchError("RUNS must be at least 1", { key: "RUNS" });
    ov.runs = runs;
  }
  ov.warmup = int("WARMUP");
  const size = int("SIZE_MB");
  if (size !== undefined) ov.sizeBytes = size * 1024 * 1024;
  const keep = int("KEEP_BENCH_DIR");
  const from: OverrideOrigins = {};
  if (keep !== undefined) {
    ov.keepWorkspace = keep !== 0;
    from.keepWorkspace = `KEEP_BENCH_DIR=${keep}`;
  }
  if (env.BENCH_ROOT) {
    ov.workspace = env.BENCH_ROOT;
    from.workspace = "BENCH_ROOT";
  }
  for (const k of Object.keys(ov) as (keyof Overrides)[]) if (ov[k] === undefined) delete ov[k];
  if (Object.keys(from).length) ov.from = from;
  return ov;
}

export function parseConfig(text: string, file: string, opts: LoadOptions = {}): ResolvedConfig {
  const env = opts.env ?? process.env;
  const platform = opts.platform ?? process.platform;
  const ov = opts.overrides ?? {};
  const lc = new LineCounter();
  const doc = YAML.parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true, merge: true });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    if (e.code === "DUPLICATE_KEY") {
      const dup = duplicateKeyError(doc, lc, file, e.pos[0]);
      if (dup) throw dup;
    }
    const { line, col } = lc.linePos(e.pos[0]);
    throw new BenchError(`YAML syntax: ${e.message.split("\n")[0]}`, { file, line, col, hint: "check indentation and quoting on that line" });
  }
  const r = new Reader(file, doc, lc);
  // Keys, types, enums, minimums and in-map rules, all from the one declared shape; what follows checks what it cannot say.
  checkShape(r, SHAPE);
  const defs = resolveDefaults(r);
  if (!r.has(["tools"])) r.fail(["tools"], "is required", "add a tools: section, e.g. tools: { cp: { argv: [cp, -a, \"{src}/.\", \"{dst}/\"] } }");
  const tools: Record<string, ToolSpec> = {};
  for (const e of r.entries(r.node(["tools"]))) {
    checkNameKey(e.keyNode, lc, file, "tool name");
    tools[e.key] = resolveTool(r, e.key, platform, env);
  }
  const places = resolvePlaces(r, ov, env);
  const scenarios = resolveScenarios(r, defs, tools, ov, places.workspace, opts.machine, opts.disks ?? true);
  const keepResults = ov.keepResults ?? (r.has(["keep_results"]) ? r.int(["keep_results"]) : null);
  const hosts = resolveHosts(r, env);
  resolveEndpoints(r, scenarios, tools, hosts, platform);
  return {
    file: path.resolve(file),
    version: 1,
    workspace: places.workspace,
    keepWorkspace: places.keepWorkspace,
    resultsDir: places.resultsDir,
    keepResults,
    tools,
    scenarios,
    diagnose: resolveDiagnoseMode(r, ov.diagnose),
    hosts,
    runOn: resolveRunOn(r, hosts),
    preflight: resolvePreflight(r),
    origins: places.origins,
  };
}

export function loadConfig(file: string, opts: LoadOptions = {}): ResolvedConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e: any) {
    throw new BenchError(`cannot read config ${file}: ${e.code ?? e.message}`, {
      hint: e.code === "ENOENT" ? "pass --config <file>, or run from the folder that holds bench.config.yaml" : undefined,
    });
  }
  return parseConfig(text, file, opts);
}
