import { afterAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { linuxPlatform } from "../lib/platform/linux";
import type { Platform } from "../lib/platform/index";
import { LocalExecutor } from "../lib/run/spawn";
import { tmpDir } from "./helpers";

// Where the durable time is taken: by mb-run on its own clock (Linux), else by the platform right after the meter returned.

const dir = tmpDir("mb-durable-meter-");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function tree(name: string): { src: string; dst: string } {
  const src = path.join(dir, name, "src");
  const dst = path.join(dir, name, "dst");
  fs.mkdirSync(src, { recursive: true });
  fs.mkdirSync(dst, { recursive: true });
  for (let i = 0; i < 8; i++) fs.writeFileSync(path.join(src, `f${i}`), Buffer.alloc(256 << 10, i));
  return { src, dst };
}

describe.skipIf(process.platform !== "linux")("durable time, measured for real", () => {
  test("mb-run --syncfs: the flush starts when the tool is reaped; durable ≥ returned on one clock", async () => {
    const ex = new LocalExecutor(linuxPlatform());
    try {
      if (!ex.meter.wrapperPath) return; // no compiler: the harness path below covers it
      const { src, dst } = tree("meter");
      const out = await ex.run({ argv: ["cp", "-a", `${src}/.`, `${dst}/`], logFd: "ignore", timeoutMs: 60_000, durableDir: dst });
      expect(out.exitCode).toBe(0);
      expect(out.durable).toMatchObject({ method: "syncfs", timedBy: "meter" });
      expect(out.durable!.durableNs!).toBeGreaterThanOrEqual(out.measure!.wallNs);
    } finally {
      ex.close();
    }
  });

  test("a flush that fails (the destination is gone) leaves the run its returned time and no durable one, with the errno", async () => {
    const ex = new LocalExecutor(linuxPlatform());
    try {
      if (!ex.meter.wrapperPath) return;
      const gone = path.join(dir, "gone");
      const out = await ex.run({ argv: ["true"], logFd: "ignore", timeoutMs: 60_000, durableDir: gone });
      expect(out.exitCode).toBe(0);
      expect(out.measure!.wallNs).toBeGreaterThan(0);
      expect(out.durable).toEqual({ durableNs: null, flushNs: null, method: "syncfs", timedBy: "meter", reason: "syncfs failed: ENOENT" });
    } finally {
      ex.close();
    }
  });

  test("without mb-run the platform flushes right after the tool: durable = returned + flush, said as two intervals", async () => {
    const real = linuxPlatform();
    const noMeter: Platform = { ...real, meter: () => ({ kind: "bun", wrapperPath: null, memoryNote: "no meter (test)", memory: { source: null, includesDescendants: null, how: "not measured" } }) };
    const ex = new LocalExecutor(noMeter);
    try {
      const { src, dst } = tree("harness");
      const out = await ex.run({ argv: ["cp", "-a", `${src}/.`, `${dst}/`], logFd: "ignore", timeoutMs: 60_000, durableDir: dst });
      expect(out.exitCode).toBe(0);
      expect(out.durable).toMatchObject({ method: "syncfs", timedBy: "harness" });
      expect(out.durable!.durableNs).toBe(out.measure!.wallNs + out.durable!.flushNs!);
    } finally {
      ex.close();
    }
  });

  test("a tool's stdout is kept for its own figures and still lands in the log, after the run", async () => {
    const ex = new LocalExecutor(linuxPlatform());
    const log = path.join(dir, "log.txt");
    const fd = fs.openSync(log, "a");
    try {
      const out = await ex.run({ argv: ["sh", "-c", "echo to-stderr >&2; echo '{\"files_transferred\": 3}'"], logFd: fd, timeoutMs: 60_000, captureStdout: true });
      expect(out.stdout).toBe('{"files_transferred": 3}\n');
      expect(fs.readFileSync(log, "utf8")).toContain('to-stderr\n{"files_transferred": 3}\n');
    } finally {
      fs.closeSync(fd);
      ex.close();
    }
  });
});
