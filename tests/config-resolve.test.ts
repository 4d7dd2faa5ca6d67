import { expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { envOverrides, expandEnv, KNOWN, parseConfig } from "../lib/config/load";
import { loadConfig } from "../lib/config/load";

const ROOT = path.join(import.meta.dir, "..");

test("the default config resolves with named defaults filled in", () => {
  const c = loadConfig(path.join(ROOT, "bench.config.yaml"), { env: {} });
  expect(c.scenarios.map((s) => s.name)).toEqual(["large-file", "small-files", "mixed"]);
  const large = c.scenarios[0]!;
  expect(large.runs).toBe(5);
  expect(large.warmup).toBe(1);
  expect(large.thresholds.maxTimeRatio).toBe(1.05);
  expect(large.thresholds.maxMemoryRatio).toBe(1.1);
  expect(large.workload.dataset.groups[0]!.minBytes).toBe(256 * 1024 * 1024);
  expect(c.resultsDir).toBe(path.join(ROOT, "results"));
});

test("the Phase 2.5 config holds the user's full suite", () => {
  const c = loadConfig(path.join(ROOT, "scripts/configs/phase-2.5.yaml"), { env: {} });
  const [large, small, mixed] = c.scenarios;
  expect(large!.workload.dataset.groups[0]!.minBytes).toBe(4 * 1024 ** 3);
  expect(small!.workload.dataset.groups[0]).toMatchObject({ count: 100000, minBytes: 1024, maxBytes: 10240 });
  expect(mixed!.workload.dataset.groups.map((g) => [g.count, g.minBytes, g.maxBytes])).toEqual([
    [10, 100 * 1048576, 100 * 1048576],
    [1000, 1024, 100 * 1024],
  ]);
  expect(large!.baseline).toEqual(["blit-v1", "robocopy", "rsync"]);
  expect(c.tools.robocopy!.argv).toEqual([]); // no Linux variant: unavailable here, never a crash
});

test("the old script's environment knobs override the file", () => {
  const ov = envOverrides({ RUNS: "3", WARMUP: "0", SIZE_MB: "16", KEEP_BENCH_DIR: "0", BENCH_ROOT: "/tmp/x" });
  const c = loadConfig(path.join(ROOT, "bench.config.yaml"), { env: {}, overrides: ov });
  expect(c.scenarios.every((s) => s.runs === 3 && s.warmup === 0)).toBe(true);
  expect(c.scenarios[0]!.workload.dataset.groups[0]!.minBytes).toBe(16 * 1048576);
  expect(c.scenarios[1]!.workload.dataset.groups[0]!.minBytes).toBe(1024); // SIZE_MB only resizes single-file groups
  expect(c.keepWorkspace).toBe(false);
  expect(c.workspace).toBe("/tmp/x");
});

test("argv expands ${VAR:-default} from the environment", () => {
  expect(expandEnv("${BLIT_BIN:-blit}", {})).toBe("blit");
  expect(expandEnv("${BLIT_BIN:-blit}", { BLIT_BIN: "/opt/blit" })).toBe("/opt/blit");
});

test("robocopy-style success code ranges expand", () => {
  const c = parseConfig(
    `tools:\n  r:\n    argv: [robocopy, "{src}", "{dst}"]\n    success_codes: ["0..7", 16]\nscenarios:\n  - name: a\n    tools: [r]\n    workload: { files: { count: 1, size: 1KiB } }\n`,
    "x.yaml",
    { env: {} },
  );
  expect(c.tools.r!.successCodes).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 16]);
});

test("a sweep expands into one scenario per value", () => {
  const c = parseConfig(
    `tools:\n  cp:\n    argv: [cp, -a, "{src}/.", "{dst}/"]\nscenarios:\n  - name: scale\n    tools: [cp]\n    workload: { files: { count: 1, size: 1MiB } }\n    sweep: { size: [1MiB, 2MiB], count: [1, 3] }\n`,
    "x.yaml",
    { env: {} },
  );
  expect(c.scenarios.map((s) => s.name)).toEqual(["scale[size=1MiB,count=1]", "scale[size=1MiB,count=3]", "scale[size=2MiB,count=1]", "scale[size=2MiB,count=3]"]);
  expect(c.scenarios[3]!.workload.dataset.groups[0]).toMatchObject({ count: 3, minBytes: 2 * 1048576 });
  expect(c.scenarios[3]!.parameters).toEqual({ size: "2MiB", count: "3" });
});

test("the JSON Schema knows exactly the keys the loader knows", () => {
  const schema = JSON.parse(fs.readFileSync(path.join(ROOT, "lib/config.schema.json"), "utf8"));
  const keys = (o: any) => Object.keys(o.properties).sort();
  expect(keys(schema)).toEqual([...KNOWN.top].sort());
  expect(keys(schema.properties.defaults)).toEqual([...KNOWN.defaults].sort());
  expect(keys(schema.properties.scenarios.items)).toEqual([...KNOWN.scenario].sort());
  expect(keys(schema.definitions.group)).toEqual([...KNOWN.group].sort());
  expect(keys(schema.properties.tools.additionalProperties)).toEqual([...KNOWN.tool].sort());
  expect(keys(schema.definitions.thresholds)).toEqual([...KNOWN.thresholds].sort());
  expect(keys(schema.properties.scenarios.items.properties.changes)).toEqual([...KNOWN.changes].sort());
});

test("bench.config.yaml points editors at the schema", () => {
  const first = fs.readFileSync(path.join(ROOT, "bench.config.yaml"), "utf8").split("\n")[0];
  expect(first).toBe("# yaml-language-server: $schema=./lib/config.schema.json");
});
