import { afterAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import type { DiagnoseExec } from "../lib/diagnose/exec.ts";
import { diagnoseScenario, fileStem, type DiagnoseRequest } from "../lib/diagnose/run.ts";
import type { Instrument } from "../lib/diagnose/types.ts";
import { tmpDir } from "./helpers.ts";

// The runner's orchestration with a scripted executor (hyperfine's mock-executor idea): which part fails, and how it says so.
const FX = path.join(import.meta.dir, "fixtures", "diagnose");
const root = tmpDir("mb-diagnose-runner-");
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const AVAILABLE: Instrument[] = [
  { id: "strace", state: "available", path: "/usr/bin/strace", version: "6.1" },
  { id: "perf-stat", state: "available", path: "/usr/bin/perf", version: "6.1" },
  { id: "perf-record", state: "available", path: "/usr/bin/perf", version: "6.1" },
];

/** Plays strace and perf: writes the fixture each would have written to its -o file, and exits as told. */
function scripted(exitOf: (tool: string, argv: string[]) => number): DiagnoseExec {
  return async (req) => {
    const argv = req.argv;
    const tool = argv[argv.length - 1]!;
    const out = argv[argv.indexOf("-o") + 1];
    if (argv[0]!.endsWith("strace") && out) {
      fs.copyFileSync(path.join(FX, argv.includes("-c") ? `strace61-cw-${tool}.txt` : `strace61-io-${tool}.txt`), out);
    }
    if (argv[1] === "stat" && out) fs.copyFileSync(path.join(FX, `perf61-stat-${tool}.csv`), out);
    if (argv[1] === "record" && out) fs.writeFileSync(out, "");
    if (argv[1] === "script" && req.stdoutFile) fs.copyFileSync(path.join(FX, "perf61-script-cp.txt"), req.stdoutFile);
    return { exitCode: exitOf(tool, argv), timedOut: false, wallNs: 1e6 };
  };
}

let n = 0;
function request(over: Partial<DiagnoseRequest> = {}): DiagnoseRequest {
  return {
    scenario: "small-files", trigger: "gate-failed", gateReasons: [],
    candidate: { tool: "wasteful", label: "wasteful", successCodes: [0] },
    baseline: { tool: "cp", label: "cp", successCodes: [0] },
    workload: { files: 100, bytes: 6553600 }, cache: "kept",
    prepare: async (tool) => [tool],
    outDir: path.join(root, `out${n++}`), timeoutMs: 1000, instruments: AVAILABLE,
    exec: scripted(() => 0),
    ...over,
  };
}

describe("diagnosis runner", () => {
  test("with every instrument working, every part completes and the diff is made", async () => {
    const d = await diagnoseScenario(request());
    expect([d.candidate.syscalls.state, d.candidate.perfStat.state, d.candidate.flameGraph.state, d.diff.state]).toEqual(["completed", "completed", "completed", "completed"]);
    expect(d.memory).toEqual({ state: "skipped", reason: "memory_scaling is not set for this scenario" });
  });

  test("a tool that fails under strace fails its syscall part and the diff names it", async () => {
    const d = await diagnoseScenario(request({ exec: scripted((tool, argv) => (tool === "cp" && argv.includes("-c") ? 3 : 0)) }));
    expect(d.baseline.syscalls).toEqual({ state: "failed", reason: "strace -c: exited with status 3" });
    expect(d.diff).toEqual({ state: "failed", reason: "cp: strace -c: exited with status 3" });
    expect(d.candidate.syscalls.state).toBe("completed");
  });

  test("an instrument that wrote nothing fails that part instead of throwing", async () => {
    const exec: DiagnoseExec = async () => ({ exitCode: 0, timedOut: false, wallNs: 1 });
    const d = await diagnoseScenario(request({ exec }));
    expect(d.candidate.syscalls.state).toBe("failed");
    expect(d.candidate.syscalls.state === "failed" && d.candidate.syscalls.reason).toContain("strace exited 0 but wrote no summary");
    expect(d.candidate.perfStat.state).toBe("failed");
  });

  test("a prepare that throws fails the run with its message", async () => {
    const d = await diagnoseScenario(request({ prepare: async () => { throw new Error("destination is a symlink"); } }));
    expect(d.candidate.perfStat).toEqual({ state: "failed", reason: "perf stat: destination is a symlink" });
  });

  test("a timed-out run says after how long", async () => {
    const exec: DiagnoseExec = async () => ({ exitCode: null, timedOut: true, wallNs: 1 });
    const d = await diagnoseScenario(request({ exec, timeoutMs: 90_000 }));
    expect(d.candidate.perfStat).toEqual({ state: "failed", reason: "perf stat timed out after 90 s" });
  });

  test("missing instruments skip their parts with the fix and nothing is run", async () => {
    const missing: Instrument[] = AVAILABLE.map((i) => ({ id: i.id, state: "missing", reason: "not installed", fix: `install ${i.id}` }));
    let ran = 0;
    const d = await diagnoseScenario(request({ instruments: missing, exec: async () => (ran++, { exitCode: 0, timedOut: false, wallNs: 1 }) }));
    expect(ran).toBe(0);
    expect(d.candidate.flameGraph).toEqual({ state: "skipped", reason: "perf-record missing: not installed", fix: "install perf-record" });
    expect(d.diff).toMatchObject({ state: "skipped", fix: "install strace" });
  });

  test("a tool id becomes a safe file name inside the output folder", () => {
    const stem = fileStem("../../etc/passwd");
    expect(stem).toBe("__.._etc_passwd");
    expect(path.dirname(path.join("/out", `${stem}.svg`))).toBe("/out");
    expect(fileStem("blit v2")).toBe("blit_v2");
  });
});
