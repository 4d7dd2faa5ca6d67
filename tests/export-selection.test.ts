import { describe, expect, test } from "bun:test";
import { BenchError } from "../lib/errors.ts";
import { toHyperfineJson } from "../lib/export/json.ts";
import { selectRows } from "../lib/export/table.ts";
import { exportRows } from "../lib/export/write.ts";
import { realisticCurrent } from "./fixtures/realistic.ts";

const rows = exportRows(realisticCurrent());
const names = (rs: { scenario: string; tool: string }[]) => rs.map((r) => `${r.scenario}/${r.tool}`);
const fails = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e instanceof BenchError ? e.format() : `not a BenchError: ${e}`;
  }
  return "did not throw";
};

describe("export selection", () => {
  test("no selection keeps every row in order", () => {
    expect(selectRows(rows)).toEqual(rows);
  });
  test("a scenario name keeps that scenario's rows only", () => {
    expect(names(selectRows(rows, { scenarios: ["large-file"] }))).toEqual(["large-file/rsync", "large-file/cp", "large-file/tar"]);
  });
  test("a sweep's base name keeps every point of the sweep", () => {
    expect(new Set(selectRows(rows, { scenarios: ["scaling"] }).map((r) => r.scenario))).toEqual(new Set(["scaling[size=1MiB]", "scaling[size=16MiB]", "scaling[size=256MiB]"]));
  });
  test("globs work as the CLI's --scenario does", () => {
    expect(new Set(selectRows(rows, { scenarios: ["*-file*", "mi?ed"] }).map((r) => r.scenario))).toEqual(new Set(["large-file", "small-files", "mixed"]));
  });
  test("a tool filter accepts ids and labels", () => {
    expect(names(selectRows(rows, { scenarios: ["large-file"], tools: ["cp", "tar"] }))).toEqual(["large-file/cp", "large-file/tar"]);
  });
  test("a pair returns exactly two rows in the order asked", () => {
    expect(names(selectRows(rows, { scenarios: ["small-files"], pair: ["cp", "rsync"] }))).toEqual(["small-files/cp", "small-files/rsync"]);
  });
  test("a pair over a whole sweep is refused, naming the scenarios to choose from", () => {
    expect(fails(() => selectRows(rows, { scenarios: ["scaling"], pair: ["rsync", "cp"] }))).toContain("is in 3 scenarios (scaling[size=1MiB], scaling[size=16MiB], scaling[size=256MiB])");
  });
  test("a pair with a tool that did not run there is refused", () => {
    expect(fails(() => selectRows(rows, { scenarios: ["mixed"], pair: ["rsync", "tar"] }))).toContain("no scenario has both rsync and tar");
  });
  test("a scenario that matches nothing is a usage error listing the scenarios", () => {
    const msg = fails(() => toHyperfineJson(rows, { scenarios: ["nope"] }));
    expect(msg).toContain("no scenario matches nope");
    expect(msg).toContain("hint: scenarios in these results: large-file, small-files, mixed,");
  });
  test("an unknown tool is a usage error listing the tools", () => {
    expect(fails(() => selectRows(rows, { scenarios: ["large-file"], tools: ["robocopy"] }))).toContain("no tool robocopy in the selected scenarios\n  hint: tools there: rsync, cp, tar");
  });
});
