import { expect, test } from "bun:test";
import fs from "node:fs";
import { openLog } from "../lib/log";

// /dev/full answers every write with ENOSPC: a log on a full disk, without filling one.
test.skipIf(!fs.existsSync("/dev/full"))("a log whose disk is full reports it once and never ends the run", () => {
  const err: string[] = [];
  const out: string[] = [];
  const log = openLog("/dev/full", { out: (s) => out.push(s), err: (s) => err.push(s) });
  expect(() => {
    log.line("Workspace: /tmp/x (will be preserved on exit)");
    log.file("details");
    log.error("error: cp exited with status 1");
    log.summary("Decision: GO");
    log.close();
  }).not.toThrow();
  const reports = err.filter((l) => l.includes("cannot write the log"));
  expect(reports).toEqual(["error: cannot write the log /dev/full: ENOSPC (no space left on device); the run goes on, the console keeps every line but the log will miss some\n"]);
  expect(log.writeError).toContain("ENOSPC");
  // The console still got every line.
  expect(out).toEqual(["Workspace: /tmp/x (will be preserved on exit)\n", "Decision: GO\n"]);
});

test("a log that cannot be opened is reported once and the run goes on without it", () => {
  const err: string[] = [];
  const log = openLog("/proc/version/bench.log", { out: () => {}, err: (s) => err.push(s) });
  log.line("x");
  log.close();
  expect(err.length).toBe(1);
  expect(err[0]).toStartWith("error: cannot open the log /proc/version/bench.log: ENOTDIR");
  expect(log.fd).toBe("ignore");
});
