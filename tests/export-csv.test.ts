import { describe, expect, test } from "bun:test";
import { toCsv } from "../lib/export/csv.ts";
import { blitRow, rsyncRow } from "./fixtures/export-rows.ts";

const lines = (s: string) => s.split("\n");

describe("toCsv", () => {
  test("the header is hyperfine's columns then sorted parameter_ columns", () => {
    expect(lines(toCsv([rsyncRow()]))[0]).toBe("command,mean,stddev,median,user,system,min,max,parameter_size_bytes");
  });
  test("a row holds full-precision seconds and the sweep value in bytes", () => {
    const cells = lines(toCsv([rsyncRow()]))[1]!.split(",");
    expect(cells[0]).toBe("large: rsync");
    // numpy: mean 2.1333333333333333, std(ddof=1) 0.15275252316519458
    expect(Number(cells[1])).toBeCloseTo(2.1333333333333333, 12);
    expect(Number(cells[2])).toBeCloseTo(0.15275252316519458, 12);
    expect(cells.slice(3)).toEqual(["2.1", "0.6", "1.1", "2", "2.3", "1073741824"]);
  });
  test("unknown user/system CPU time is an empty cell", () => {
    const cells = lines(toCsv([blitRow()]))[1]!.split(",");
    expect([cells[4], cells[5]]).toEqual(["", ""]);
  });
  test("a single run leaves stddev empty and tiny times avoid exponent notation", () => {
    const cells = lines(toCsv([rsyncRow({ timesNs: [100] })]))[1]!.split(",");
    expect([cells[1], cells[2]]).toEqual(["0.0000001", ""]);
  });
  test("fields with commas or quotes are quoted the RFC 4180 way", () => {
    expect(lines(toCsv([rsyncRow({ label: 'cp "fast", v2' })]))[1]!.startsWith('"large: cp ""fast"", v2",')).toBe(true);
  });
  test("parameter columns are the union over rows, blank where a row lacks one", () => {
    const out = lines(toCsv([rsyncRow({ parameters: {} }), blitRow({ parameters: { count: "100000" } })]));
    expect(out[0]!.endsWith(",max,parameter_count")).toBe(true);
    expect(out[1]!.endsWith(",2.3,")).toBe(true);
    expect(out[2]!.endsWith(",1.7,100000")).toBe(true);
  });
  test("a tool filter keeps only that tool's line", () => {
    const out = lines(toCsv([rsyncRow(), blitRow()], { tools: ["blit"] }));
    expect(out.slice(1, -1).map((l) => l.split(",")[0])).toEqual(["large: blit mirror"]);
  });
  test("the file ends with a single newline and has one line per row", () => {
    const text = toCsv([rsyncRow(), blitRow()]);
    expect(text.endsWith("\n")).toBe(true);
    expect(lines(text).length).toBe(4);
  });
});
