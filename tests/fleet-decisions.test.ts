import { expect, test } from "bun:test";
import { parseCli } from "../lib/cli/args";
import { fleetExit, fleetRunTimeoutMs, forwardedArgs } from "../lib/cli/fleet-args";
import { isCompiled, targetOf } from "../lib/cli/fleet-exe";
import type { HostRun } from "../lib/cli/fleet-host";
import { lineSplitter } from "../lib/cli/fleet-host";
import { fleetHosts } from "../lib/cli/hosts";
import { parseConfig } from "../lib/config/load";
import { DEFAULTS, REMOTE_DEFAULTS } from "../lib/defaults";
import type { BenchError } from "../lib/errors";
import type { HostOutcome } from "../lib/remote/fleet";
import { captureIO } from "./fixtures/io";

// A fleet run's pure decisions: its exit code, what each host's run is given, which executable a host needs, how its console is split.

const done = (host: string, exitCode: number): HostOutcome<HostRun> => ({ host, lane: host, state: "completed", value: { exitCode, pulled: [], exe: null as never }, elapsedMs: 1 });
const failed = (host: string): HostOutcome<HostRun> => ({ host, lane: host, state: "failed", stage: "copy", reason: "x", elapsedMs: 1 });

test("the fleet's exit code is the usual verdict over completed hosts, undecided when a host failed, NO-GO first", () => {
  expect(fleetExit([done("a", 0), done("b", 0)], false)).toBe(0);
  expect(fleetExit([done("a", 0), failed("b")], false)).toBe(3);
  expect(fleetExit([done("a", 1), failed("b")], false)).toBe(1);
  expect(fleetExit([done("a", 0), done("b", 3)], false)).toBe(3);
  expect(fleetExit([done("a", 4), done("b", 0)], false)).toBe(4);
  expect(fleetExit([done("a", 4), done("b", 3)], false)).toBe(3);
  expect(fleetExit([done("a", 0)], true)).toBe(130);
});

test("each host's run gets the run's choices (scenarios, runs, flags, SIZE_MB) but never this host's places or exports", () => {
  const io = captureIO("/work", { env: { SIZE_MB: "64", RUNS: "7" } });
  const opts = parseCli(["--scenario", "small*", "--scenario", "mixed", "-w", "0", "--workspace", "/local/ws", "--results-dir", "r", "--remove-workspace", "--keep", "9", "-q", "--fail-on-regression", "--hosts", "a,b"], io);
  expect(forwardedArgs(opts)).toEqual({
    args: ["--scenario", "small*", "--scenario", "mixed", "--runs", "7", "--warmup", "0", "--remove-workspace", "--keep", "9", "--quiet", "--fail-on-regression"],
    env: { SIZE_MB: "64" },
  });
});

test("a host's whole run may take every run's timeout and harness grace, plus the slack, for the scenarios chosen", () => {
  const c = parseConfig(`tools:\n  cp: { argv: [cp, -a, "{src}/.", "{dst}/"] }\n  cp2: { argv: [cp, -R, "{src}/.", "{dst}/"] }\nscenarios:\n  - { name: a, tools: [cp, cp2], runs: 3, warmup: 1, timeout: 1m, workload: { files: { count: 1, size: 1KiB } } }\n  - { name: b, tools: [cp], runs: 1, warmup: 0, timeout: 1m, workload: { files: { count: 1, size: 1KiB } } }\n`, "/tmp/x.yaml", { env: {}, machine: null });
  const per = 60_000 + DEFAULTS.harnessGraceMs;
  expect(fleetRunTimeoutMs(c, undefined)).toBe(REMOTE_DEFAULTS.fleetRunSlackMs + 8 * per + 1 * per);
  expect(fleetRunTimeoutMs(c, (n) => n === "b")).toBe(REMOTE_DEFAULTS.fleetRunSlackMs + per);
});

test("a host's uname names its build:all target; others have none", () => {
  expect(targetOf("Linux", "x86_64")).toBe("linux-x64");
  expect(targetOf("Linux", "aarch64")).toBe("linux-arm64");
  expect(targetOf("Darwin", "arm64")).toBe("darwin-arm64");
  expect(targetOf("Darwin", "x86_64")).toBe("darwin-x64");
  expect(targetOf("Linux", "armv7l")).toBeNull();
  expect(targetOf("FreeBSD", "amd64")).toBeNull();
  expect(targetOf(null, null)).toBeNull();
});

test("the compiled executable is told apart from a run from source", () => {
  expect(isCompiled("/$bunfs/root/mirrorbench")).toBe(true);
  expect(isCompiled("B:/~BUN/root/mirrorbench.exe")).toBe(true);
  expect(isCompiled("/work/mirrorbench/scripts/bench.ts")).toBe(false);
});

test("a remote stream is shown line by line however it is chunked, a last line without newline included", () => {
  const lines: string[] = [];
  const s = lineSplitter((l) => lines.push(l));
  for (const chunk of ["Gen", "erating…\r\n[cp] Warm", "up run 1/1\n\nAvg"]) s.push(chunk);
  s.flush();
  expect(lines).toEqual(["Generating…", "[cp] Warmup run 1/1", "", "Avg"]);
});

test("--hosts, else run_on:, picks the fleet; a fleet member never starts one", () => {
  const c = parseConfig(`hosts:\n  nas: { ssh: nas }\n  mac: { ssh: mac }\nrun_on: [nas]\ntools:\n  cp: { argv: [cp, -a, "{src}/.", "{dst}/"] }\nscenarios:\n  - { name: a, tools: [cp], workload: { files: { count: 1, size: 1KiB } } }\n`, "/tmp/x.yaml", { env: {}, machine: null });
  expect(fleetHosts({ hosts: undefined }, c, {})).toEqual(["nas"]);
  expect(fleetHosts({ hosts: "mac,nas" }, c, {})).toEqual(["mac", "nas"]);
  expect(fleetHosts({ hosts: undefined }, c, { MIRRORBENCH_FLEET_HOST: "nas" })).toEqual([]);
  let hint = "";
  try {
    fleetHosts({ hosts: "nsa" }, c, {});
  } catch (e) {
    hint = (e as BenchError).hint ?? "";
  }
  expect(hint).toBe('did you mean "nas"? hosts: nas, mac');
});

test("--force and --no-preflight are passed on to each host's run (each host runs its own preflight)", () => {
  const io = captureIO("/work", { env: {} });
  expect(forwardedArgs(parseCli(["--force"], io)).args).toEqual(["--force"]);
  expect(forwardedArgs(parseCli(["--no-preflight"], io)).args).toEqual(["--no-preflight"]);
});
