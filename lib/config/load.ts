// Loading bench.config.yaml: parse, resolve defaults and overrides, validate with file:line:key errors.

import fs from "node:fs";
import path from "node:path";
import YAML, { LineCounter, type Document, isMap, isSeq, isScalar } from "yaml";
import { checkNameKey, checkWorkload, duplicateKeyError, resolvePlaces, type OverrideOrigins } from "./safety";
import { DEFAULTS } from "../defaults";
import { BenchError } from "../errors";
import { checkSpec } from "../layout";
import { realMachine, type Machine } from "../platform/machine";
import { fillShell, PLACEHOLDER, ShellTemplateError, shellFor, type ShellKind } from "../shellquote";
import type {
  CachePolicy,
  ChangeSetSpec,
  DatasetExtras,
  FileGroup,
  ResolvedConfig,
  ScenarioSpec,
  ToolSpec,
  VerifySpec,
  WorkloadKind,
} from "../types";
import { parseByteRange, parseBytes, parseDurationMs } from "../units";

export type Path = (string | number)[];

/** Overrides from the command line and the old script's environment knobs (CLI wins over env). */
export interface Overrides {
  runs?: number;
  warmup?: number;
  workspace?: string;
  keepWorkspace?: boolean;
  sizeBytes?: number;
  resultsDir?: string;
  keepResults?: number;
  /** Which flag or environment variable set workspace / resultsDir / keepWorkspace, for errors that name it. */
  from?: OverrideOrigins;
}

export const KNOWN = {
  top: ["version", "workspace", "keep_workspace", "results_dir", "keep_results", "defaults", "tools", "scenarios"],
  defaults: ["runs", "warmup", "timeout", "cache", "verify", "thresholds"],
  tool: ["label", "argv", "shell", "env", "success_codes", "requires", "version", "linux", "darwin", "win32"],
  toolVariant: ["argv", "shell", "env", "success_codes", "requires", "version"],
  scenario: [
    "name", "description", "type", "workload", "changes", "tools", "baseline", "candidate",
    "runs", "warmup", "timeout", "cache", "verify", "thresholds", "sweep",
  ],
  workload: ["files", "groups", "seed", "extras"],
  group: ["name", "count", "size", "distribution", "per_dir", "depth", "content", "compress_ratio", "names"],
  extras: ["empty_dirs", "symlinks", "hardlinks", "executables", "old_mtimes"],
  changes: ["touch", "delete", "add", "add_size", "rename"],
  verify: ["enabled", "mode", "mtime", "symlinks", "allow_source_links"],
  thresholds: ["max_time_ratio", "max_memory_ratio", "require_significance"],
  sweep: ["count", "size"],
} as const;

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Reads typed values out of the YAML document, turning every problem into a located BenchError. */
class Reader {
  constructor(
    readonly file: string,
    readonly doc: Document,
    readonly lc: LineCounter,
  ) {}

  pos(p: Path): { line?: number; col?: number } {
    for (let n = p.length; n >= 0; n--) {
      const node = n === 0 ? this.doc.contents : (this.doc.getIn(p.slice(0, n), true) as any);
      if (node && node.range) {
        // For a present key, point at the key itself rather than its value.
        if (n === p.length && n > 0) {
          const parent = n === 1 ? this.doc.contents : (this.doc.getIn(p.slice(0, n - 1), true) as any);
          if (isMap(parent)) {
            const pair = parent.items.find((it: any) => isScalar(it.key) && it.key.value === p[n - 1]);
            if (pair && (pair.key as any).range) return this.lc.linePos((pair.key as any).range[0]);
          }
        }
        return this.lc.linePos(node.range[0]);
      }
    }
    return {};
  }

  fail(p: Path, message: string, hint?: string): never {
    const { line, col } = this.pos(p);
    throw new BenchError(message, { file: this.file, line, col, key: keyName(p), hint });
  }

  get(p: Path): unknown {
    const v = this.doc.getIn(p, false);
    return isScalar(v) ? v.value : v === undefined ? undefined : YAML.isNode(v) ? v.toJSON() : v;
  }

  has(p: Path): boolean {
    return this.doc.hasIn(p);
  }

  map(p: Path, known: readonly string[], what: string): string[] {
    const node = p.length ? (this.doc.getIn(p, true) as any) : this.doc.contents;
    if (!isMap(node)) this.fail(p, `${what} must be a mapping (key: value lines)`);
    const keys: string[] = [];
    for (const it of (node as any).items) {
      const k = isScalar(it.key) ? String(it.key.value) : String(it.key);
      if (!known.includes(k)) {
        const near = closest(k, known);
        this.fail([...p, k], `unknown key "${k}" in ${what}`, `${near ? `did you mean "${near}"? ` : ""}known keys: ${known.join(", ")}`);
      }
      keys.push(k);
    }
    return keys;
  }

  int(p: Path, opts: { min?: number; def?: number } = {}): number {
    const v = this.get(p);
    if (v === undefined || v === null) {
      if (opts.def !== undefined) return opts.def;
      this.fail(p, "is required", `give a whole number${opts.min !== undefined ? ` ≥ ${opts.min}` : ""}`);
    }
    if (typeof v !== "number" || !Number.isInteger(v)) this.fail(p, `must be a whole number, got ${JSON.stringify(v)}`);
    if (!Number.isSafeInteger(v)) this.fail(p, `${v} is too large to count exactly (more than 2^53)`);
    if (opts.min !== undefined && v < opts.min) this.fail(p, `must be at least ${opts.min}, got ${v}`);
    return v;
  }

  num(p: Path, opts: { min?: number; def?: number; why?: string } = {}): number {
    const v = this.get(p);
    if (v === undefined || v === null) {
      if (opts.def !== undefined) return opts.def;
      this.fail(p, "is required");
    }
    if (typeof v !== "number" || !Number.isFinite(v)) this.fail(p, `must be a number, got ${JSON.stringify(v)}`);
    if (opts.min !== undefined && v < opts.min) this.fail(p, `must be at least ${opts.min}, got ${v}`, opts.why);
    return v;
  }

  bool(p: Path, def: boolean): boolean {
    const v = this.get(p);
    if (v === undefined || v === null) return def;
    if (typeof v !== "boolean") this.fail(p, `must be true or false, got ${JSON.stringify(v)}`);
    return v;
  }

  str(p: Path, def?: string): string {
    const v = this.get(p);
    if (v === undefined || v === null) {
      if (def !== undefined) return def;
      this.fail(p, "is required", "give a string");
    }
    if (typeof v !== "string" || v === "") this.fail(p, `must be a non-empty string, got ${JSON.stringify(v)}`);
    return v;
  }

  oneOf<T extends string>(p: Path, options: readonly T[], def: T): T {
    const v = this.get(p);
    if (v === undefined || v === null) return def;
    if (typeof v !== "string" || !options.includes(v as T)) {
      this.fail(p, `must be one of ${options.join(", ")}, got ${JSON.stringify(v)}`);
    }
    return v as T;
  }

  strList(p: Path, opts: { allowString?: boolean } = {}): string[] {
    const v = this.get(p);
    if (opts.allowString && typeof v === "string") return [v];
    if (!Array.isArray(v) || v.length === 0) this.fail(p, `must be a non-empty list of strings`);
    (v as unknown[]).forEach((x, i) => {
      if (typeof x !== "string" && typeof x !== "number") {
        this.fail([...p, i], `must be a string, got ${JSON.stringify(x)}`, typeof x === "boolean" || x === null ? `YAML reads an unquoted ${JSON.stringify(x)} as ${x === null ? "null" : "a boolean"}: quote it, "${x}"` : undefined);
      }
    });
    return (v as unknown[]).map(String);
  }

  bytes(p: Path, def?: number): number {
    const v = this.get(p);
    if ((v === undefined || v === null) && def !== undefined) return def;
    const n = parseBytes(v);
    if (n === null) this.fail(p, `must be a size like 4096, 64KiB, 512MiB or 4GiB, got ${JSON.stringify(v)}`);
    return n;
  }

  duration(p: Path, def: number): number {
    const v = this.get(p);
    if (v === undefined || v === null) return def;
    const ms = parseDurationMs(v);
    if (ms === null) this.fail(p, `must be a duration like 90s, 10m or 1h, got ${JSON.stringify(v)}`);
    return ms;
  }
}

function keyName(p: Path): string {
  return p.map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? k : `.${k}`)).join("");
}

function closest(word: string, options: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = 3;
  for (const o of options) {
    const d = editDistance(word, o);
    if (d < bestD) [best, bestD] = [o, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) dp[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      dp[i]![j] = Math.min(dp[i - 1]![j]! + 1, dp[i]![j - 1]! + 1, dp[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  return dp[a.length]![b.length]!;
}

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * "${VAR}" and "${VAR:-default}" in argv, so a binary's path can come from the environment (BLIT_BIN).
 * In a shell tool's command string (`shell` given) the value is quoted for that shell like {src}/{dst};
 * a plain $VAR the user wrote there is not ours and is left to the shell, which expands it when the tool runs.
 */
export function expandEnv(s: string, env: Record<string, string | undefined>, shell?: ShellKind): string {
  const valueOf = (name: string, def?: string) => {
    const v = env[name];
    return v !== undefined && v !== "" ? v : (def ?? "");
  };
  if (shell) return fillShell(s, ENV_REF, (m) => valueOf(m[1]!, m[2]), shell);
  return s.replace(ENV_REF, (_, name: string, def?: string) => valueOf(name, def));
}

function parseCodes(r: Reader, p: Path): number[] {
  const v = r.get(p);
  if (v === undefined || v === null) return [...DEFAULTS.successCodes];
  const list = Array.isArray(v) ? v : [v];
  const codes: number[] = [];
  list.forEach((x, i) => {
    const at = Array.isArray(v) ? [...p, i] : p;
    if (typeof x === "number" && Number.isInteger(x) && x >= 0) codes.push(x);
    else if (typeof x === "string" && /^\d+\.\.\d+$/.test(x)) {
      const [a, b] = x.split("..").map(Number) as [number, number];
      if (a > b) r.fail(at, `range "${x}" is reversed`, `write it low..high, e.g. "${b}..${a}"`);
      for (let c = a; c <= b; c++) codes.push(c);
    } else r.fail(at, `must be an exit code or a range like "0..7", got ${JSON.stringify(x)}`);
  });
  return codes;
}

function resolveTool(r: Reader, id: string, platform: string, env: Record<string, string | undefined>): ToolSpec {
  const p: Path = ["tools", id];
  if (!NAME_RE.test(id)) r.fail(p, `tool name "${id}" may use only letters, digits, ".", "_" and "-"`);
  r.map(p, KNOWN.tool, `tool "${id}"`);
  for (const plat of ["linux", "darwin", "win32"]) if (r.has([...p, plat])) r.map([...p, plat], KNOWN.toolVariant, `tool "${id}".${plat}`);
  // The platform variant's keys win over the tool's own.
  const at = (k: string): Path => (r.has([...p, platform, k]) ? [...p, platform, k] : [...p, k]);
  const shell = r.bool(at("shell"), false);
  let argv: string[] = [];
  if (r.has(at("argv"))) argv = r.strList(at("argv"), { allowString: shell });
  else if (!["linux", "darwin", "win32"].some((k) => r.has([...p, k]))) r.fail([...p, "argv"], "is required", `e.g. argv: [cp, -a, "{src}/.", "{dst}/"]`);
  if (shell && argv.length !== 1) r.fail(at("argv"), "with shell: true must be one command string", `e.g. argv: "tar -C {src} -cf - . | tar -C {dst} -xf -"`);
  if (argv.length && !argv.join(" ").includes("{src}")) r.fail(at("argv"), `has no {src} placeholder`, `the tool must be told what to copy, e.g. "{src}/"`);
  if (argv.length && !argv.join(" ").includes("{dst}")) r.fail(at("argv"), `has no {dst} placeholder`, `the tool must be told where to copy, e.g. "{dst}/"`);
  if (shell) {
    // Checked here, with the dummy value, so a placeholder that cannot be quoted is a located config error.
    try {
      argv = argv.map((a) => expandEnv(a, env, shellFor(platform)));
      fillShell(argv[0]!, PLACEHOLDER, () => "x", shellFor(platform));
    } catch (e) {
      if (!(e instanceof ShellTemplateError)) throw e;
      r.fail(at("argv"), e.message, `write {src}, {dst} and \${VAR} bare, in '...' or in "...": mirrorbench quotes each value for the shell`);
    }
  } else argv = argv.map((a) => expandEnv(a, env));
  const envMap: Record<string, string> = {};
  if (r.has(at("env"))) {
    const e = r.get(at("env"));
    if (typeof e !== "object" || e === null || Array.isArray(e)) r.fail(at("env"), "must be a mapping of NAME: value");
    for (const [k, v] of Object.entries(e as object)) envMap[k] = expandEnv(String(v), env);
  }
  const requires = r.has(at("requires")) ? r.strList(at("requires"), { allowString: true }) : [];
  let versionArgv: string[] | null = null;
  if (r.has(at("version"))) {
    const v = r.get(at("version"));
    versionArgv = v === false ? [] : r.strList(at("version"), { allowString: false }).map((a) => expandEnv(a, env));
  }
  return {
    id,
    label: r.str([...p, "label"], id),
    argv,
    shell,
    env: envMap,
    successCodes: parseCodes(r, at("success_codes")),
    requires,
    versionArgv,
  };
}

function resolveGroup(r: Reader, p: Path, index: number, sizeOverride?: number): FileGroup {
  r.map(p, KNOWN.group, "a file group");
  const count = r.int([...p, "count"], { min: 1 });
  const sizeRaw = r.get([...p, "size"]);
  if (sizeRaw === undefined) r.fail([...p, "size"], "is required", `e.g. size: 4GiB, or a range size: 1KiB..10KiB`);
  const range = parseByteRange(sizeRaw);
  if (!range) r.fail([...p, "size"], `must be a size (64KiB) or a range (1KiB..10KiB), got ${JSON.stringify(sizeRaw)}`);
  if (range.minBytes > range.maxBytes) {
    r.fail([...p, "size"], `range ${sizeRaw} is reversed (min > max)`, `write it low..high`);
  }
  // SIZE_MB resizes the single-file groups, as the old script's large payload.
  if (sizeOverride !== undefined && count === 1) range.minBytes = range.maxBytes = sizeOverride;
  const name = r.str([...p, "name"], `g${index}`);
  if (name.includes("/") || name.includes("\\") || name === ".." || name === "." || path.isAbsolute(name)) {
    r.fail([...p, "name"], `"${name}" would leave the dataset root`, `use a plain directory name like "small"`);
  }
  const perDir = r.int([...p, "per_dir"], { min: 1, def: DEFAULTS.perDir });
  const depth = r.int([...p, "depth"], { min: 0, def: DEFAULTS.depth });
  // With depth ≥ 1 every directory holds at most per_dir entries, so the tree has a capacity.
  if (depth > 0 && count > perDir ** (depth + 1)) {
    r.fail([...p, "depth"], `depth ${depth} with per_dir ${perDir} holds at most ${perDir ** (depth + 1)} files, not ${count}`, `raise depth to ${Math.ceil(Math.log(count) / Math.log(perDir)) - 1} or per_dir`);
  }
  const content = r.oneOf([...p, "content"], ["random", "zero", "compressible", "sparse"] as const, "random");
  const compressRatio = r.num([...p, "compress_ratio"], { min: 1, def: 2 });
  if (r.has([...p, "compress_ratio"]) && content !== "compressible") r.fail([...p, "compress_ratio"], "only applies to content: compressible");
  return {
    name,
    count,
    minBytes: range.minBytes,
    maxBytes: range.maxBytes,
    distribution: r.oneOf([...p, "distribution"], ["uniform", "log-uniform"] as const, "uniform"),
    perDir,
    depth,
    content,
    compressRatio,
    names: r.oneOf([...p, "names"], ["short", "long", "unicode", "deep"] as const, "short"),
  };
}

function resolveVerify(r: Reader, p: Path, def: VerifySpec): VerifySpec {
  const v = r.get(p);
  if (v === undefined || v === null) return def;
  if (typeof v === "boolean") return { ...def, enabled: v };
  r.map(p, KNOWN.verify, "verify");
  return {
    enabled: r.bool([...p, "enabled"], true),
    mode: r.bool([...p, "mode"], def.mode),
    mtime: r.bool([...p, "mtime"], def.mtime),
    symlinks: r.bool([...p, "symlinks"], def.symlinks),
    allowSourceLinks: r.bool([...p, "allow_source_links"], def.allowSourceLinks),
  };
}

interface ScenarioDefaults {
  runs: number;
  warmup: number;
  timeoutMs: number;
  cache: CachePolicy;
  verify: VerifySpec;
  maxTimeRatio: number;
  maxMemoryRatio: number;
  requireSignificance: boolean;
}

function resolveThresholds(r: Reader, p: Path, def: ScenarioDefaults) {
  if (r.has(p)) r.map(p, KNOWN.thresholds, "thresholds");
  const why = "a threshold is a ratio candidate/baseline; below 1 would demand the candidate beat the baseline (1.05 = at least 95% of baseline speed)";
  return {
    maxTimeRatio: r.num([...p, "max_time_ratio"], { min: 1, def: def.maxTimeRatio, why }),
    maxMemoryRatio: r.num([...p, "max_memory_ratio"], { min: 1, def: def.maxMemoryRatio, why }),
    requireSignificance: r.bool([...p, "require_significance"], def.requireSignificance),
  };
}

function toolRefs(r: Reader, p: Path, scenarioTools: string[], what: string): string[] {
  if (!r.has(p)) return [];
  const list = r.strList(p, { allowString: true });
  list.forEach((t, i) => {
    if (!scenarioTools.includes(t)) {
      r.fail(Array.isArray(r.get(p)) ? [...p, i] : p, `${what} "${t}" is not one of this scenario's tools`, `add it to tools: [${scenarioTools.join(", ")}] or pick one of them`);
    }
  });
  return list;
}

function resolveScenarios(r: Reader, defs: ScenarioDefaults, toolIds: string[], ov: Overrides, workspace: string, machine: Machine | null): ScenarioSpec[] {
  const list = r.get(["scenarios"]);
  if (!Array.isArray(list) || list.length === 0) r.fail(["scenarios"], "must be a non-empty list", "add at least one scenario with a name, a workload and tools");
  const out: ScenarioSpec[] = [];
  const seen = new Set<string>();
  list.forEach((_, i) => {
    const p: Path = ["scenarios", i];
    r.map(p, KNOWN.scenario, "a scenario");
    const name = r.str([...p, "name"]);
    if (!NAME_RE.test(name)) r.fail([...p, "name"], `"${name}" may use only letters, digits, ".", "_" and "-"`);
    if (seen.has(name)) r.fail([...p, "name"], `duplicate scenario name "${name}"`, "scenario names must be unique");
    seen.add(name);
    const kind = r.oneOf<WorkloadKind>([...p, "type"], ["copy", "incremental", "resync"], "copy");

    const tools = r.strList([...p, "tools"]);
    tools.forEach((t, j) => {
      if (!toolIds.includes(t)) r.fail([...p, "tools", j], `unknown tool "${t}"`, `known tools: ${toolIds.join(", ") || "(none: add a tools: section)"}`);
    });
    if (new Set(tools).size !== tools.length) r.fail([...p, "tools"], "lists a tool twice");
    const baseline = toolRefs(r, [...p, "baseline"], tools, "baseline");
    const candidates = toolRefs(r, [...p, "candidate"], tools, "candidate");
    if (candidates.length && !baseline.length) r.fail([...p, "candidate"], "needs a baseline to be compared with", "add baseline: <tool>");
    for (const c of candidates) if (baseline.includes(c)) r.fail([...p, "candidate"], `"${c}" is both baseline and candidate`);

    const w: Path = [...p, "workload"];
    if (!r.has(w)) r.fail(w, "is required", "e.g. workload: { files: { count: 1, size: 256MiB } }");
    r.map(w, KNOWN.workload, "workload");
    const hasFiles = r.has([...w, "files"]);
    const hasGroups = r.has([...w, "groups"]);
    if (hasFiles === hasGroups) r.fail(w, "needs exactly one of files: (one group) or groups: (a list)");
    const seed = r.int([...w, "seed"], { min: 0, def: DEFAULTS.seed });
    let extras: DatasetExtras = { emptyDirs: 0, symlinks: 0, hardlinks: 0, executables: 0, oldMtimes: 0 };
    if (r.has([...w, "extras"])) {
      const e: Path = [...w, "extras"];
      r.map(e, KNOWN.extras, "extras");
      extras = {
        emptyDirs: r.int([...e, "empty_dirs"], { min: 0, def: 0 }),
        symlinks: r.int([...e, "symlinks"], { min: 0, def: 0 }),
        hardlinks: r.int([...e, "hardlinks"], { min: 0, def: 0 }),
        executables: r.int([...e, "executables"], { min: 0, def: 0 }),
        oldMtimes: r.int([...e, "old_mtimes"], { min: 0, def: 0 }),
      };
    }
    const groupPaths: Path[] = hasFiles
      ? [[...w, "files"]]
      : ((): Path[] => {
          const g = r.get([...w, "groups"]);
          if (!Array.isArray(g) || g.length === 0) r.fail([...w, "groups"], "must be a non-empty list of file groups");
          return g.map((_, j) => [...w, "groups", j]);
        })();
    const groups = groupPaths.map((gp, j) => resolveGroup(r, gp, j, ov.sizeBytes));
    const names = new Set(groups.map((g) => g.name));
    if (names.size !== groups.length) r.fail([...w, "groups"], "two groups share a name", "give each group its own name:");
    // Limits only the generator knows (NAME_MAX, PATH_MAX, extras without files), located where we can.
    for (const problem of checkSpec({ seed, groups, extras })) {
      const g: Path = problem.group === null ? w : hasFiles ? [...w, "files"] : [...w, "groups", problem.group];
      r.fail(problem.field === "extras" ? [...w, "extras"] : [...g, problem.field], problem.message);
    }

    let changes: ChangeSetSpec | null = null;
    if (r.has([...p, "changes"])) {
      if (kind !== "incremental") r.fail([...p, "changes"], `only applies to type: incremental (this scenario is ${kind})`);
      const c: Path = [...p, "changes"];
      r.map(c, KNOWN.changes, "changes");
      changes = {
        touch: r.int([...c, "touch"], { min: 0, def: 0 }),
        delete: r.int([...c, "delete"], { min: 0, def: 0 }),
        add: r.int([...c, "add"], { min: 0, def: 0 }),
        addBytes: r.bytes([...c, "add_size"], 1024),
        rename: r.int([...c, "rename"], { min: 0, def: 0 }),
      };
      const total = groups.reduce((a, g) => a + g.count, 0);
      const used = changes.touch + changes.delete + changes.rename;
      if (used > total) r.fail(c, `touches, deletes and renames ${used} files but the workload has only ${total}`);
    } else if (kind === "incremental") {
      r.fail([...p, "type"], "incremental needs a changes: section", "e.g. changes: { touch: 100, delete: 10, add: 10, add_size: 4KiB }");
    }

    const base: ScenarioSpec = {
      name,
      baseName: name,
      parameters: {},
      workload: { kind, dataset: { seed, groups, extras }, changes },
      tools,
      baseline,
      candidates,
      runs: ov.runs ?? r.int([...p, "runs"], { min: 1, def: defs.runs }),
      warmup: ov.warmup ?? r.int([...p, "warmup"], { min: 0, def: defs.warmup }),
      timeoutMs: r.duration([...p, "timeout"], defs.timeoutMs),
      cache: r.oneOf<CachePolicy>([...p, "cache"], ["drop", "keep"], defs.cache),
      verify: resolveVerify(r, [...p, "verify"], defs.verify),
      thresholds: resolveThresholds(r, [...p, "thresholds"], defs),
    };
    const variants = expandSweep(r, [...p, "sweep"], base, hasFiles);
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
function expandSweep(r: Reader, p: Path, base: ScenarioSpec, hasFiles: boolean): ScenarioSpec[] {
  if (!r.has(p)) return [base];
  const keys = r.map(p, KNOWN.sweep, "sweep");
  if (!hasFiles) r.fail(p, "applies to a workload with files: (one group)", "move the swept group into workload.files, or write one scenario per group");
  let points: Record<string, string>[] = [{}];
  for (const k of keys) {
    const values = r.get([...p, k]);
    if (!Array.isArray(values) || values.length === 0) r.fail([...p, k], "must be a non-empty list of values", k === "size" ? "e.g. size: [256MiB, 1GiB, 4GiB]" : "e.g. count: [1000, 10000, 100000]");
    values.forEach((v, i) => {
      if (k === "count" && !(Number.isSafeInteger(v) && v >= 1)) r.fail([...p, k, i], `must be a whole number ≥ 1, got ${JSON.stringify(v)}`);
      if (k === "size" && !parseByteRange(v)) r.fail([...p, k, i], `must be a size or range, got ${JSON.stringify(v)}`);
    });
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

export interface LoadOptions {
  overrides?: Overrides;
  env?: Record<string, string | undefined>;
  platform?: string;
  /** Memory and free space the workload limits are checked against (default: this machine; null: not checked, for report/compare). */
  machine?: Machine | null;
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
  const doc = YAML.parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
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
  r.map([], KNOWN.top, "the config file");
  const version = r.int(["version"], { def: 1 });
  if (version !== 1) r.fail(["version"], `unsupported config version ${version}`, "this mirrorbench reads version: 1");

  if (r.has(["defaults"])) r.map(["defaults"], KNOWN.defaults, "defaults");
  const verifyDef: VerifySpec = { enabled: true, mode: false, mtime: false, symlinks: true, allowSourceLinks: false };
  const partial: ScenarioDefaults = {
    runs: r.int(["defaults", "runs"], { min: 1, def: DEFAULTS.runs }),
    warmup: r.int(["defaults", "warmup"], { min: 0, def: DEFAULTS.warmup }),
    timeoutMs: r.duration(["defaults", "timeout"], DEFAULTS.timeoutMs),
    cache: r.oneOf<CachePolicy>(["defaults", "cache"], ["drop", "keep"], DEFAULTS.cache),
    verify: resolveVerify(r, ["defaults", "verify"], verifyDef),
    maxTimeRatio: DEFAULTS.maxTimeRatio,
    maxMemoryRatio: DEFAULTS.maxMemoryRatio,
    requireSignificance: DEFAULTS.requireSignificance,
  };
  const th = resolveThresholds(r, ["defaults", "thresholds"], partial);
  const defs: ScenarioDefaults = { ...partial, ...th };

  if (!r.has(["tools"])) r.fail(["tools"], "is required", "add a tools: section, e.g. tools: { cp: { argv: [cp, -a, \"{src}/.\", \"{dst}/\"] } }");
  const toolNode = doc.getIn(["tools"], true);
  if (!isMap(toolNode)) r.fail(["tools"], "must be a mapping of tool name to its definition");
  const tools: Record<string, ToolSpec> = {};
  for (const it of (toolNode as any).items) {
    checkNameKey(it.key, lc, file, "tool name");
    const id = String(isScalar(it.key) ? it.key.value : it.key);
    tools[id] = resolveTool(r, id, platform, env);
  }
  const places = resolvePlaces(r, ov, env);
  const scenarios = resolveScenarios(r, defs, Object.keys(tools), ov, places.workspace, opts.machine === undefined ? realMachine : opts.machine);
  const keepResults = ov.keepResults ?? (r.has(["keep_results"]) ? r.int(["keep_results"], { min: 1 }) : null);
  return {
    file: path.resolve(file),
    version: 1,
    workspace: places.workspace,
    keepWorkspace: places.keepWorkspace,
    resultsDir: places.resultsDir,
    keepResults,
    tools,
    scenarios,
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
