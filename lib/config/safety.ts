// Config checks that keep a run from harming the machine or losing its results: where the workspace and results go, YAML keys that are not what they look like, workloads no machine could hold.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type Document, isMap, isScalar, isSeq, type LineCounter, type Node } from "yaml";
import { DEFAULTS, defaultWorkspace } from "../defaults";
import { BenchError } from "../errors";
import type { Machine } from "../platform/machine";
import { nearestExisting } from "../safe-fs";
import type { ScenarioSpec, ValueOrigin } from "../types";
import { workloadProblems, type LimitProblem } from "./limits";

type Path = (string | number)[];

/** The part of config.ts's Reader these checks use. */
export interface Locator {
  readonly file: string;
  fail(p: Path, message: string, hint?: string): never;
  has(p: Path): boolean;
  get(p: Path): unknown;
  str(p: Path, def?: string): string;
  bool(p: Path, def: boolean): boolean;
  pos(p: Path): { line?: number; col?: number };
}

/** Where a flag or environment variable override came from ("--workspace", "BENCH_ROOT"), by value. */
export interface OverrideOrigins {
  workspace?: string;
  resultsDir?: string;
  keepWorkspace?: string;
}

// ---- YAML keys ------------------------------------------------------------------------------

/** Plain scalars YAML 1.1 (and so many editors and tools) read as booleans or null. */
const YAML11_SPECIAL = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~)$/;

/** A tool name must be a string to every YAML reader: `true:`, `yes:`, `null:`, `1:` are not. */
export function checkNameKey(key: unknown, lc: LineCounter, file: string, what: string): void {
  if (!isScalar(key)) return;
  const src = String((key as any).source ?? key.value);
  const quoted = key.type === "QUOTE_DOUBLE" || key.type === "QUOTE_SINGLE";
  const v = key.value;
  const reads = typeof v === "boolean" ? "a boolean" : v === null ? "null" : typeof v === "number" ? "a number" : !quoted && YAML11_SPECIAL.test(src) ? "a boolean in YAML 1.1 (editors, other tools)" : null;
  if (!reads) return;
  const { line, col } = key.range ? lc.linePos(key.range[0]) : { line: undefined, col: undefined };
  throw new BenchError(`${what} ${src} is read by YAML as ${reads}, not as a name`, {
    file,
    line,
    col,
    key: `tools.${src}`,
    hint: `quote it: "${src}": — and quote it where scenarios name it, e.g. tools: ["${src}"]`,
  });
}

/** The duplicate key YAML refused at `offset`, named with its map's path and both lines. */
export function duplicateKeyError(doc: Document, lc: LineCounter, file: string, offset: number): BenchError | null {
  const walk = (node: Node | null | undefined, p: Path): BenchError | null => {
    if (isMap(node)) {
      for (const [i, pair] of node.items.entries()) {
        const k = pair.key as any;
        if (k?.range?.[0] === offset) {
          const name = String(k.source ?? k.value);
          const first = node.items.slice(0, i).find((q: any) => isScalar(q.key) && q.key.value === k.value) as any;
          const firstLine = first?.key?.range ? lc.linePos(first.key.range[0]).line : undefined;
          const where = p.length ? keyPath(p) : "the config file";
          const { line, col } = lc.linePos(offset);
          return new BenchError(`duplicate key "${name}" in ${where}`, {
            file,
            line,
            col,
            key: keyPath([...p, name]),
            hint: `${firstLine ? `the first "${name}" is on line ${firstLine}; ` : ""}YAML would keep only one of them: remove or rename one`,
          });
        }
        const found = walk(pair.value as Node, [...p, isScalar(k) ? String(k.value) : String(k)]);
        if (found) return found;
      }
    } else if (isSeq(node)) {
      for (const [i, item] of node.items.entries()) {
        const found = walk(item as Node, [...p, i]);
        if (found) return found;
      }
    }
    return null;
  };
  return walk(doc.contents as Node, []);
}

export function keyPath(p: Path): string {
  return p.map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? k : `.${k}`)).join("");
}

// ---- places ---------------------------------------------------------------------------------

type Env = Record<string, string | undefined>;

/** ~, $VAR, ${VAR} and ${VAR:-default}; a variable that is not set is reported, never silently emptied. */
export function expandPath(raw: string, env: Env, home: string): { value: string; unset: string | null } {
  let unset: string | null = null;
  const value = raw
    .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, braced?: string, def?: string, bare?: string) => {
      const name = (braced ?? bare)!;
      const v = env[name];
      if (v !== undefined && v !== "") return v;
      if (def !== undefined) return def;
      unset ??= name;
      return "";
    })
    .replace(/^~(?=\/|$)/, home);
  return { value, unset };
}

export interface Places {
  workspace: string;
  keepWorkspace: boolean;
  resultsDir: string;
  origins: { workspace: ValueOrigin; resultsDir: ValueOrigin; keepWorkspace: ValueOrigin };
}

/**
 * The workspace, keep_workspace and results_dir, expanded and checked: never `/`, the home folder
 * or one of its parents; results never in a file, under a file, or in a workspace about to be removed.
 */
export function resolvePlaces(r: Locator, ov: { workspace?: string; resultsDir?: string; keepWorkspace?: boolean; from?: OverrideOrigins }, env: Env): Places {
  const dir = path.dirname(path.resolve(r.file));
  const home = env.HOME || os.homedir();
  const homes = [...new Set([home, os.homedir()].map((h) => path.resolve(h)))];
  const origin = (configKey: string, flag: string | undefined): ValueOrigin =>
    flag ? { key: flag } : { key: configKey, file: r.file, ...(r.has([configKey]) ? r.pos([configKey]) : {}) };
  const origins = {
    workspace: origin("workspace", ov.workspace !== undefined ? (ov.from?.workspace ?? "--workspace") : undefined),
    resultsDir: origin("results_dir", ov.resultsDir !== undefined ? (ov.from?.resultsDir ?? "--results-dir") : undefined),
    keepWorkspace: origin("keep_workspace", ov.keepWorkspace !== undefined ? (ov.from?.keepWorkspace ?? "--keep-workspace") : undefined),
  };
  const fail = (o: ValueOrigin, configKey: string, message: string, hint: string): never => {
    if (o.file) r.fail([configKey], message, hint);
    throw new BenchError(message, { key: o.key, hint });
  };
  const place = (configKey: string, o: ValueOrigin, raw: string): string => {
    const { value, unset } = expandPath(raw, env, home);
    if (unset) fail(o, configKey, `uses $${unset}, which is not set`, `set ${unset}, or give a default: \${${unset}:-/tmp/mirrorbench}`);
    return path.resolve(dir, value);
  };

  const workspace = place("workspace", origins.workspace, ov.workspace ?? (r.has(["workspace"]) ? r.str(["workspace"]) : defaultWorkspace(os.tmpdir())));
  const wsHint = "set workspace: (or BENCH_ROOT / --workspace) to a folder of its own, e.g. /tmp/mirrorbench";
  if (workspace === path.parse(workspace).root) fail(origins.workspace, "workspace", `refusing workspace ${workspace}: it is the file system root`, wsHint);
  for (const h of homes) {
    if (workspace === h) fail(origins.workspace, "workspace", `refusing workspace ${workspace}: it is the home directory`, wsHint);
    if (isInside(h, workspace)) fail(origins.workspace, "workspace", `refusing workspace ${workspace}: it holds the home directory ${h}`, wsHint);
  }

  const keepWorkspace = ov.keepWorkspace ?? r.bool(["keep_workspace"], DEFAULTS.keepWorkspace);
  const resultsDir = place("results_dir", origins.resultsDir, ov.resultsDir ?? r.str(["results_dir"], DEFAULTS.resultsDir));
  const existing = nearestExisting(resultsDir);
  let isDir = false;
  try {
    isDir = fs.statSync(existing).isDirectory();
  } catch {
    /* a dangling link: not a directory */
  }
  if (!isDir) {
    const message = existing === resultsDir ? `${resultsDir} is a file, not a directory` : `${existing} is a file, so ${resultsDir} cannot be created under it`;
    fail(origins.resultsDir, "results_dir", message, "point results_dir (or --results-dir) at a directory, or a path where one can be created");
  }
  if (!keepWorkspace && (resultsDir === workspace || isInside(resultsDir, workspace))) {
    const by = origins.keepWorkspace.file ? `keep_workspace: false${origins.keepWorkspace.line ? ` (line ${origins.keepWorkspace.line})` : ""}` : ov.from?.keepWorkspace ?? "--remove-workspace";
    fail(origins.resultsDir, "results_dir", `${resultsDir} is inside the workspace ${workspace}, which ${by} removes at exit: the results would be deleted`, "put results_dir outside the workspace, or keep the workspace (keep_workspace: true)");
  }
  return { workspace, keepWorkspace, resultsDir, origins };
}

/** `inner` lies strictly inside `outer`. */
export function isInside(inner: string, outer: string): boolean {
  const rel = path.relative(outer, inner);
  return rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel);
}

// ---- workloads ------------------------------------------------------------------------------

/**
 * Refuses a scenario whose workload no run could hold, pointing at the count, size or names of the
 * group at fault — or at the sweep value that made it, for a swept scenario.
 */
export function checkWorkload(r: Locator, p: Path, s: ScenarioSpec, hasFiles: boolean, workspace: string, machine: Machine): void {
  const [problem] = workloadProblems(s.workload, { machine, workspace, scenarioName: s.name, tools: s.tools });
  if (!problem) return;
  r.fail(problemPath(r, p, s, hasFiles, problem), Object.keys(s.parameters).length ? `${s.name}: ${problem.message}` : problem.message, problem.hint);
}

function problemPath(r: Locator, p: Path, s: ScenarioSpec, hasFiles: boolean, problem: LimitProblem): Path {
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
