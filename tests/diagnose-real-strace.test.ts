import { afterAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { hostProbeDeps, probeInstruments } from "../lib/diagnose/instruments.ts";
import { diagnoseScenario, type DiagnoseRequest } from "../lib/diagnose/run.ts";
import type { Instrument } from "../lib/diagnose/types.ts";
import { renderWhy } from "../lib/diagnose/why.ts";
import { ddCopier, tmpDir } from "./helpers.ts";

// Real strace (and perf, where it works) over two real copiers and a real tree: a sh loop of `dd bs=4096` per file
// (4 KiB reads and writes, no copy_file_range) against `cp -a` (copy_file_range on Linux file systems).
const FILES = 40;
const FILE_BYTES = 64 * 1024;

const instruments = await probeInstruments(hostProbeDeps());
const find = (id: Instrument["id"]) => instruments.find((i) => i.id === id)!;
const why = (i: Instrument) => (i.state === "available" ? null : `${i.reason}; fix: ${i.fix}`);

const root = tmpDir("mb-diagnose-");
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function makeTree(): string {
  const src = path.join(root, "src");
  for (let i = 0; i < FILES; i++) {
    const dir = path.join(src, `d${i % 2}`);
    fs.mkdirSync(dir, { recursive: true });
    const buf = Buffer.alloc(FILE_BYTES);
    for (let j = 0; j < FILE_BYTES; j += 4) buf.writeUInt32LE((i * 2654435761 + j * 40503) >>> 0, j);
    fs.writeFileSync(path.join(dir, `f${i}`), buf);
  }
  return src;
}

const src = makeTree();
const dd = ddCopier(root);
const dst = path.join(root, "dst");

function request(list: Instrument[], outDir: string): DiagnoseRequest {
  return {
    scenario: "small-files", trigger: "gate-failed", gateReasons: ["time ratio 3.00 > 1.05"],
    candidate: { tool: "ddcopy", label: "dd-4k", successCodes: [0] },
    baseline: { tool: "cp", label: "cp", successCodes: [0] },
    workload: { files: FILES, bytes: FILES * FILE_BYTES },
    cache: "kept",
    prepare: async (tool) => {
      fs.rmSync(dst, { recursive: true, force: true });
      fs.mkdirSync(dst);
      return tool === "cp" ? ["cp", "-a", `${src}/.`, `${dst}/`] : [dd, src, dst];
    },
    outDir, timeoutMs: 120_000, instruments: list,
  };
}

describe("a real diagnosis", () => {
  const straceWhy = why(find("strace"));
  (straceWhy ? test.skip : test)(`strace's diff names the 4 KiB writes and the missing copy_file_range${straceWhy ? ` (skipped: ${straceWhy})` : ""}`, async () => {
    const onlyStrace = instruments.map((i): Instrument => (i.id === "strace" ? i : { id: i.id, state: "missing", reason: "not used in this test", fix: "-" }));
    const d = await diagnoseScenario(request(onlyStrace, path.join(root, "out-strace")));
    expect(d.diff.state).toBe("completed");
    if (d.diff.state !== "completed") return;
    const diff = d.diff.value;
    const writes = diff.ioSizes.find((r) => r.family === "write" && r.target === "file")!;
    expect(writes.candidate.avgBytes).toBe(4096);
    expect(writes.candidate.bytes).toBe(FILES * FILE_BYTES);
    const cfr = diff.zeroCopy.find((z) => z.call === "copy_file_range")!;
    expect(cfr.candidate.calls).toBe(0);
    expect(cfr.baseline.bytes).toBe(FILES * FILE_BYTES);
    expect(diff.findings.some((f) => f.startsWith("dd-4k writes files in 4.0 KiB calls"))).toBe(true);
    expect(diff.findings.some((f) => f.includes("with copy_file_range") && f.includes("dd-4k never calls it: missing zero-copy"))).toBe(true);
    // Both copies really happened: the last run (cp's) left the tree behind, byte for byte.
    expect(fs.readFileSync(path.join(dst, "d1", "f7")).equals(fs.readFileSync(path.join(src, "d1", "f7")))).toBe(true);
    const text = renderWhy(d).join("\n");
    expect(text).toContain(`| copy_file_range | 0 | ${2 * FILES}, 2.5 MiB |`);
  });

  const perfWhy = why(find("perf-record")) ?? why(find("perf-stat"));
  (perfWhy ? test.skip : test)(`perf gives counters and a flame graph per tool${perfWhy ? ` (skipped: ${perfWhy})` : ""}`, async () => {
    const noStrace = instruments.map((i): Instrument => (i.id === "strace" ? { id: i.id, state: "missing", reason: "not used in this test", fix: "-" } : i));
    const out = path.join(root, "out-perf");
    const d = await diagnoseScenario(request(noStrace, out));
    for (const t of [d.candidate, d.baseline]) {
      expect(t.perfStat.state).toBe("completed");
      if (t.perfStat.state === "completed") expect(t.perfStat.value.counters.find((c) => c.event === "task-clock")!.value).toBeGreaterThan(0);
      expect(t.flameGraph.state).toBe("completed");
      if (t.flameGraph.state === "completed") {
        const svg = fs.readFileSync(t.flameGraph.value.svg, "utf8");
        expect(svg).toContain(`Flame graph: ${t.label}`);
        expect(svg).toContain("<title>all (");
      }
    }
    // The large intermediates are gone once parsed.
    expect(fs.readdirSync(out).filter((f) => f.endsWith("perf.data") || f.endsWith("perf-script.txt"))).toEqual([]);
  });
});
