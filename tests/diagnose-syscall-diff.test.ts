import { describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { parseIoTrace } from "../lib/diagnose/strace-io.ts";
import { parseStraceSummary } from "../lib/diagnose/strace.ts";
import { diffSyscalls } from "../lib/diagnose/syscall-diff.ts";
import type { ToolSyscalls } from "../lib/diagnose/types.ts";

// Real strace 6.1 outputs of three copiers over the same 100-file, 64 KiB-per-file tree.
const FX = path.join(import.meta.dir, "fixtures", "diagnose");
const read = (name: string) => fs.readFileSync(path.join(FX, name), "utf8");
const tool = (t: string, withIo = true): ToolSyscalls => ({
  tool: t,
  label: t,
  summary: parseStraceSummary(read(`strace61-cw-${t}.txt`), "wall"),
  io: withIo ? parseIoTrace(read(`strace61-io-${t}.txt`)) : null,
});
const W = { files: 100, bytes: 100 * 65536 };

describe("syscall diff", () => {
  test("rows are ranked by the absolute difference in calls", () => {
    const d = diffSyscalls(tool("wasteful"), tool("cp"), W);
    const deltas = d.rows.map((r) => Math.abs(r.deltaCalls));
    expect(deltas).toEqual([...deltas].sort((a, b) => b - a));
    expect(d.rows[0]!.name).toBe("read");
  });

  test("calls are normalised per file and per MiB copied", () => {
    const d = diffSyscalls(tool("wasteful"), tool("cp"), W);
    const cfr = d.rows.find((r) => r.name === "copy_file_range")!;
    expect(cfr.candidate).toMatchObject({ calls: 0, perFile: 0, perMiB: 0 });
    expect(cfr.baseline).toMatchObject({ calls: 200, perFile: 2, perMiB: 200 / 6.25 });
  });

  test("syscalls made equally often by both tools are left out", () => {
    const d = diffSyscalls(tool("wasteful"), tool("cp"), W);
    const both = d.rows.filter((r) => r.deltaCalls === 0 && r.candidate.errors === r.baseline.errors);
    expect(both).toEqual([]);
  });

  test("the findings name the missing copy_file_range and the 4 KiB writes", () => {
    const f = diffSyscalls(tool("wasteful"), tool("cp"), W).findings;
    expect(f.some((s) => /copy_file_range/.test(s) && /missing zero-copy/.test(s) && /wasteful never calls it/.test(s))).toBe(true);
    expect(f.some((s) => /wasteful writes files in 4\.0 KiB calls/.test(s) && /16\.00 writes \/ file/.test(s))).toBe(true);
  });

  test("average write sizes on files are compared when both tools write: 4 KiB vs 64 KiB", () => {
    const d = diffSyscalls(tool("wasteful"), tool("rsync"), W);
    const w = d.ioSizes.find((r) => r.family === "write" && r.target === "file")!;
    expect(w.candidate.avgBytes).toBe(4096);
    expect(w.baseline.avgBytes).toBe(65536);
    expect(d.findings.some((s) => s.includes("4.0 KiB calls on average vs 64.0 KiB for rsync"))).toBe(true);
  });

  test("pipe and socket traffic is kept apart from file I/O", () => {
    const d = diffSyscalls(tool("wasteful"), tool("rsync"), W);
    const sock = d.ioSizes.find((r) => r.family === "write" && r.target === "pipe/socket")!;
    expect(sock.candidate.calls).toBe(0);
    expect(sock.baseline.calls).toBeGreaterThan(0);
  });

  test("a reflink that fails on every file is called out as a fallback paid per file", () => {
    const f = diffSyscalls(tool("cp"), tool("rsync"), W).findings;
    expect(f.some((s) => s.startsWith("every FICLONE call of cp fails (100)"))).toBe(true);
  });

  test("a tool compared with itself has no rows and no findings", () => {
    const d = diffSyscalls(tool("cp"), tool("cp"), W);
    expect(d.rows).toEqual([]);
    expect(d.findings).toEqual([]);
  });

  test("without the byte pass there are no I/O sizes and zero-copy comes from the summary counts", () => {
    const d = diffSyscalls(tool("wasteful", false), tool("cp", false), W);
    expect(d.ioSizes).toEqual([]);
    expect(d.zeroCopy.find((z) => z.call === "copy_file_range")!.baseline.calls).toBe(200);
    expect(d.zeroCopy.find((z) => z.call === "FICLONE")).toBeUndefined();
  });

  test("a one-file workload is normalised per MiB in the sentences", () => {
    const d = diffSyscalls(tool("wasteful"), tool("cp"), { files: 1, bytes: 6553600 });
    const total = d.findings.find((s) => s.includes("the syscalls of"))!;
    expect(total).toContain("/ MiB");
    expect(total).not.toContain("/ file");
  });
});
