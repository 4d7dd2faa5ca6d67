import { describe, expect, test } from "bun:test";
import Ajv from "ajv";
import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";
import { parseConfig } from "../lib/config/load";
import { SCHEMA_FILE, schemaText } from "../lib/config/schema";
import { BenchError } from "../lib/errors";

// The loader and the JSON Schema say the same about every value: a corpus of mutated configs, each judged by
// parseConfig and by ajv (an independent validator) on the same document. Both come from lib/config/shape.ts.

const ROOT = path.join(import.meta.dir, "..");
const FILE = "/tmp/mb-agree/bench.config.yaml";
// Union types and `required` inside if/then are valid draft-07; ajv's strict mode only lints their style.
const validate = new Ajv({ strict: false }).compile(JSON.parse(fs.readFileSync(path.join(ROOT, SCHEMA_FILE), "utf8")));

const BASE = {
  version: 1,
  workspace: "/tmp/mb-agree-ws",
  results_dir: "results",
  defaults: { runs: 3, warmup: 1, timeout: "10m", cache: "drop", verify: true, thresholds: { max_time_ratio: 1.05, max_memory_ratio: 1.1 } },
  tools: {
    cp: { argv: ["cp", "-a", "{src}/.", "{dst}/"] },
    rsync: { argv: ["rsync", "-a", "{src}/", "{dst}/"], requires: ["rsync"] },
  },
  scenarios: [
    { name: "small", workload: { files: { count: 100, size: "1KiB..10KiB", per_dir: 10, depth: 1 } }, tools: ["cp", "rsync"], baseline: "rsync" },
    { name: "inc", type: "incremental", workload: { files: { count: 100, size: "1KiB" } }, changes: { touch: 5, delete: 1, add: 2, add_size: "4KiB", rename: 1 }, tools: ["cp"] },
  ],
};

type Config = any;
const loaderAccepts = (text: string): true | string => {
  try {
    parseConfig(text, FILE, { env: {}, machine: null, platform: "linux" });
    return true;
  } catch (e) {
    if (e instanceof BenchError) return e.format();
    throw e;
  }
};
const schemaAccepts = (text: string) => validate(YAML.parse(text, { merge: true }));

function mutated(mutate: (c: Config) => void): string {
  const c = structuredClone(BASE) as Config;
  mutate(c);
  return YAML.stringify(c);
}
const s0 = (c: Config) => c.scenarios[0];
const g0 = (c: Config) => c.scenarios[0].workload.files;
const ch = (c: Config) => c.scenarios[1].changes;

/** [what, mutation, valid?] — valid or invalid for both the loader and the schema. */
const CORPUS: [string, (c: Config) => void, boolean][] = [
  ["the base config", () => {}, true],
  ["add_size 4KIB (units in any case)", (c) => (ch(c).add_size = "4KIB"), true],
  ["add_size 4kib", (c) => (ch(c).add_size = "4kib"), true],
  ["add_size 4 KiB (a space before the unit)", (c) => (ch(c).add_size = "4 KiB"), true],
  ["size 1.5k", (c) => (g0(c).size = "1.5k"), true],
  ["size 4096 as a number", (c) => (g0(c).size = 4096), true],
  ["size 10MB (decimal units)", (c) => (g0(c).size = "10MB"), true],
  ["timeout 250ms", (c) => (c.defaults.timeout = "250ms"), true],
  ["timeout 30 (seconds)", (c) => (c.defaults.timeout = 30), true],
  ["timeout 1.5", (c) => (c.defaults.timeout = 1.5), true],
  ["success_codes as a range", (c) => (c.tools.cp.success_codes = ["0..7", 16]), true],
  ["success_codes as one code", (c) => (c.tools.cp.success_codes = 0), true],
  ["verify as a mapping", (c) => (c.defaults.verify = { mode: true, mtime: true }), true],
  ["version: false", (c) => (c.tools.cp.version = false), true],
  ["requires as one string", (c) => (c.tools.rsync.requires = "rsync"), true],
  ["a shell tool with one command string", (c) => (c.tools.cp = { shell: true, argv: "cp -a {src}/. {dst}/" }), true],
  ["a sweep over sizes", (c) => (s0(c).sweep = { size: ["1KiB", "2KiB..4KiB"] }), true],
  ["env values of every scalar type", (c) => (c.tools.cp.env = { A: "x", B: 1, C: true }), true],
  ["a tool only in platform variants", (c) => (c.tools.cp = { linux: { argv: ["cp", "{src}", "{dst}"] } }), true],
  ["an empty description", (c) => (s0(c).description = ""), true],
  ["hosts with every key, and run_on", (c) => Object.assign(c, { hosts: { nas: { ssh: "bench@nas.local", port: 2222, identity: "/k/bench", sudo: true, workspace: "/srv/mb", ssh_config: "/k/cfg" } }, run_on: ["nas"] }), true],
  ["run_on as one name", (c) => Object.assign(c, { hosts: { nas: { ssh: "nas" } }, run_on: "nas" }), true],
  ["require_clean_build: true", (c) => (c.tools.cp.require_clean_build = true), true],
  ["a destination on a host, and a tool's daemon with every key", (c) => { c.hosts = { nas: { ssh: "nas" } }; s0(c).destination = { host: "nas" }; c.tools.rsync.daemon = { host: "nas", argv: ["rsync", "--daemon", "--config", "{state}/rsyncd.conf"], ready: { tcp: 8730 }, per: "scenario", env: { A: "{dst}", B: 1 } }; }, true],
  ["a source on a host, a daemon ready by its log", (c) => { c.hosts = { nas: { ssh: "nas" } }; s0(c).source = { host: "nas" }; c.tools.rsync.daemon = { host: "nas", argv: ["d"], ready: { log: "ready" } }; }, true],
  ["unknown top-level key", (c) => (c.worksapce = "/tmp/x"), false],
  ["unknown scenario key", (c) => (s0(c).runz = 3), false],
  ["unknown group key", (c) => (g0(c).sise = "1KiB"), false],
  ["unknown key in a tool's platform variant", (c) => (c.tools.cp.linux = { argv: ["cp", "{src}", "{dst}"], env2: {} }), false],
  ["runs: five", (c) => (c.defaults.runs = "five"), false],
  ["runs: 0", (c) => (c.defaults.runs = 0), false],
  ["runs: -1 in a scenario", (c) => (s0(c).runs = -1), false],
  ["warmup: 1.5", (c) => (c.defaults.warmup = 1.5), false],
  ["cache: cold", (c) => (c.defaults.cache = "cold"), false],
  ["type: mirror", (c) => (s0(c).type = "mirror"), false],
  ["content: text", (c) => (g0(c).content = "text"), false],
  ["distribution: normal", (c) => (g0(c).distribution = "normal"), false],
  ["count: 0", (c) => (g0(c).count = 0), false],
  ["count: 1.5", (c) => (g0(c).count = 1.5), false],
  ["count past 2^53", (c) => (g0(c).count = 1e30), false],
  ["per_dir: 0", (c) => (g0(c).per_dir = 0), false],
  ["depth: -1", (c) => (g0(c).depth = -1), false],
  ["seed: -1", (c) => (s0(c).workload.seed = -1), false],
  ["extras with a negative count", (c) => (s0(c).workload.extras = { symlinks: -1 }), false],
  ["size: 10 bananas", (c) => (g0(c).size = "10 bananas"), false],
  ["size: 4Ki (no such unit)", (c) => (g0(c).size = "4Ki"), false],
  ["size: -4KiB", (c) => (g0(c).size = "-4KiB"), false],
  ["size: 1.5 as a number (not whole bytes)", (c) => (g0(c).size = 1.5), false],
  ["add_size: 4KiBB", (c) => (ch(c).add_size = "4KiBB"), false],
  ["timeout: 0s", (c) => (c.defaults.timeout = "0s"), false],
  ["timeout: 0", (c) => (c.defaults.timeout = 0), false],
  ["timeout: -5", (c) => (c.defaults.timeout = -5), false],
  ["timeout: 10 minutes", (c) => (c.defaults.timeout = "10 minutes"), false],
  ["timeout: 1H (units are lower case)", (c) => (c.defaults.timeout = "1H"), false],
  ["max_time_ratio below 1", (c) => (c.defaults.thresholds.max_time_ratio = 0.95), false],
  ["max_memory_ratio as a string", (c) => (c.defaults.thresholds.max_memory_ratio = "1.1"), false],
  ["require_significance: yes (a string)", (c) => (c.defaults.thresholds.require_significance = "yes"), false],
  ["verify: yes (a string)", (c) => (c.defaults.verify = "yes"), false],
  ["verify.mtime: 1", (c) => (c.defaults.verify = { mtime: 1 }), false],
  ["success_codes: [-1]", (c) => (c.tools.cp.success_codes = [-1]), false],
  ["success_codes: []", (c) => (c.tools.cp.success_codes = []), false],
  ["success_codes: [zero]", (c) => (c.tools.cp.success_codes = ["zero"]), false],
  ["an env value that is a list", (c) => (c.tools.cp.env = { A: [1] }), false],
  ["an env value that is null", (c) => (c.tools.cp.env = { A: null }), false],
  ["label: empty", (c) => (c.tools.cp.label = ""), false],
  ["label: 5", (c) => (c.tools.cp.label = 5), false],
  ["workspace: empty", (c) => (c.workspace = ""), false],
  ["results_dir: 5", (c) => (c.results_dir = 5), false],
  ["keep_results: 0", (c) => (c.keep_results = 0), false],
  ["keep_workspace: no (a string)", (c) => (c.keep_workspace = "no"), false],
  ["version: 2", (c) => (c.version = 2), false],
  ["a scenario with tools: []", (c) => (s0(c).tools = []), false],
  ["a scenario naming a tool with a number", (c) => (s0(c).tools = ["cp", 1]), false],
  ["a scenario name with a space", (c) => (s0(c).name = "small files"), false],
  ["a tool name with a space", (c) => (c.tools["cp tool"] = c.tools.cp), false],
  ["a group name that climbs out (../x)", (c) => (g0(c).name = "../x"), false],
  ["a group name with a slash", (c) => (g0(c).name = "a/b"), false],
  ["both files and groups", (c) => (s0(c).workload.groups = [{ count: 1, size: 1 }]), false],
  ["neither files nor groups", (c) => delete s0(c).workload.files, false],
  ["groups: []", (c) => (s0(c).workload = { groups: [] }), false],
  ["compress_ratio without content: compressible", (c) => (g0(c).compress_ratio = 3), false],
  ["compress_ratio below 1", (c) => Object.assign(g0(c), { content: "compressible", compress_ratio: 0.5 }), false],
  ["changes on a copy scenario", (c) => (s0(c).changes = { touch: 1 }), false],
  ["type: incremental without changes", (c) => delete c.scenarios[1].changes, false],
  ["a candidate without a baseline", (c) => Object.assign(s0(c), { baseline: undefined, candidate: "cp" }), false],
  ["a sweep on a workload of groups", (c) => Object.assign(s0(c), { workload: { groups: [{ count: 1, size: 1 }] }, sweep: { count: [1, 2] } }), false],
  ["a sweep count of 0", (c) => (s0(c).sweep = { count: [0] }), false],
  ["a sweep size of big", (c) => (s0(c).sweep = { size: ["big"] }), false],
  ["an empty sweep list", (c) => (s0(c).sweep = { size: [] }), false],
  ["argv without {src}", (c) => (c.tools.cp.argv = ["cp", "-a", "x", "{dst}/"]), false],
  ["argv without {dst}", (c) => (c.tools.cp.argv = ["cp", "-a", "{src}/."]), false],
  ["argv: []", (c) => (c.tools.cp.argv = []), false],
  ["argv with a boolean in it", (c) => (c.tools.cp.argv = ["cp", true, "{src}", "{dst}"]), false],
  ["a tool without argv", (c) => (c.tools.cp = { label: "cp" }), false],
  ["version: true", (c) => (c.tools.cp.version = true), false],
  ["requires: []", (c) => (c.tools.rsync.requires = []), false],
  ["scenarios: []", (c) => (c.scenarios = []), false],
  ["a scenario without a name", (c) => delete s0(c).name, false],
  ["a scenario without a workload", (c) => delete s0(c).workload, false],
  ["a group without a size", (c) => delete g0(c).size, false],
  ["a group without a count", (c) => delete g0(c).count, false],
  ["a description that is a number", (c) => (s0(c).description = 5), false],
  ["no tools section", (c) => delete c.tools, false],
  ["diagnose: on-fail", (c) => (c.diagnose = "on-fail"), true],
  ["diagnose: true (means on-fail)", (c) => (c.diagnose = true), true],
  ["diagnose: sometimes", (c) => (c.diagnose = "sometimes"), false],
  ["diagnose: 1", (c) => (c.diagnose = 1), false],
  ["call_graph: dwarf", (c) => (c.tools.cp.call_graph = "dwarf"), true],
  ["call_graph: lbr", (c) => (c.tools.cp.call_graph = "lbr"), false],
  ["memory_scaling with three counts", (c) => (s0(c).memory_scaling = { counts: [10, 50, 100] }), true],
  ["memory_scaling with two counts", (c) => (s0(c).memory_scaling = { counts: [10, 100] }), false],
  ["memory_scaling without counts", (c) => (s0(c).memory_scaling = {}), false],
  ["memory_scaling with a zero count", (c) => (s0(c).memory_scaling = { counts: [0, 10, 100] }), false],
  ["memory_scaling with an unknown key", (c) => (s0(c).memory_scaling = { counts: [10, 50, 100], repeats: 3 }), false],
  ["a host without ssh", (c) => (c.hosts = { nas: { port: 22 } }), false],
  ["a destination without host", (c) => { c.hosts = { nas: { ssh: "nas" } }; s0(c).destination = {}; }, false],
  ["a destination with an unknown key", (c) => { c.hosts = { nas: { ssh: "nas" } }; s0(c).destination = { host: "nas", path: "/x" }; }, false],
  ["a daemon without ready", (c) => { c.hosts = { nas: { ssh: "nas" } }; c.tools.rsync.daemon = { host: "nas", argv: ["d"] }; }, false],
  ["a daemon ready by tcp and log", (c) => { c.hosts = { nas: { ssh: "nas" } }; c.tools.rsync.daemon = { host: "nas", argv: ["d"], ready: { tcp: 1, log: "x" } }; }, false],
  ["a daemon tcp port of 0", (c) => { c.hosts = { nas: { ssh: "nas" } }; c.tools.rsync.daemon = { host: "nas", argv: ["d"], ready: { tcp: 0 } }; }, false],
  ["a daemon per of arm", (c) => { c.hosts = { nas: { ssh: "nas" } }; c.tools.rsync.daemon = { host: "nas", argv: ["d"], ready: { tcp: 1 }, per: "arm" }; }, false],
  ["a host port of 0", (c) => (c.hosts = { nas: { ssh: "nas", port: 0 } }), false],
  ["a host port of 65536", (c) => (c.hosts = { nas: { ssh: "nas", port: 65536 } }), false],
  ["a host workspace that is relative", (c) => (c.hosts = { nas: { ssh: "nas", workspace: "mb" } }), false],
  ["a host workspace with a .. step", (c) => (c.hosts = { nas: { ssh: "nas", workspace: "/srv/../etc" } }), false],
  ["an unknown host key", (c) => (c.hosts = { nas: { ssh: "nas", user: "bench" } }), false],
  ["an ssh destination starting with -", (c) => (c.hosts = { nas: { ssh: "-oProxyCommand=x" } }), false],
  ["a host name with a space", (c) => (c.hosts = { "my nas": { ssh: "nas" } }), false],
  ["require_clean_build: yes (a string)", (c) => (c.tools.cp.require_clean_build = "yes"), false],
  ["run_on: []", (c) => Object.assign(c, { hosts: { nas: { ssh: "nas" } }, run_on: [] }), false],
  ["settle: sync", (c) => (s0(c).settle = "sync"), true],
  ["settle: true", (c) => (s0(c).settle = true), true],
  ["settle: false in defaults", (c) => (c.defaults.settle = false), true],
  ["settle: { drain_mib_s: 2, quiet_samples: 3, max_wait: 30s }", (c) => (s0(c).settle = { drain_mib_s: 2, quiet_samples: 3, max_wait: "30s" }), true],
  ["settle: drain", (c) => (s0(c).settle = "drain"), false],
  ["settle with drain_mib_s: 0", (c) => (s0(c).settle = { drain_mib_s: 0 }), false],
  ["settle with quiet_samples: 0", (c) => (s0(c).settle = { quiet_samples: 0 }), false],
  ["settle with an unknown key", (c) => (s0(c).settle = { drain: 2 }), false],
  ["durable: true on a scenario", (c) => (s0(c).durable = true), true],
  ["durable: yes (a string) on a tool", (c) => (c.tools.cp.durable = "yes"), false],
  ["gate: paired with runs: 6", (c) => Object.assign(s0(c), { gate: "paired", runs: 6 }), true],
  ["gate: median", (c) => (s0(c).gate = "median"), false],
  ["gate_on: returned", (c) => (s0(c).gate_on = "returned"), true],
  ["gate_on: wall", (c) => (s0(c).gate_on = "wall"), false],
  ["state: shared on a tool", (c) => (c.tools.cp.state = "shared"), true],
  ["state: kept", (c) => (s0(c).state = "kept"), false],
  ["stats: rsync on a tool", (c) => (c.tools.rsync.stats = "rsync"), true],
  ["stats: xml", (c) => (c.tools.rsync.stats = "xml"), false],
  ["control: true with a baseline", (c) => (s0(c).control = true), true],
  ["control: 1", (c) => (s0(c).control = 1), false],
  ["verify: { links: true, xattrs: false, sparse: true, owner: false, clone: true }", (c) => (s0(c).verify = { links: true, xattrs: false, sparse: true, owner: false, clone: true }), true],
  ["verify: { links: maybe }", (c) => (s0(c).verify = { links: "maybe" }), false],
  ["preflight: false", (c) => (c.preflight = false), true],
  ["preflight: { max_load: 4, forbid_processes: [cargo, make] }", (c) => (c.preflight = { max_load: 4, forbid_processes: ["cargo", "make"] }), true],
  ["preflight: { forbid_processes: [] }", (c) => (c.preflight = { forbid_processes: [] }), true],
  ["preflight with max_load: -1", (c) => (c.preflight = { max_load: -1 }), false],
  ["preflight with an unknown key", (c) => (c.preflight = { max_load: 1, timer: false }), false],
  ["argv with {state} and {run}", (c) => (c.tools.cp.argv = ["cp", "-a", "{src}/.", "{dst}/", "--tag={run}", "{state}"]), true],
];

describe("the loader and the JSON Schema agree on every accepted and rejected value", () => {
  test(`the corpus holds ${CORPUS.length} configs, ${CORPUS.filter((x) => !x[2]).length} of them invalid`, () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(36);
    expect(CORPUS.filter((x) => !x[2]).length).toBeGreaterThanOrEqual(36);
  });
  for (const [what, mutate, valid] of CORPUS) {
    test(`${valid ? "accepted" : "rejected"} by both: ${what}`, () => {
      const text = mutated(mutate);
      const loader = loaderAccepts(text);
      expect({ loader: loader === true ? "accepts" : "rejects", schema: schemaAccepts(text) ? "accepts" : "rejects" }).toEqual(
        valid ? { loader: "accepts", schema: "accepts" } : { loader: "rejects", schema: "rejects" },
      );
      if (loader !== true) expect(loader).toMatch(/^error: \/tmp\/mb-agree\/bench\.config\.yaml:\d+:\d+: /);
    });
  }
});

/** What only the loader can say: names that must exist elsewhere in the file, ranges read low..high, arithmetic on the workload. */
const LOADER_ONLY: [string, (c: Config) => void, RegExp][] = [
  ["a scenario naming an undefined tool", (c) => (s0(c).tools = ["cp", "robocopy"]), /unknown tool "robocopy"/],
  ["a baseline that is not one of the scenario's tools", (c) => (c.scenarios[1].baseline = "rsync"), /not one of this scenario's tools/],
  ["gate: paired with runs: 3 (fewer than 6 rounds)", (c) => (s0(c).gate = "paired"), /paired gate needs at least 6 rounds.*defaults\.runs gives 3/],
  ["gate_on: durable without durable: true", (c) => (s0(c).gate_on = "durable"), /gate_on: durable, but rsync, cp have no durable time/],
  ["control: true without a baseline", (c) => (c.scenarios[1].control = true), /control.*needs a baseline/],
  ["a tool listed twice", (c) => (s0(c).tools = ["cp", "cp"]), /lists a tool twice/],
  ["two scenarios with one name", (c) => (c.scenarios[1].name = "small"), /duplicate scenario name/],
  ["a reversed size range", (c) => (g0(c).size = "10KiB..1KiB"), /reversed/],
  ["a reversed exit-code range", (c) => (c.tools.cp.success_codes = ["7..0"]), /reversed/],
  ["one command string without shell: true", (c) => (c.tools.cp.argv = "cp -a {src}/. {dst}/"), /non-empty list of strings/],
  ["a depth that cannot hold the count", (c) => Object.assign(g0(c), { per_dir: 2, depth: 1 }), /holds at most 4 files/],
  ["more changes than files", (c) => (ch(c).touch = 500), /workload has only 100/],
  ["the reserved group name _extras", (c) => (g0(c).name = "_extras"), /reserved/],
  ["the file system root as workspace", (c) => (c.workspace = "/"), /file system root/],
  ["a run_on host that hosts: does not declare", (c) => Object.assign(c, { hosts: { nas: { ssh: "nas" } }, run_on: ["mac"] }), /host "mac" is not declared/],
];

describe("rules only the loader can check, because JSON Schema cannot say them", () => {
  for (const [what, mutate, message] of LOADER_ONLY) {
    test(`the loader refuses ${what}; the schema lets it through`, () => {
      const text = mutated(mutate);
      expect(loaderAccepts(text)).toMatch(message);
      expect(schemaAccepts(text)).toBe(true);
    });
  }
});

describe("YAML anchors, aliases and merge keys", () => {
  const head = `tools:\n  cp: &copy { argv: [cp, -a, "{src}/.", "{dst}/"] }\n  cp2: *copy\n`;
  test("tools: *both reuses an anchored list, for the loader as for the schema", () => {
    const text = `${head}scenarios:\n  - name: a\n    workload: &w { files: { count: 1, size: 1KiB } }\n    tools: &both [cp, cp2]\n  - name: b\n    workload: *w\n    tools: *both\n`;
    expect(loaderAccepts(text)).toBe(true);
    expect(schemaAccepts(text)).toBe(true);
    const c = parseConfig(text, FILE, { env: {}, machine: null });
    expect(c.scenarios[1]!.tools).toEqual(["cp", "cp2"]);
    expect(c.tools.cp2!.argv).toEqual(["cp", "-a", "{src}/.", "{dst}/"]);
  });

  test("<<: *defaults merges a scenario's settings; its own keys win", () => {
    const text = `${head}scenarios:\n  - &base\n    name: a\n    runs: 7\n    workload: { files: { count: 1, size: 1KiB } }\n    tools: [cp]\n  - <<: *base\n    name: b\n    warmup: 0\n`;
    expect(loaderAccepts(text)).toBe(true);
    expect(schemaAccepts(text)).toBe(true);
    const c = parseConfig(text, FILE, { env: {}, machine: null });
    expect(c.scenarios.map((s) => [s.name, s.runs, s.warmup])).toEqual([["a", 7, 1], ["b", 7, 0]]);
  });

  test("an error inside an aliased value is located at the anchor's line, with the key of the use", () => {
    const text = `${head}scenarios:\n  - name: a\n    workload: &w { files: { count: 1, size: 1KiB } }\n    tools: [cp]\n  - name: b\n    workload: { files: *w }\n    tools: [cp]\n`;
    expect(schemaAccepts(text)).toBe(false);
    const err = loaderAccepts(text);
    expect(err).toStartWith(`error: ${FILE}:6:`);
    expect(err).toContain('scenarios[1].workload.files.files: unknown key "files" in a file group');
  });

  test("an unknown key brought in by a merge is refused by both, at the anchored map's line", () => {
    const text = `${head}scenarios:\n  - &base { name: a, runz: 3, workload: { files: { count: 1, size: 1KiB } }, tools: [cp] }\n  - <<: *base\n    name: b\n`;
    expect(schemaAccepts(text)).toBe(false);
    const err = loaderAccepts(text);
    expect(err).toStartWith(`error: ${FILE}:5:`);
    expect(err).toContain('unknown key "runz" in a scenario');
  });
});

test("lib/config.schema.json is the text generated from the shape (bun run schema writes it)", () => {
  expect(fs.readFileSync(path.join(ROOT, SCHEMA_FILE), "utf8")).toBe(schemaText());
});
