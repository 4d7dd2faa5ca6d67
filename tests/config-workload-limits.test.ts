import { describe, expect, test } from "bun:test";
import { parseConfig } from "../lib/config/load";
import { datasetTotals } from "../lib/datasets/totals";
import { DEFAULTS } from "../lib/defaults";
import { BenchError } from "../lib/errors";
import type { Machine } from "../lib/platform/machine";
import { benchErrorOf } from "./helpers";

const MiB = 1024 * 1024;
const GiB = 1024 ** 3;
const TiB = 1024 ** 4;
/** A machine with plenty of everything unless a test says otherwise: the limits are arithmetic, not this VM's disk. */
const machine = (o: { memBytes?: number; freeBytes?: number; freeFiles?: number | null } = {}): Machine => ({
  totalMemBytes: o.memBytes ?? 64 * GiB,
  space: (p) => ({ dir: "/fake", freeBytes: o.freeBytes ?? 100 * TiB, freeFiles: o.freeFiles ?? null }),
});

const head = `version: 1
workspace: /tmp/mb-limits-never-created
tools:
  cp: { argv: [cp, -a, "{src}/.", "{dst}/"] }
scenarios:
  - name: s
    tools: [cp]
`;

function lineOf(text: string, needle: string): number {
  const i = text.split("\n").findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`no line contains ${needle}`);
  return i + 1;
}

function configError(text: string, m: Machine = machine()): BenchError {
  return benchErrorOf(() => parseConfig(text, "w.yaml", { env: {}, machine: m }));
}

describe("impossible workloads are config errors, by arithmetic", () => {
  test("a count of 10^12 files is refused at the count's line", () => {
    const text = `${head}    workload:\n      files:\n        count: 1000000000000\n        size: 1KiB\n`;
    const e = configError(text);
    expect(e.file).toBe("w.yaml");
    expect(e.line).toBe(lineOf(text, "count: 1000000000000"));
    expect(e.key).toBe("scenarios[0].workload.files.count");
    expect(e.message).toContain("1,000,000,000,000 files is more than one dataset can hold");
  });

  test("a plan larger than the machine's memory is refused, with the measured cost per entry", () => {
    const text = `${head}    workload:\n      files: { count: 2000000, size: 1 }\n`;
    const e = configError(text, machine({ memBytes: 64 * MiB }));
    expect(e.line).toBe(lineOf(text, "count: 2000000"));
    expect(e.key).toBe("scenarios[0].workload.files.count");
    expect(e.message).toContain(`${DEFAULTS.planBytesPerFile} bytes per entry`);
    expect(e.message).toContain("more than this machine's 64.0 MiB");
    // The same workload fits a machine with enough memory.
    expect(() => parseConfig(text, "w.yaml", { env: {}, machine: machine({ memBytes: 64 * GiB }) })).not.toThrow();
  });

  test("long names raise the memory a plan needs", () => {
    const text = (names: string) => `${head}    workload:\n      files: { count: 1000000, size: 1, names: ${names} }\n`;
    const m = machine({ memBytes: 256 * MiB });
    expect(() => parseConfig(text("short"), "w.yaml", { env: {}, machine: m })).not.toThrow();
    expect(configError(text("long"), m).message).toContain("per byte of its path");
  });

  test("900 TiB on a disk with 1 TiB free is refused at the workload, naming the free space", () => {
    const text = `${head}    workload:\n      files: { count: 900, size: 1TiB }\n`;
    const e = configError(text, machine({ freeBytes: 1 * TiB }));
    expect(e.line).toBe(lineOf(text, "files:"));
    expect(e.key).toBe("scenarios[0].workload.files");
    expect(e.message).toContain("needs at least 1800.0 TiB (the dataset and one copy of it; 900.0 TiB each at the smallest sizes)");
    expect(e.message).toContain("has 1.0 TiB free");
  });

  test("the minimal total uses each group's smallest size: a range that could fit is not refused", () => {
    const text = `${head}    workload:\n      files: { count: 1000, size: 1KiB..1GiB }\n`;
    expect(() => parseConfig(text, "w.yaml", { env: {}, machine: machine({ freeBytes: 10 * 1024 * 1024 }) })).not.toThrow();
  });

  test("more entries than free inodes is refused", () => {
    const text = `${head}    workload:\n      files: { count: 5000, size: 1 }\n`;
    expect(configError(text, machine({ freeFiles: 1000 })).message).toMatch(/needs at least [\d,]+ inodes/);
  });

  test("a swept count that is impossible points at that sweep value", () => {
    const text = `${head}    workload:\n      files: { count: 1, size: 1KiB }\n    sweep:\n      count:\n        - 10\n        - 9000000000000\n`;
    const e = configError(text);
    expect(e.line).toBe(lineOf(text, "- 9000000000000"));
    expect(e.key).toBe("scenarios[0].sweep.count[1]");
    expect(e.message).toStartWith("s[count=9000000000000]: ");
  });

  test("a count beyond 2^53 (YAML reads 1e30 as a whole number) is refused", () => {
    const text = `${head}    workload:\n      files: { count: 1e30, size: 1 }\n`;
    const e = configError(text);
    expect(e.key).toBe("scenarios[0].workload.files.count");
    expect(e.message).toContain("too large to count exactly");
  });

  test("paths longer than PATH_MAX under a long workspace path are refused at the names", () => {
    // 14 × 251 bytes of workspace path, then ~1 KiB of "deep" names inside the tree.
    const ws = "/tmp" + ("/" + "w".repeat(250)).repeat(14);
    const text = `${head.replace("/tmp/mb-limits-never-created", ws)}    workload:\n      files: { count: 10, size: 1, names: deep }\n`;
    const e = configError(text);
    expect(e.key).toBe("scenarios[0].workload.files.names");
    expect(e.message).toContain(`PATH_MAX is ${DEFAULTS.pathMaxBytes}`);
  });
});

describe("totals never loop over absurd counts", () => {
  const spec = (count: number, minBytes: number, maxBytes: number) => ({
    seed: 1,
    groups: [{ name: "g", count, minBytes, maxBytes, distribution: "uniform" as const, perDir: 1000, depth: 0, content: "random" as const, compressRatio: 2, names: "short" as const }],
    extras: { emptyDirs: 0, symlinks: 0, hardlinks: 0, executables: 0, oldMtimes: 0 },
  });
  test("a fixed size is counted by multiplication, exactly, even for 10^12 files", () => {
    expect(datasetTotals(spec(1e12, 1024, 1024))).toEqual({ files: 1e12, bytes: 1024e12 });
  });
  test("a size range over more files than any plan could hold is refused instead of drawn one by one", () => {
    expect(() => datasetTotals(spec(1e12, 1, 1024))).toThrow("more than a plan could hold");
  });
});

test("report and compare read a config without the machine checks: a full disk never stops a report", () => {
  const text = `${head}    workload:\n      files: { count: 900, size: 1TiB }\n`;
  expect(() => parseConfig(text, "w.yaml", { env: {}, machine: machine({ freeBytes: 0 }) })).toThrow("needs at least");
  expect(parseConfig(text, "w.yaml", { env: {}, machine: null }).scenarios[0]!.workload.dataset.groups[0]!.count).toBe(900);
});
