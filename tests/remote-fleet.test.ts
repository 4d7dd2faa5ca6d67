import { expect, test } from "bun:test";
import { BenchError } from "../lib/errors";
import { FleetStepError, laneKeys, planCopies, pulledResultPath, remoteLayout, runFleet, summarizeFleet } from "../lib/remote/fleet";

// Fleet runs, pure parts: copy only what changed, results named per host, one run per machine, no host lost.

const exe = { localPath: "/build/mirrorbench", remotePath: "/srv/ws/.mirrorbench-host/bin/mirrorbench", sha256: "a".repeat(64), mode: 0o755 };
const cfg = { localPath: "/repo/bench.config.yaml", remotePath: "/srv/ws/.mirrorbench-host/config/bench.config.yaml", sha256: "b".repeat(64) };

test("a file is copied only when the host lacks it or has other bytes", () => {
  expect(planCopies([exe, cfg], new Map([[exe.remotePath, exe.sha256], [cfg.remotePath, null]]))).toEqual({ copy: [cfg], current: [exe] });
  expect(planCopies([exe, cfg], new Map([[exe.remotePath, "c".repeat(64)]]))).toEqual({ copy: [exe, cfg], current: [] });
  expect(planCopies([exe, cfg], new Map([[exe.remotePath, exe.sha256], [cfg.remotePath, cfg.sha256]])).copy).toEqual([]);
});

test("everything mirrorbench stages on a host lives under one folder of its workspace", () => {
  expect(remoteLayout("/srv/ws", "configs/phase-2.5.yaml")).toEqual({
    root: "/srv/ws/.mirrorbench-host",
    exe: "/srv/ws/.mirrorbench-host/bin/mirrorbench",
    config: "/srv/ws/.mirrorbench-host/config/phase-2.5.yaml",
    results: "/srv/ws/.mirrorbench-host/results",
    bench: "/srv/ws/.mirrorbench-host/bench",
  });
  expect(() => remoteLayout("relative/ws", "a.yaml")).toThrow(BenchError);
});

test("a pulled results file keeps the host's own <stamp>_<host id> name in results/, and anything else is refused", () => {
  expect(pulledResultPath("results", "nas", "20260105T101500.123Z_nas-1a2b3c4d.json")).toBe("results/20260105T101500.123Z_nas-1a2b3c4d.json");
  for (const bad of ["../20260105T101500Z_x.json", "20260105T101500Z_a/b.json", "notes.json", "20260105T101500Z_.json"]) {
    expect(() => pulledResultPath("results", "nas", bad)).toThrow(/not a results file name/);
  }
});

test("two names for one machine share a lane; without a machine id the dialled address decides", () => {
  const lanes = laneKeys([
    { name: "nas", machineId: "m1", address: "nas.local:22" },
    { name: "nas-as-root", machineId: "m1", address: "nas.local:22" },
    { name: "mac", machineId: null, address: "10.0.0.7:22" },
    { name: "mac-again", machineId: null, address: "10.0.0.7:22" },
    { name: "win", machineId: null, address: "10.0.0.8:22" },
  ]);
  expect(lanes.get("nas")).toBe(lanes.get("nas-as-root")!);
  expect(lanes.get("mac")).toBe(lanes.get("mac-again")!);
  expect(new Set(lanes.values()).size).toBe(3);
});

test("hosts run in parallel but never two runs on one machine", async () => {
  const running = new Map<string, number>();
  let most = 0;
  let overlapSameLane = false;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let startedLanes = 0;
  const job = (host: string, lane: string) => ({
    host,
    lane,
    run: async () => {
      const now = (running.get(lane) ?? 0) + 1;
      if (now > 1) overlapSameLane = true;
      running.set(lane, now);
      most = Math.max(most, [...running.values()].reduce((a, b) => a + b, 0));
      // the first job of each lane waits until both lanes have started: only parallel lanes get past this
      if (++startedLanes === 2) release();
      await Promise.race([gate, Bun.sleep(10_000)]);
      running.set(lane, running.get(lane)! - 1);
      return host;
    },
  });
  const out = await runFleet([job("a1", "A"), job("a2", "A"), job("b1", "B"), job("a3", "A")], { parallel: 4 });
  expect(overlapSameLane).toBe(false);
  expect(most).toBe(2);
  expect(out.map((o) => o.state === "completed" && o.value)).toEqual(["a1", "a2", "b1", "a3"]);
});

test("a host that fails keeps its reason and stage, and every other host's result is kept", async () => {
  const out = await runFleet([
    { host: "nas", lane: "1", run: async () => "results/x_nas.json" },
    { host: "mac", lane: "2", run: async () => { throw new FleetStepError("copy", "upload of mirrorbench did not arrive intact"); } },
    { host: "win", lane: "3", run: async () => { throw new Error("boom\nsecond line"); } },
    { host: "lin", lane: "4", run: async () => "results/y_lin.json" },
  ], { parallel: 2 });
  expect(out.map((o) => o.state)).toEqual(["completed", "failed", "failed", "completed"]);
  expect(out[1]).toMatchObject({ host: "mac", stage: "copy", reason: "upload of mirrorbench did not arrive intact" });
  expect(out[2]).toMatchObject({ host: "win", stage: "run", reason: "boom" });
  const s = summarizeFleet(out, (file) => file);
  expect([s.completed, s.failed, s.skipped]).toEqual([2, 2, 0]);
  expect(s.lines[0]).toMatch(/^host nas: completed in \d+\.\d s: results\/x_nas\.json$/);
  expect(s.lines[1]).toBe("host mac: failed at copy: upload of mirrorbench did not arrive intact");
});

test("after a failure on one machine its later runs can be skipped while other machines go on", async () => {
  const out = await runFleet([
    { host: "nas", lane: "m", run: async () => { throw new FleetStepError("probe", "unreachable"); } },
    { host: "nas-2", lane: "m", run: async () => "never" },
    { host: "mac", lane: "n", run: async () => "ok" },
  ], { stopLaneOnFailure: true });
  expect(out.map((o) => o.state)).toEqual(["failed", "skipped", "completed"]);
});
