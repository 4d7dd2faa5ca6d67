import { afterAll, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { toolStats } from "../lib/analyze/tool-stats";
import { selectPlatform } from "../lib/platform/index";
import { LocalExecutor } from "../lib/run/spawn";
import type { RunMeasure, RunRecord } from "../lib/types";
import { tmpDir } from "./helpers";

// The figures the local executor reports must be the tool's own: not the Bun process's pages (the maxRSS trap),
// and in line with what /usr/bin/time says about the same program.

const MiB = 1 << 20;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const TIME = fs.existsSync("/usr/bin/time") ? "/usr/bin/time" : null;
const executor = new LocalExecutor(selectPlatform());
afterAll(() => executor.close());
const onMbRun = process.platform !== "win32" && executor.meter.kind === "mb-run";

interface TimeV {
  maxRssBytes: number;
  userMs: number;
  systemMs: number;
  wallMs: number;
  cpuPercent: number;
}

/** GNU time -v's report (stderr). */
function parseTimeV(text: string): TimeV {
  const field = (label: string): string => {
    const m = text.match(new RegExp(`^\\s*${label.replace(/[()]/g, "\\$&")}: (.+)$`, "m"));
    if (!m) throw new Error(`time -v output has no "${label}":\n${text}`);
    return m[1]!.trim();
  };
  const wall = field("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":").map(Number);
  const wallS = wall.reduce((acc, x) => acc * 60 + x, 0);
  return {
    maxRssBytes: Number(field("Maximum resident set size (kbytes)")) * 1024,
    userMs: Number(field("User time (seconds)")) * 1000,
    systemMs: Number(field("System time (seconds)")) * 1000,
    wallMs: wallS * 1000,
    cpuPercent: Number(field("Percent of CPU this job got").replace("%", "")),
  };
}

async function timeV(argv: string[]): Promise<TimeV> {
  const p = Bun.spawn([TIME!, "-v", ...argv], { stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  const [err, code] = await Promise.all([new Response(p.stderr).text(), p.exited]);
  expect(code).toBe(0);
  return parseTimeV(err);
}

async function measured(argv: string[]): Promise<RunMeasure> {
  const out = await executor.run({ argv, logFd: "ignore", timeoutMs: 30_000 });
  expect(out.exitCode).toBe(0);
  expect(out.measure).not.toBeNull();
  return out.measure!;
}

const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The real interpreter, not a pyenv/asdf shim script (its wrapper processes would be measured too). */
function findAllocator(): { argv: string[]; why: string } | null {
  const py = Bun.which("python3");
  if (py) {
    const r = Bun.spawnSync([py, "-c", "import sys; print(sys.executable)"], { stdout: "pipe", stderr: "ignore" });
    const exe = r.exitCode === 0 ? r.stdout.toString().trim() : "";
    if (exe) return { argv: [exe, "-c", "b = bytearray(200 * 1024 * 1024)"], why: "python3" };
  }
  const cc = ["cc", "gcc", "clang"].map((c) => Bun.which(c)).find(Boolean);
  if (cc) {
    const dir = tmpDir("mb-mem-");
    dirs.push(dir);
    const src = path.join(dir, "alloc.c");
    fs.writeFileSync(src, '#include <stdlib.h>\n#include <string.h>\nint main(void){size_t n=200u<<20;char*p=malloc(n);if(!p)return 1;memset(p,1,n);return p[n-1]==1?0:2;}\n');
    const bin = path.join(dir, "alloc");
    if (Bun.spawnSync([cc, "-O0", "-o", bin, src]).exitCode === 0) return { argv: [bin], why: "C" };
  }
  return null;
}

test.skipIf(!onMbRun)("true reports a few MB of its own while the Bun process holding it has hundreds (and a bare Bun.spawn would report Bun's)", async () => {
  const ballast = new Uint8Array(300 * MiB).fill(1);

  // The trap: a child spawned straight from Bun inherits Bun's high-water mark in its ru_maxrss.
  const bare = Bun.spawn(["true"], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  await bare.exited;
  const bareRss = bare.resourceUsage()!.maxRSS;
  expect(bareRss).toBeGreaterThan(250 * MiB);

  const m = await measured(["true"]);
  expect(m.maxRssBytes).not.toBeNull();
  expect(m.maxRssBytes!).toBeGreaterThan(0);
  expect(m.maxRssBytes!).toBeLessThan(8 * MiB);
  expect(ballast[ballast.length - 1]).toBe(1); // keeps the 300 MB alive until here
});

const allocator = TIME && onMbRun ? findAllocator() : null;
if (!TIME) console.warn("skipping /usr/bin/time comparisons: /usr/bin/time (GNU time) is not installed");
else if (onMbRun && !allocator) console.warn("skipping the 200 MB comparison: neither python3 nor a C compiler is available");

test.skipIf(!allocator)("a program that allocates 200 MB reports the same peak as /usr/bin/time -v, within 10%", async () => {
  const ours = await measured(allocator!.argv);
  const theirs = await timeV(allocator!.argv);
  expect(theirs.maxRssBytes).toBeGreaterThan(200 * MiB);
  expect(ours.maxRssBytes!).toBeGreaterThan(200 * MiB);
  expect(Math.abs(ours.maxRssBytes! - theirs.maxRssBytes) / theirs.maxRssBytes).toBeLessThan(0.1);
});

const BUSY = ["sh", "-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done"];

test.skipIf(!TIME || !onMbRun)("a busy loop's user and system CPU agree with /usr/bin/time's, and CPU utilisation is (user+sys)/wall", async () => {
  // Alternate the two meters and compare medians: one burst of load from elsewhere should not decide it.
  const ours: RunMeasure[] = [];
  const theirs: TimeV[] = [];
  for (let i = 0; i < 3; i++) {
    ours.push(await measured(BUSY));
    theirs.push(await timeV(BUSY));
  }
  const band = (theirsMs: number) => Math.max(0.3 * theirsMs, 20);
  const userMs = med(ours.map((m) => m.userUs! / 1000));
  const sysMs = med(ours.map((m) => m.systemUs! / 1000));
  const tUserMs = med(theirs.map((t) => t.userMs));
  const tSysMs = med(theirs.map((t) => t.systemMs));
  expect(userMs).toBeGreaterThan(20); // really a busy loop, not a no-op
  expect(Math.abs(userMs - tUserMs)).toBeLessThanOrEqual(band(tUserMs));
  // A shell loop's system time is a few ms to a few tens of ms and swings with other load on the machine
  // (page faults, scheduler ticks): it is compared within the band of the loop's whole CPU time.
  expect(Math.abs(sysMs - tSysMs)).toBeLessThanOrEqual(band(tUserMs + tSysMs));
  expect(Math.abs(userMs + sysMs - (tUserMs + tSysMs))).toBeLessThanOrEqual(band(tUserMs + tSysMs));

  // What the report's "CPU / wall" column is computed from, over the same records.
  const records: RunRecord[] = ours.map((measure, i) => ({
    scenario: "busy",
    tool: "sh",
    phase: "measured",
    index: i + 1,
    round: i + 1,
    state: "completed",
    exitCode: 0,
    measure,
    verified: null,
    cache: "kept",
    residentFraction: null,
    slotNs: measure.wallNs,
  }));
  const stats = toolStats(records, "sh", { files: 0, bytes: 0 })!;
  const utils = ours.map((m) => ((m.userUs! + m.systemUs!) * 1000) / m.wallNs);
  expect(stats.cpuUtilMean!).toBeCloseTo(utils.reduce((a, b) => a + b, 0) / utils.length, 9);
  // One single-threaded shell can use at most one core (small slack: rusage ticks vs the monotonic clock).
  for (const u of utils) expect(u).toBeLessThanOrEqual(1.05);
  // ... and /usr/bin/time's own "Percent of CPU" of the same loop lands near ours.
  expect(Math.abs(med(utils) * 100 - med(theirs.map((t) => t.cpuPercent)))).toBeLessThanOrEqual(30);
});
