import { expect, test } from "bun:test";
import { clockText, etaMs, fitPieces, LiveProgress } from "../lib/cli/live";
import { StatusLine } from "../lib/cli/status-line";
import type { RunEvent } from "../lib/run/execute";
import type { PlannedRun, ScenarioPlan } from "../lib/types";

// The progress line's pieces, pure: no terminal, no process. The terminal itself is tested in e2e-progress-terminal.

function capture(enabled = true, columns = 60) {
  const writes: string[] = [];
  const status = new StatusLine({ write: (s) => void writes.push(s), enabled, columns: () => columns });
  return { writes, status };
}

test("elapsed time reads as seconds under a minute, then m:ss and h:mm:ss", () => {
  expect([clockText(4200), clockText(65_000), clockText(3_723_000)]).toEqual(["4.2 s", "1:05", "1:02:03"]);
});

test("pieces that do not fit go lowest priority first, and what is left is cut to the width", () => {
  const pieces = [
    { text: "[cp] measured 3/5", priority: 9 },
    { text: "running 2.4 s", priority: 8 },
    { text: "dst fs +180 MiB", priority: 3 },
    { text: "run 14/45", priority: 7 },
  ];
  expect(fitPieces(pieces, 80)).toBe("[cp] measured 3/5 · running 2.4 s · dst fs +180 MiB · run 14/45");
  expect(fitPieces(pieces, 45)).toBe("[cp] measured 3/5 · running 2.4 s · run 14/45");
  expect(fitPieces(pieces, 12)).toBe("[cp] measur…");
});

test("the ETA adds each remaining run's expected time, less what the running one has spent, and says when some are unknown", () => {
  const est = (k: string) => ({ a: 1000, b: 3000 })[k as "a" | "b"];
  expect(etaMs([{ key: "a", elapsedMs: 400 }, { key: "b" }, { key: "b" }], est)).toEqual({ ms: 6600, partial: false });
  expect(etaMs([{ key: "a" }, { key: "c" }], est)).toEqual({ ms: 1000, partial: true });
  expect(etaMs([{ key: "c" }], est)).toBeNull();
});

test("the status line is cut to the terminal's width minus one and erases the rest of the row", () => {
  const { writes, status } = capture(true, 20);
  status.show("x".repeat(50));
  expect(writes).toEqual([`\r${"x".repeat(18)}…\x1b[K`]);
});

test("off a terminal (or with --quiet) the status line draws nothing and console lines pass straight through", () => {
  const { writes, status } = capture(false);
  const out: string[] = [];
  status.show("hello");
  status.around((s) => void out.push(s))("a line\n");
  status.done();
  expect(writes).toEqual([]);
  expect(out).toEqual(["a line\n"]);
});

test("a console line clears the drawn status line first and draws it again after", () => {
  const log: string[] = [];
  const status = new StatusLine({ write: (s) => void log.push(`err:${s}`), enabled: true, columns: () => 40 });
  status.show("[cp] measured 1/5");
  status.around((s) => void log.push(`out:${s}`))("[cp] Measured run 1/5 -> /dst\n");
  expect(log).toEqual(["err:\r[cp] measured 1/5\x1b[K", "err:\r\x1b[K", "out:[cp] Measured run 1/5 -> /dst\n", "err:\r[cp] measured 1/5\x1b[K"]);
});

function plans(): ScenarioPlan[] {
  const run = (tool: string, index: number): PlannedRun => ({ scenario: "s", tool, label: tool, phase: "measured", index, total: 2, round: index, argv: [], dst: "/dst", cache: "keep" });
  const runs = [run("a", 1), run("b", 1), run("a", 2), run("b", 2)];
  return [{ scenario: { name: "s", workload: { kind: "copy" } } as any, baseline: null, candidates: [], tools: ["a", "b"], skipped: [], runs }];
}

test("the live line names the run, its step with its elapsed time, scenario s/S, run k/N and an ETA from the runs so far", () => {
  const { status } = capture(true, 200);
  let now = 0;
  const used = { usedBytes: 0, usedInodes: 0 };
  const [sp] = plans();
  const live = new LiveProgress({ status, plans: [sp!], now: () => now, usage: () => ({ ...used }) });
  const ev = (e: RunEvent) => live.onEvent(e);
  const [a1, b1] = sp!.runs;
  ev({ kind: "run-start", run: a1! });
  ev({ kind: "step", run: a1!, step: "tool" });
  now = 2000;
  used.usedBytes = 4 << 20;
  used.usedInodes = 10;
  expect(live.text(200)).toBe("[a] measured 1/2 · running 2.0 s · dst fs +4.0 MiB (2.0 MiB/s), +10 inodes · scenario 1/1 s · run 1/4");
  ev({ kind: "run-end", run: a1!, state: "completed", wallNs: 2e9, failure: null });
  ev({ kind: "run-start", run: b1! });
  ev({ kind: "step", run: b1!, step: "verify" });
  now = 2500;
  // a's second run is expected to take a's mean slot (2 s); b has no slot yet: the ETA is a lower bound.
  expect(live.text(200)).toBe("[b] measured 1/2 · verifying the copy 0.5 s · scenario 1/1 s · run 2/4 · ETA > 2.0 s");
  live.stop();
});
