// The config's shape, declared once: keys, types, enums, minimums, patterns, in-map rules and descriptions. The loader checks it (check.ts), the JSON Schema is generated from it (schema.ts).
//
// Cross-references between sections (a scenario's tools exist, baseline ⊂ tools), reversed ranges,
// workload arithmetic and the machine's limits stay in code: JSON Schema cannot say them.

import { DEFAULTS, REMOTE_DEFAULTS } from "../defaults";
import { DURATION_PATTERN, EXIT_RANGE_PATTERN, SIZE_OR_RANGE_PATTERN, SIZE_PATTERN } from "../units";
import { durable, gate, gateOn, preflight, settle, state } from "./shape-run";
import { daemon, endpoint } from "./shape-remote";
import type { Path, Shape } from "./shape-types";

export type { MapRule, Path, Shape } from "./shape-types";

/** memory_scaling: the growth rule needs three counts (two points fit any line). */
export const MIN_SCALING_COUNTS = 3;

const NAME = "^[A-Za-z0-9][A-Za-z0-9._-]*$";
const nameMessage = (what: string) => (v: string) => `${what}"${v}" may use only letters, digits, ".", "_" and "-"`;
const got = (v: unknown) => JSON.stringify(v);

const int = (min: number, description?: string): Shape => ({ kind: "int", min, description });
const bool = (description?: string): Shape => ({ kind: "bool", description });
const size: Shape = { kind: "pattern", source: SIZE_PATTERN, number: "integer", def: "size", description: "A size: 4096, 64KiB, 512MiB, 4GiB (binary and decimal units, any case)", message: (v) => `must be a size like 4096, 64KiB, 512MiB or 4GiB, got ${got(v)}` };
const sizeOrRange: Shape = { kind: "pattern", source: SIZE_OR_RANGE_PATTERN, number: "integer", def: "sizeOrRange", description: "A size (64KiB) or a range (1KiB..10KiB)", message: (v) => `must be a size (64KiB) or a range (1KiB..10KiB), got ${got(v)}` };
const duration: Shape = { kind: "pattern", source: DURATION_PATTERN, number: "positive", def: "duration", description: "A duration: 90s, 10m, 1h, 250ms (a bare number is seconds)", message: (v) => `must be a duration like 90s, 10m or 1h, got ${got(v)}` };
const cache: Shape = { kind: "enum", values: ["drop", "keep"], def: "cache", description: "drop: clear the OS page cache before every run; keep: leave it" };
const strings = (minItems = 1): Shape => ({ kind: "list", items: { kind: "name", number: true }, minItems, def: "stringList", message: listMessage });
const listMessage = () => "must be a non-empty list of strings";
const nameOrNames = (description: string): Shape => ({ kind: "anyOf", description, options: [{ kind: "name" }, { kind: "list", items: { kind: "name" }, minItems: 1, message: listMessage }], message: listMessage });

const verify: Shape = {
  kind: "anyOf",
  def: "verify",
  description: "Compare every copy with its source (true/false, or what to compare)",
  message: () => "verify must be a mapping (key: value lines)",
  options: [
    { kind: "bool" },
    {
      kind: "map",
      what: "verify",
      keys: {
        enabled: bool(),
        mode: bool("compare permission bits"),
        mtime: bool("compare modification times"),
        symlinks: bool("compare symlink targets"),
        allow_source_links: bool("accept a copy made of hard links to the source's files (cp -al); by default it fails the run"),
        links: bool("same work: the destination keeps the source's hard-link groups (default true)"),
        xattrs: bool("same work: the destination keeps the source's user.* extended attributes (default true)"),
        sparse: bool("same work: sparse files stay sparse, full files stay full (default true)"),
        owner: bool("same work: owners and groups are kept (default true)"),
        clone: bool("label a destination that shares extents with its source (reflink) as cloned, never as a fast copy (default true)"),
      },
    },
  ],
};

const why = "a threshold is a ratio candidate/baseline; below 1 would demand the candidate beat the baseline (1.05 = at least 95% of baseline speed)";
const thresholds: Shape = {
  kind: "map",
  what: "thresholds",
  def: "thresholds",
  keys: {
    max_time_ratio: { kind: "number", min: 1, why, description: "candidate/baseline mean time; 1.05 = at least 95% of baseline speed" },
    max_memory_ratio: { kind: "number", min: 1, why, description: "candidate/baseline median peak RSS; 1.10 = at most 110%" },
    require_significance: bool("fail only when the whole 95% interval lies beyond the threshold"),
  },
};

const exitCode: Shape = { kind: "pattern", source: EXIT_RANGE_PATTERN, number: "integer", message: (v) => `must be an exit code or a range like "0..7", got ${got(v)}` };
const toolKeys = (): Record<string, Shape> => ({
  argv: {
    kind: "argv",
    description: "argv with {src} and {dst} (and {state}, {run}, and for remote ends {src_host} {dst_host} {src_port} {dst_port} {src_ssh} {dst_ssh} {src_rsh} {dst_rsh} {port}); one command string when shell: true",
    mentions: [
      { text: "{src", message: "has no {src} placeholder", hint: `the tool must be told what to copy, e.g. "{src}/" (or "rsync://{src_host}:{port}/module/" from a daemon)` },
      { text: "{dst", message: "has no {dst} placeholder", hint: `the tool must be told where to copy, e.g. "{dst}/" (or "rsync://{dst_host}:{port}/module/" to a daemon)` },
    ],
  },
  shell: bool("run argv (one string) with /bin/sh -c (cmd.exe on Windows); {src}, {dst}, {state}, {run} and ${VAR} are quoted for it"),
  env: { kind: "record", what: "env", message: () => "must be a mapping of NAME: value", values: { kind: "anyOf", options: [{ kind: "string" }, { kind: "number" }, { kind: "bool" }], message: (v) => `must be a string, a number or true/false, got ${got(v)}` }, description: "environment variables for the tool; ${VAR:-default} expands, {state} and {run} are filled per run" },
  success_codes: { kind: "anyOf", options: [exitCode, { kind: "list", items: exitCode, minItems: 1, message: () => "must be a non-empty list of exit codes" }], description: 'exit codes that mean success, e.g. [0] or ["0..7"] for robocopy' },
  requires: { kind: "anyOf", options: [{ kind: "name" }, strings()], description: "commands that must be on PATH (default: argv[0])", message: listMessage },
  version: { kind: "anyOf", options: [{ kind: "const", value: false }, strings()], description: "argv that prints the version, or false for none", message: listMessage },
  call_graph: { kind: "enum", values: ["fp", "dwarf"], description: "how a diagnosis's perf record walks this tool's stacks: fp (frame pointers, default) or dwarf (for binaries built without frame pointers, e.g. a default Rust release build)" },
  require_clean_build: bool("a version line without +<git sha>, or with .dirty, makes the tool unavailable"),
  durable,
  state,
  stats: { kind: "enum", values: ["rsync", "json"], description: "read the tool's own figures from its stdout after each run: rsync (--stats) or json (the last JSON object it prints, e.g. blit --json)" },
  daemon,
});
const toolVariant: Shape = { kind: "map", what: (p) => `tool "${p[1]}".${p[2]}`, def: "toolVariant", keys: toolKeys() };
const tool: Shape = {
  kind: "map",
  what: (p) => `tool "${p[1]}"`,
  keys: { label: { kind: "string", minLength: 1, description: "the name printed in log lines" }, ...toolKeys(), linux: toolVariant, darwin: toolVariant, win32: toolVariant },
  rules: [{ kind: "requiredUnless", key: "argv", unless: ["linux", "darwin", "win32"], message: "is required", hint: `e.g. argv: [cp, -a, "{src}/.", "{dst}/"]` }],
};

const groupName = [
  { source: "^[^/\\\\]*$", message: (v: string) => `"${v}" would leave the dataset root`, hint: `use a plain directory name like "small"` },
  { source: "^(?!\\.\\.?$)", message: (v: string) => `"${v}" would leave the dataset root`, hint: `use a plain directory name like "small"` },
];
const group: Shape = {
  kind: "map",
  what: "a file group",
  def: "group",
  required: ["count", "size"],
  keys: {
    name: { kind: "string", minLength: 1, patterns: groupName, description: "directory of this group inside the dataset (default g<index>)" },
    count: int(1, "number of files"),
    size: sizeOrRange,
    distribution: { kind: "enum", values: ["uniform", "log-uniform"], description: "how sizes spread over a range" },
    per_dir: int(1, `files per leaf directory (default ${DEFAULTS.perDir})`),
    depth: int(0, "directory levels above the leaf directories"),
    content: { kind: "enum", values: ["random", "zero", "compressible", "sparse"] },
    compress_ratio: { kind: "number", min: 1, description: "for content: compressible, the target ratio (e.g. 3 = ~3:1)" },
    names: { kind: "enum", values: ["short", "long", "unicode", "deep"] },
  },
  rules: [{ kind: "onlyWhen", key: "compress_ratio", when: "content", equals: "compressible", whenDefault: "random", message: () => "only applies to content: compressible" }],
};

const counts = (keys: string[]) => Object.fromEntries(keys.map((k) => [k, int(0)]));
const scenario: Shape = {
  kind: "map",
  what: "a scenario",
  required: ["name", "workload", "tools"],
  keys: {
    name: { kind: "string", minLength: 1, patterns: [{ source: NAME, message: nameMessage("") }] },
    description: { kind: "string" },
    type: { kind: "enum", values: ["copy", "incremental", "resync"], description: "copy into an empty destination; incremental / resync: the destination starts as a mirror of the base tree" },
    workload: {
      kind: "map",
      what: "workload",
      keys: {
        files: group,
        groups: { kind: "list", items: group, minItems: 1, message: () => "must be a non-empty list of file groups" },
        seed: int(0, "same seed → same bytes on every machine"),
        extras: { kind: "map", what: "extras", keys: counts(["empty_dirs", "symlinks", "hardlinks", "executables", "old_mtimes"]) },
      },
      rules: [{ kind: "exactlyOne", keys: ["files", "groups"], message: "needs exactly one of files: (one group) or groups: (a list)" }],
    },
    changes: { kind: "map", what: "changes", keys: { ...counts(["touch", "delete", "add"]), add_size: size, ...counts(["rename"]) } },
    tools: { kind: "list", items: { kind: "name" }, minItems: 1, message: listMessage },
    baseline: nameOrNames("the baseline, or tools in order of preference: the first available is used"),
    candidate: nameOrNames("the tools gated against the baseline (default: every other tool)"),
    runs: int(1),
    warmup: int(0),
    timeout: duration,
    cache,
    verify,
    thresholds,
    settle,
    durable,
    gate,
    gate_on: gateOn,
    state,
    source: endpoint("source"),
    destination: endpoint("destination"),
    control: bool("run the baseline a second time as its own arm (A/A): when its ratio interval leaves 1 ± (max_time_ratio − 1) / 2 the verdict is NO-VERDICT (controls not clean)"),
    memory_scaling: {
      kind: "map",
      what: "memory_scaling",
      required: ["counts"],
      description: "when this scenario is diagnosed: each tool's peak memory at these file counts, fitted as a fixed part plus bytes per file",
      keys: { counts: { kind: "list", minItems: MIN_SCALING_COUNTS, hint: "e.g. counts: [1000, 10000, 100000]", items: { kind: "int", min: 1, message: (v) => `must be a whole number ≥ 1, got ${got(v)}` } } },
    },
    sweep: {
      kind: "map",
      what: "sweep",
      keys: {
        count: { kind: "list", minItems: 1, hint: "e.g. count: [1000, 10000, 100000]", items: { kind: "int", min: 1, message: (v) => `must be a whole number ≥ 1, got ${got(v)}` } },
        size: { kind: "list", minItems: 1, hint: "e.g. size: [256MiB, 1GiB, 4GiB]", items: { ...sizeOrRange, def: undefined, message: (v) => `must be a size or range, got ${got(v)}` } },
      },
    },
  },
  rules: [
    { kind: "onlyWhen", key: "changes", when: "type", equals: "incremental", whenDefault: "copy", message: (kind) => `only applies to type: incremental (this scenario is ${kind})` },
    { kind: "requiredWhen", key: "changes", when: "type", equals: "incremental", message: "incremental needs a changes: section", hint: "e.g. changes: { touch: 100, delete: 10, add: 10, add_size: 4KiB }" },
    { kind: "needs", key: "candidate", needs: ["baseline"], message: "needs a baseline to be compared with", hint: "add baseline: <tool>" },
    { kind: "needs", key: "sweep", needs: ["workload", "files"], message: "applies to a workload with files: (one group)", hint: "move the swept group into workload.files, or write one scenario per group" },
  ],
};

const hostWorkspace = "^(?!.*(^|/)\\.\\.(/|$))/[A-Za-z0-9_.-][A-Za-z0-9_./-]*$";
const host: Shape = {
  kind: "map",
  what: (p) => `host "${p[1]}"`,
  required: ["ssh"],
  keys: {
    ssh: { kind: "string", minLength: 1, patterns: [{ source: "^[^\\s-]\\S*$", message: (v) => `"${v}" is not an ssh destination`, hint: "write user@host, host or an ssh_config alias (no spaces, not starting with -)" }], description: "user@host, host or an ssh_config alias" },
    port: { kind: "int", min: 1, max: 65535, description: "ssh port" },
    identity: { kind: "string", minLength: 1, description: "private key file (~ expands; relative to this file)" },
    sudo: bool("the cache drop needs sudo -n (a NOPASSWD rule)"),
    workspace: {
      kind: "string",
      patterns: [{ source: hostWorkspace, message: (v) => `"${v}" must be an absolute path of letters, digits and _ . / - (not /, no .. step)`, hint: `e.g. workspace: ${REMOTE_DEFAULTS.hostWorkspace}` }],
      description: `folder mirrorbench owns on the host (default ${REMOTE_DEFAULTS.hostWorkspace})`,
    },
    ssh_config: { kind: "string", minLength: 1, description: "an ssh_config file for ssh -F" },
  },
};

export const SHAPE: Shape = {
  kind: "map",
  what: "the config file",
  required: ["tools", "scenarios"],
  keys: {
    version: { kind: "const", value: 1, message: (v) => (Number.isInteger(v) ? `unsupported config version ${v}` : `must be a whole number, got ${got(v)}`) },
    workspace: { kind: "string", minLength: 1, description: "folder mirrorbench owns (marker file .mirrorbench); BENCH_ROOT overrides" },
    keep_workspace: bool("keep the workspace (and cached datasets) on exit; KEEP_BENCH_DIR overrides"),
    results_dir: { kind: "string", minLength: 1, description: "results JSON folder, relative to this file" },
    keep_results: int(1, "keep only the newest N results per host"),
    diagnose: { kind: "anyOf", description: "after the measured runs, run strace, perf and memory growth on: off (default), on-fail (every scenario whose gate did not pass; true means this), all (every gated scenario); --diagnose overrides", options: [{ kind: "enum", values: ["off", "on-fail", "all"] }, { kind: "bool" }], message: (v) => `must be one of off, on-fail, all (got ${got(v)})` },
    defaults: { kind: "map", what: "defaults", keys: { runs: int(1), warmup: int(0), timeout: duration, cache, verify, thresholds, settle, durable, gate, gate_on: gateOn, state } },
    tools: { kind: "record", what: "tools", values: tool, keyPattern: { source: NAME, message: nameMessage("tool name ") }, message: () => "must be a mapping of tool name to its definition" },
    scenarios: { kind: "list", items: scenario, minItems: 1, hint: "add at least one scenario with a name, a workload and tools", message: () => "must be a non-empty list" },
    hosts: { kind: "record", what: "hosts", values: host, keyPattern: { source: NAME, message: nameMessage("host name ") }, message: () => "must be a mapping of host name to its ssh connection", description: "machines reached over OpenSSH" },
    run_on: nameOrNames("run the config on these hosts (a fleet run; --hosts overrides)"),
    preflight,
  },
};

/** The keys a map of the shape knows (unknown-key errors list them; the schema test compares them). */
export function knownKeys(s: Shape): string[] {
  return s.kind === "map" ? Object.keys(s.keys) : [];
}
