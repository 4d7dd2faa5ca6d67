import { describe, expect, test } from "bun:test";
import { claimedOverMeasured, describeNativeStats, readNativeStats } from "../lib/run/native-stats";
import { lastJsonObject, parseJsonStats, toolFieldName } from "../lib/run/native-stats-json";

function ok(text: string) {
  const r = parseJsonStats(text);
  if (!r.ok) throw new Error(r.reason);
  return r.stats;
}

describe("the last JSON object on stdout", () => {
  test("log lines before it are skipped", () => {
    expect(lastJsonObject('INFO scanning {src}\nWARN slow disk\n{"a": 1}\n')).toEqual({ a: 1 });
  });

  test("a pretty-printed object with nested objects is read whole, not from an inner brace", () => {
    expect(lastJsonObject('start\n{\n  "a": {"b": 1},\n  "c": 2\n}\n')).toEqual({ a: { b: 1 }, c: 2 });
  });

  test("of several objects (progress events, then the summary) the last wins", () => {
    expect(lastJsonObject('{"event":"progress","n":1}\n{"event":"progress","n":2}\n{"event":"done","n":3}\n')).toEqual({ event: "done", n: 3 });
  });

  test("lines after the object are tolerated", () => {
    expect(lastJsonObject('{"files_transferred": 4}\nbye\n')).toEqual({ files_transferred: 4 });
  });

  test("braces inside strings do not confuse it", () => {
    expect(lastJsonObject('{"msg": "a } and { b", "n": 1}')).toEqual({ msg: "a } and { b", n: 1 });
  });

  test("no object at all gives null", () => {
    expect(lastJsonObject("done\n[1, 2]\n")).toBeNull();
    expect(lastJsonObject("")).toBeNull();
  });
});

describe("blit's --json summary", () => {
  test("files_transferred, total_bytes and duration_ms become the headline figures", () => {
    const s = ok('blit v2: mirroring\n{"files_transferred": 1500, "total_bytes": 6393, "duration_ms": 812, "workers": 8, "planner": {"tar_shards": 3}, "mode": "local"}\n');
    expect([s.toolFilesTransferred, s.toolBytes, s.toolBytesFrom, s.toolDurationMs]).toEqual([1500, 6393, "total_bytes", 812]);
    expect(s.fields).toEqual({ toolFilesTransferred: 1500, toolTotalBytes: 6393, toolDurationMs: 812, toolWorkers: 8, toolPlannerTarShards: 3 });
    expect(s.notes).toEqual([]);
  });

  test("a remote run's bytes_transferred stands in for total_bytes, and says so", () => {
    const s = ok('{"files_transferred": 2, "bytes_transferred": 4096, "duration_ms": 30}');
    expect([s.toolBytes, s.toolBytesFrom]).toEqual([4096, "bytes_transferred"]);
  });

  test("a missing or non-numeric headline figure is noted, not invented", () => {
    const s = ok('{"files_transferred": "many", "total_bytes": 10}');
    expect(s.toolFilesTransferred).toBeNull();
    expect(s.toolDurationMs).toBeNull();
    expect(s.notes).toEqual(['files_transferred is "many", not a count (files)', "no duration_ms in the tool's JSON"]);
  });

  test("no JSON in the output is a readable failure", () => {
    expect(readNativeStats("json", "copied 3 files\n")).toEqual({ ok: false, kind: "json", reason: "no JSON object in the tool's output (does it print one, e.g. with --json?)" });
  });
});

describe("presenting tool figures", () => {
  test("keys become unit-carrying field names", () => {
    expect(toolFieldName("duration_ms")).toBe("toolDurationMs");
    expect(toolFieldName("bytesPerSec")).toBe("toolBytesPerSec");
  });

  test("the claimed duration is compared with the measured one", () => {
    const r = readNativeStats("json", '{"files_transferred": 10, "total_bytes": 2097152, "duration_ms": 250}');
    if (!r.ok) throw new Error(r.reason);
    expect(claimedOverMeasured(r.stats, 500e6)).toBe(0.5);
    expect(describeNativeStats(r)).toBe("tool: 10 files, 2.0 MiB, 250 ms");
  });
});
