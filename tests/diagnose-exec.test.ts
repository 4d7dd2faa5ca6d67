import { afterAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { localExec } from "../lib/diagnose/exec.ts";
import { tmpDir } from "./helpers.ts";

const root = tmpDir("mb-diagnose-exec-");
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** Running, as opposed to gone or a zombie waiting for its new parent to reap it (killed all the same). */
function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

async function waitGone(pid: number, ms = 5000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!alive(pid)) return true;
    await Bun.sleep(20);
  }
  return !alive(pid);
}

describe("diagnosis exec", () => {
  test("a run past its timeout is killed with everything it started", async () => {
    const pidFile = path.join(root, "timeout.pid");
    const r = await localExec({
      argv: ["sh", "-c", `sleep 300 & echo $! > ${pidFile}; wait`],
      logFile: path.join(root, "log"),
      timeoutMs: 500,
    });
    expect(r.timedOut).toBe(true);
    expect(await waitGone(Number(fs.readFileSync(pidFile, "utf8")))).toBe(true);
  });

  test("a process the run left behind is killed when the run ends", async () => {
    const pidFile = path.join(root, "stray.pid");
    const r = await localExec({
      argv: ["sh", "-c", `sleep 300 & echo $! > ${pidFile}; exit 0`],
      logFile: path.join(root, "log"),
      timeoutMs: 60_000,
    });
    expect(r).toMatchObject({ exitCode: 0, timedOut: false });
    expect(await waitGone(Number(fs.readFileSync(pidFile, "utf8")))).toBe(true);
  });

  test("stdout goes to its own file when asked, stderr to the log", async () => {
    const out = path.join(root, "out.txt");
    const log = path.join(root, "log2");
    const r = await localExec({ argv: ["sh", "-c", "echo data; echo note >&2; exit 3"], logFile: log, stdoutFile: out, timeoutMs: 60_000 });
    expect(r.exitCode).toBe(3);
    expect(fs.readFileSync(out, "utf8")).toBe("data\n");
    expect(fs.readFileSync(log, "utf8")).toBe("note\n");
  });
});
