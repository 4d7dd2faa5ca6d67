import { expect, test } from "bun:test";
import { EventEmitter } from "node:events";
import { watchSignals } from "../lib/cli/signals";
import { EXIT } from "../lib/errors";
import { openLog } from "../lib/log";
import { MockExecutor } from "../lib/run/mock-executor";
import { Aborted, type Interleaved } from "../lib/run/timing";
import { gateConfig, mockRun } from "./fixtures/mock-run";

// Ctrl-C, SIGTERM and SIGHUP on the mock executor and a fake process: no real signal, no real process.

test("an interrupt during a scenario's runs keeps what was measured, runs nothing more, and draws no verdict", async () => {
  const r = await mockRun(gateConfig({ base: "sleep 0.1", cand: "sleep 0.1", runs: 3, warmup: 1 }), {
    beforeRun: (_req, i, il) => {
      if (i !== 3) return;
      il.abort(new Aborted("interrupted"));
      return true;
    },
  });
  const s = r.scenarios[0]!;
  expect(r.executor.requests.length).toBe(4);
  expect(s.runs.map((x) => `${x.tool} ${x.phase} ${x.state}`)).toEqual(["base warmup completed", "cand warmup completed", "base measured completed", "cand measured completed"]);
  expect(s.state).toBe("failed");
  expect(s.verdicts).toEqual([]);
  expect(s.timings.map((t) => t.error)).toEqual(["aborted", "aborted"]);
});

function watch() {
  const source = new EventEmitter();
  const lines: string[] = [];
  const log = openLog(null, { out: () => {}, err: (s) => void lines.push(s.trim()) });
  const executor = new MockExecutor();
  const exits: number[] = [];
  let cleanups = 0;
  const w = watchSignals({ log, executor, source, cleanup: () => void cleanups++, exit: (c) => void exits.push(c) });
  return { source, lines, executor, exits, w, cleanups: () => cleanups };
}

test("a signal during a scenario's runs aborts them and kills the tool tree; the run then finishes and writes what it measured", () => {
  const t = watch();
  let aborted: Error | null = null;
  t.w.running({ run: async () => [], abort: (e) => void (aborted = e) } as Interleaved);
  t.source.emit("SIGINT");
  expect(t.w.interrupted).toBe(true);
  expect(aborted).toBeInstanceOf(Aborted);
  expect(t.executor.kills).toEqual(["SIGKILL"]);
  expect(t.lines).toEqual(["interrupted: stopping the running tool and writing what was measured"]);
  expect(t.exits).toEqual([]);
});

test("a second signal, or one between scenarios, stops at once with exit 130 after releasing the run", () => {
  const t = watch();
  t.w.running({ run: async () => [], abort: () => {} } as Interleaved);
  t.source.emit("SIGTERM");
  t.source.emit("SIGTERM");
  expect(t.exits).toEqual([EXIT.interrupted]);
  expect(t.cleanups()).toBe(1);
  expect(t.lines.at(-1)).toBe("interrupted: stopped before or between measured runs; finished scenarios are in the results file");

  const between = watch();
  between.source.emit("SIGHUP"); // a closed terminal or ssh session
  expect(between.exits).toEqual([EXIT.interrupted]);
  expect(between.w.interrupted).toBe(false);
});

test("after release the watch no longer listens", () => {
  const t = watch();
  t.w.release();
  expect(t.source.listenerCount("SIGINT") + t.source.listenerCount("SIGTERM") + t.source.listenerCount("SIGHUP")).toBe(0);
  t.source.emit("SIGINT");
  expect(t.exits).toEqual([]);
});
