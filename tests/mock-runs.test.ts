import { expect, test } from "bun:test";
import { gateConfig, mockRun } from "./fixtures/mock-run";

// Failed and timed-out runs, the rotation order and the harness's steps, on the mock executor: no process, no file.

test("a run that exits with an unexpected status is failed with the old script's error line, and the benchmark goes on", async () => {
  const r = await mockRun(gateConfig({ base: "sleep 0.1", cand: "sleep 0.1 exit 2", runs: 2, warmup: 0 }));
  const cand = r.scenarios[0]!.runs.filter((x) => x.tool === "cand");
  expect(cand.map((x) => x.state)).toEqual(["failed", "failed"]);
  expect(cand[0]).toMatchObject({ exitCode: 2, reason: "exited with status 2" });
  expect(r.errors.filter((l) => l === "error: cand exited with status 2").length).toBe(2);
  expect(r.scenarios[0]!.runs.filter((x) => x.tool === "base" && x.state === "completed").length).toBe(2);
});

test("a run longer than its timeout is failed as timed out, with the timeout in the reason and on the console", async () => {
  const r = await mockRun(gateConfig({ base: "sleep 0.1", cand: "sleep 5", runs: 1, warmup: 0, timeout: "1s" }));
  const run = r.scenarios[0]!.runs.find((x) => x.tool === "cand")!;
  expect(run).toMatchObject({ state: "failed", reason: "timed out after 1.0s (killed with its process tree)" });
  expect(r.errors).toContain("error: cand timed out after 1.0s and was killed");
  expect(r.scenarios[0]!.verdicts[0]!.verdict).toBe("FAIL");
});

test("warmups of every tool come first, then round i starts at tool (i-1) mod n", async () => {
  const yaml = `defaults: { runs: 3, warmup: 1, cache: keep }
tools:
  a: { argv: [a, "sleep 0.1", "{src}", "{dst}"] }
  b: { argv: [b, "sleep 0.2", "{src}", "{dst}"] }
  c: { argv: [c, "sleep 0.3", "{src}", "{dst}"] }
scenarios:
  - { name: s, workload: { files: { count: 1, size: 1KiB } }, tools: [a, b, c] }
`;
  const r = await mockRun(yaml);
  expect(r.executor.requests.map((q) => q.argv[0])).toEqual(["a", "b", "c", "a", "b", "c", "b", "c", "a", "c", "a", "b"]);
  expect(r.lines.filter((l) => l.startsWith("[a] ")).slice(0, 3)).toEqual(["[a] Warmup run 1/1 -> /tmp/mirrorbench/dst/s/a", "[a] Measured run 1/3 -> /tmp/mirrorbench/dst/s/a", "[a] Measured run 1 completed in 0.100s"]);
});

test("each run's wall time is the executor's, and the slot time comes from the injected clock", async () => {
  const r = await mockRun(gateConfig({ base: "sleep 0.250", cand: "sleep 0.125", runs: 2, warmup: 0 }));
  const times = Object.fromEntries(r.scenarios[0]!.tools.map((t) => [t.tool, t.state === "completed" ? t.stats.time.meanNs : null]));
  expect(times).toEqual({ base: 250e6, cand: 125e6 });
  for (const run of r.scenarios[0]!.runs) expect(run.slotNs).toBe(run.state === "completed" ? run.measure.wallNs : -1);
  expect(r.scenarios[0]!.runs.every((x) => x.cache === "dropped")).toBe(true);
});

test("a wrong copy (the harness's verify) fails the run, and so the candidate", async () => {
  const r = await mockRun(gateConfig({ base: "sleep 0.1", cand: "sleep 0.1", runs: 1, warmup: 0 }), {
    harness: { verify: async (run) => (run.tool === "cand" ? { ok: false, summary: "1 missing: g0/f1.dat" } : { ok: true, summary: "" }) },
  });
  expect(r.scenarios[0]!.runs.find((x) => x.tool === "cand")).toMatchObject({ state: "failed", reason: "copy is wrong: 1 missing: g0/f1.dat" });
  expect(r.errors).toContain("error: cand copied wrong: 1 missing: g0/f1.dat");
  expect(r.decision.decision).toBe("NO-GO");
});

test("a harness step that throws fails that run only; the next runs go on", async () => {
  let n = 0;
  const r = await mockRun(gateConfig({ base: "sleep 0.1", cand: "sleep 0.1", runs: 2, warmup: 0 }), {
    harness: {
      async before() {
        if (n++ === 0) throw Object.assign(new Error("ELOOP: too many symbolic links"), { code: "ELOOP" });
        return { cache: "kept", residentFraction: null };
      },
    },
  });
  expect(r.scenarios[0]!.runs.map((x) => `${x.tool} ${x.state}`)).toEqual(["base failed", "cand completed", "cand completed", "base completed"]);
  expect(r.errors).toContain("error: base run failed: ELOOP: too many symbolic links");
  expect(r.executor.requests.length).toBe(3);
});

test("a tool that modified its source fails the run with the reason the harness gives", async () => {
  const r = await mockRun(gateConfig({ base: "sleep 0.1", cand: "sleep 0.1", runs: 1, warmup: 0 }), {
    harness: { after: (run) => ({ notReal: null, tampered: run.tool === "cand" ? "modified the source: g0/f1.dat (size)" : null }) },
  });
  expect(r.scenarios[0]!.runs.find((x) => x.tool === "cand")).toMatchObject({ state: "failed", reason: "modified the source: g0/f1.dat (size)" });
  expect(r.errors).toContain("error: cand modified the source: g0/f1.dat (size)");
});
