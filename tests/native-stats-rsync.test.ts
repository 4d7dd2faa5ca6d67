import { afterAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { readNativeStats } from "../lib/run/native-stats";
import { humanBaseFromArgv, parseRsyncNumber, parseRsyncStats } from "../lib/run/native-stats-rsync";
import { tmpDir } from "./helpers";

const FIX = path.join(import.meta.dir, "fixtures", "rsync-stats");
const fixture = (name: string) => fs.readFileSync(path.join(FIX, name), "utf8");

function stats(text: string, base?: 1000 | 1024) {
  const r = parseRsyncStats(text, base ? { humanBase: base } : {});
  if (!r.ok) throw new Error(r.reason);
  return r.stats;
}

describe("rsync numbers", () => {
  test("grouped, plain and human-readable forms", () => {
    expect(parseRsyncNumber("6,000,054", "int")).toEqual({ value: 6000054, rounded: false });
    expect(parseRsyncNumber("6.000.054", "int")).toEqual({ value: 6000054, rounded: false });
    expect(parseRsyncNumber("4096000", "int")).toEqual({ value: 4096000, rounded: false });
    expect(parseRsyncNumber("6.00M", "int", 1000)).toEqual({ value: 6_000_000, rounded: true });
    expect(parseRsyncNumber("5.72M", "int", 1024)).toEqual({ value: Math.round(5.72 * 1048576), rounded: true });
    expect(parseRsyncNumber("1,23G", "int", 1000)).toEqual({ value: 1_230_000_000, rounded: true });
    expect(parseRsyncNumber("12,006,702.00", "fixed")).toEqual({ value: 12006702, rounded: false });
    expect(parseRsyncNumber("11,194.13", "fixed")).toEqual({ value: 11194.13, rounded: false });
    expect(parseRsyncNumber("0.001", "fixed")).toEqual({ value: 0.001, rounded: false });
    expect(parseRsyncNumber("abc", "int")).toBeNull();
  });

  test("the -h level comes from the argv: one -h is units of 1000, two are 1024", () => {
    expect(humanBaseFromArgv(["rsync", "-a", "--stats"])).toBe(1000);
    expect(humanBaseFromArgv(["rsync", "-ah", "--stats"])).toBe(1000);
    expect(humanBaseFromArgv(["rsync", "-a", "--human-readable", "-h"])).toBe(1024);
    expect(humanBaseFromArgv(["rsync", "-avhh"])).toBe(1024);
    expect(humanBaseFromArgv(["rsync", "-hh", "--no-human-readable"])).toBe(1000);
  });
});

describe("rsync 3.5 --stats (captured here)", () => {
  test("every field of the default output is read with its unit", () => {
    const s = stats(fixture("rsync-3.5-default.txt"));
    expect(s.fields).toEqual({
      toolFiles: 26, toolFilesRegular: 22, toolFilesDir: 3, toolFilesLink: 1,
      toolFilesCreated: 26, toolFilesCreatedRegular: 22, toolFilesCreatedDir: 3, toolFilesCreatedLink: 1,
      toolFilesDeleted: 0, toolFilesTransferred: 22,
      toolTotalFileBytes: 6000054, toolTransferredFileBytes: 6000051, toolLiteralBytes: 6000051, toolMatchedBytes: 0,
      toolFileListBytes: 0, toolFileListGenerationMs: 1, toolFileListTransferMs: 0,
      toolSentBytes: 6002899, toolReceivedBytes: 452, toolRateBytesPerSec: 12006702, toolSpeedup: 1,
    });
    expect([s.toolFilesTransferred, s.toolBytes, s.toolBytesFrom, s.toolDurationMs]).toEqual([22, 6000051, "Total transferred file size", null]);
    expect(s.notes).toEqual([]);
  });

  test("a delete run reads the deleted count by kind and the comma-grouped speedup", () => {
    const s = stats(fixture("rsync-3.5-delete.txt"));
    expect([s.fields.toolFilesDeleted, s.fields.toolFilesDeletedRegular, s.fields.toolFilesCreated, s.toolFilesTransferred, s.toolBytes]).toEqual([2, 2, 1, 1, 4]);
    expect(s.fields.toolSpeedup).toBe(11194.13);
  });

  test("a run with nothing to do reads zeros, not missing figures", () => {
    const s = stats(fixture("rsync-3.5-nochange.txt"));
    expect([s.toolFilesTransferred, s.toolBytes, s.fields.toolFilesCreated]).toEqual([0, 0, 0]);
  });

  test("-h figures are read in units of 1000 and noted as rounded", () => {
    const s = stats(fixture("rsync-3.5-h.txt"), 1000);
    expect([s.toolBytes, s.fields.toolSentBytes, s.fields.toolReceivedBytes, s.fields.toolRateBytesPerSec]).toEqual([6_000_000, 6_000_000, 452, 12_010_000]);
    expect(s.notes).toEqual(["human-readable figures (-h, units of 1000) are rounded to 3 significant digits"]);
  });

  test("-hh figures are read in units of 1024", () => {
    const s = stats(fixture("rsync-3.5-hh.txt"), 1024);
    expect(s.toolBytes).toBe(Math.round(5.72 * 1048576));
    expect(Math.abs(s.toolBytes! - 6000051) / 6000051).toBeLessThan(0.005);
  });

  test("the file list printed by -v before the stats is skipped", () => {
    const s = stats(fixture("rsync-3.5-verbose.txt"));
    expect([s.toolFilesTransferred, s.toolBytes]).toEqual([21, 6000051]);
  });
});

describe("rsync 3.0 layout", () => {
  test("'Number of files transferred' and ungrouped numbers are read", () => {
    const s = stats(fixture("rsync-3.0-layout.txt"));
    expect([s.fields.toolFiles, s.toolFilesTransferred, s.toolBytes, s.fields.toolFileListBytes, s.fields.toolSpeedup]).toEqual([1001, 1000, 4096000, 21398, 0.98]);
    expect(s.fields.toolFilesCreated).toBeUndefined();
  });

  test("3.0's -h suffixes are read in units of 1000", () => {
    const s = stats(fixture("rsync-3.0-layout-h.txt"), 1000);
    expect([s.fields.toolFiles, s.toolFilesTransferred, s.toolBytes, s.fields.toolFileListBytes]).toEqual([120431, 98210, 398_050_000, 2_910_000]);
  });
});

describe("missing stats", () => {
  test("output without --stats is reported, not read as zeros", () => {
    const r = parseRsyncStats("sending incremental file list\n./\nbig\n");
    expect(r).toEqual({ ok: false, kind: "rsync", reason: "no rsync --stats lines in the tool's output (add --stats to its argv)" });
  });
});

describe("the installed rsync", () => {
  const dir = tmpDir("mb-rsync-stats-");
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test.skipIf(!Bun.which("rsync"))("a real rsync --stats run reports the files and bytes that are in the tree", () => {
    const src = path.join(dir, "src");
    fs.mkdirSync(path.join(src, "sub"), { recursive: true });
    let bytes = 0;
    for (let i = 0; i < 37; i++) {
      const b = Buffer.alloc(1000 + i * 97, i);
      bytes += b.length;
      fs.writeFileSync(path.join(src, "sub", `f${i}`), b);
    }
    const argv = ["rsync", "-a", "--stats", `${src}/`, `${path.join(dir, "dst")}/`];
    const p = Bun.spawnSync(argv, { stdout: "pipe" });
    expect(p.exitCode).toBe(0);
    const r = readNativeStats("rsync", p.stdout.toString(), argv);
    if (!r.ok) throw new Error(r.reason);
    expect(r.stats.toolFilesTransferred).toBe(37);
    expect(r.stats.toolBytes).toBe(bytes);
    expect(r.stats.fields.toolFilesDir).toBe(2);
  });
});
