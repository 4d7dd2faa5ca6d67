import { describe, expect, test } from "bun:test";
import { parseConfig } from "../lib/config/load";
import { BenchError } from "../lib/errors";
import { benchErrorOf } from "./helpers";

function lineOf(text: string, needle: string, nth = 1): number {
  let seen = 0;
  const i = text.split("\n").findIndex((l) => l.includes(needle) && ++seen === nth);
  if (i < 0) throw new Error(`no line contains ${needle}`);
  return i + 1;
}

function configError(text: string): BenchError {
  return benchErrorOf(() => parseConfig(text, "k.yaml", { env: {} }));
}

const SCENARIO = `scenarios:
  - name: s
    tools: [cp]
    workload: { files: { count: 1, size: 1KiB } }
`;

describe("YAML keys that are not what they look like", () => {
  test("a duplicate key is named with its map and both lines", () => {
    const text = `defaults:
  runs: 3
  warmup: 1
  runs: 5
tools:
  cp: { argv: [cp, -a, "{src}/.", "{dst}/"] }
${SCENARIO}`;
    const e = configError(text);
    expect(e.message).toBe('duplicate key "runs" in defaults');
    expect(e.line).toBe(lineOf(text, "runs:", 2));
    expect(e.key).toBe("defaults.runs");
    expect(e.hint).toContain(`the first "runs" is on line ${lineOf(text, "runs:")}`);
  });

  test("a duplicate top-level key says so", () => {
    const text = `workspace: /tmp/a\nworkspace: /tmp/b\ntools:\n  cp: { argv: [cp, "{src}", "{dst}"] }\n${SCENARIO}`;
    const e = configError(text);
    expect(e.message).toBe('duplicate key "workspace" in the config file');
    expect(e.line).toBe(2);
  });

  for (const name of ["true", "yes", "null", "1", "~", "off"]) {
    test(`a tool named ${name} (not a string to YAML) gets its own line and the hint to quote it`, () => {
      const text = `tools:
  cp: { argv: [cp, -a, "{src}/.", "{dst}/"] }
  ${name}:
    argv: [cp, -a, "{src}/.", "{dst}/"]
${SCENARIO}`;
      const e = configError(text);
      expect(e.line).toBe(3);
      expect(e.col).toBe(3);
      expect(e.key).toBe(`tools.${name}`);
      expect(e.message).toContain(`tool name ${name} is read by YAML as`);
      expect(e.hint).toContain(`quote it: "${name}":`);
    });
  }

  test('a quoted "true" is an ordinary tool name', () => {
    const text = `tools:
  "true": { argv: [cp, -a, "{src}/.", "{dst}/"] }
scenarios:
  - name: s
    tools: ["true"]
    workload: { files: { count: 1, size: 1KiB } }
`;
    expect(Object.keys(parseConfig(text, "k.yaml", { env: {} }).tools)).toEqual(["true"]);
  });

  test("an unquoted true in a scenario's tools list gets the hint to quote it", () => {
    const text = `tools:
  "true": { argv: [cp, -a, "{src}/.", "{dst}/"] }
scenarios:
  - name: s
    tools: [true]
    workload: { files: { count: 1, size: 1KiB } }
`;
    const e = configError(text);
    expect(e.key).toBe("scenarios[0].tools[0]");
    expect(e.line).toBe(5);
    expect(e.hint).toContain('quote it, "true"');
  });
});
