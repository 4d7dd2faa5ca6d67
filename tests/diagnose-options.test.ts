import { describe, expect, test } from "bun:test";
import { BenchError } from "../lib/errors.ts";
import { normalizeDiagnoseFlag, parseDiagnoseMode, parseMemoryScaling, selectTargets } from "../lib/diagnose/options.ts";
import type { CandidateVerdict } from "../lib/types.ts";

const WHERE = { file: "bench.config.yaml", line: 12, key: "scenarios[1].memory_scaling" };

function thrown(f: () => unknown): BenchError {
  try {
    f();
  } catch (e) {
    if (e instanceof BenchError) return e;
    throw e;
  }
  throw new Error("did not throw");
}

const verdict = (candidate: string, v: CandidateVerdict["verdict"], reasons: string[] = []): CandidateVerdict => ({
  candidate, baseline: "rsync", verdict: v, timeRatio: null, memoryRatio: null, withinNoise: false, reasons,
});

describe("diagnose options", () => {
  test("diagnose: accepts off, on-fail, all and YAML booleans", () => {
    const w = { key: "diagnose" };
    expect(["off", "on-fail", "all", true, false].map((v) => parseDiagnoseMode(v, w))).toEqual(["off", "on-fail", "all", "on-fail", "off"]);
  });

  test("an unknown diagnose value names the key, the place and the choices", () => {
    const e = thrown(() => parseDiagnoseMode("always", { file: "b.yaml", line: 3, key: "diagnose" }));
    expect(e.format()).toStartWith('error: b.yaml:3: diagnose: must be one of off, on-fail, all (got "always")');
    expect(e.hint).toContain("on-fail");
  });

  test("--diagnose alone means on-fail and --diagnose all becomes one argument", () => {
    expect(normalizeDiagnoseFlag(["--diagnose", "--runs", "3"])).toEqual(["--diagnose=on-fail", "--runs", "3"]);
    expect(normalizeDiagnoseFlag(["--diagnose", "all", "x.yaml"])).toEqual(["--diagnose=all", "x.yaml"]);
    expect(normalizeDiagnoseFlag(["--diagnose=all"])).toEqual(["--diagnose=all"]);
  });

  test("memory_scaling counts are sorted and deduplicated", () => {
    expect(parseMemoryScaling({ counts: [100000, 1000, 10000, 1000] }, WHERE)).toEqual({ counts: [1000, 10000, 100000] });
  });

  test("memory_scaling with fewer than three counts says why three are needed", () => {
    const e = thrown(() => parseMemoryScaling({ counts: [1000, 10000] }, WHERE));
    expect(e.message).toContain("at least 3 different file counts");
    expect(e.line).toBe(12);
    expect(e.hint).toContain("counts: [1000, 10000, 100000]");
  });

  test("memory_scaling rejects a count that is not a whole positive number", () => {
    expect(thrown(() => parseMemoryScaling({ counts: [1000, "10k", 100000] }, WHERE)).message).toContain('"10k" is not a positive whole number');
    expect(thrown(() => parseMemoryScaling({ counts: [0, 10, 100] }, WHERE)).message).toContain("0 is not");
  });

  test("memory_scaling rejects unknown keys, listing the known one", () => {
    expect(thrown(() => parseMemoryScaling({ counts: [1, 2, 3], repeat: 2 }, WHERE)).message).toBe("unknown key repeat (known keys: counts)");
  });
});

describe("which scenarios are diagnosed", () => {
  const scenarios = [
    { name: "large", verdicts: [verdict("blit", "PASS")] },
    { name: "small", verdicts: [verdict("blit", "FAIL", ["time ratio 1.30 > 1.05"])] },
    { name: "mixed", verdicts: [verdict("blit", "UNDECIDED", ["2 of 5 runs failed"])] },
    { name: "ungated", verdicts: [] },
  ];

  test("on-fail takes every pair that did not pass, with the gate's reasons", () => {
    expect(selectTargets(scenarios, "on-fail")).toEqual([
      { scenario: "small", candidate: "blit", baseline: "rsync", trigger: "gate-failed", gateReasons: ["time ratio 1.30 > 1.05"] },
      { scenario: "mixed", candidate: "blit", baseline: "rsync", trigger: "gate-undecided", gateReasons: ["2 of 5 runs failed"] },
    ]);
  });

  test("all takes every gated pair and never an ungated scenario", () => {
    expect(selectTargets(scenarios, "all").map((t) => [t.scenario, t.trigger])).toEqual([
      ["large", "all"], ["small", "gate-failed"], ["mixed", "gate-undecided"],
    ]);
  });

  test("off takes nothing", () => {
    expect(selectTargets(scenarios, "off")).toEqual([]);
  });
});
