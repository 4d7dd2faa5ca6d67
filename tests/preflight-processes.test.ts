import { afterAll, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { realPreflightIo } from "../lib/run/preflight";
import { tmpDir } from "./helpers";

// The forbidden-process check looks at processes that run: a zombie nobody reaped yet (a compiler that
// finished under a parent that has not waited for it) runs nothing and must not refuse a benchmark.

const dir = tmpDir("mb-preflight-procs-");
const parents: { kill(): void }[] = [];
afterAll(() => {
  for (const p of parents) p.kill();
  fs.rmSync(dir, { recursive: true, force: true });
});

function named(name: string, from: string): string {
  const f = path.join(dir, name);
  fs.copyFileSync(Bun.which(from)!, f);
  fs.chmodSync(f, 0o755);
  return f;
}

test.skipIf(process.platform !== "linux")("a running process is listed by its name; a zombie of the same kind is not", async () => {
  const runner = named("mbrunning", "sleep");
  const zombie = named("mbzombie", "true");
  const live = Bun.spawn([runner, "30"], { stdout: "ignore", stderr: "ignore" });
  // sh starts mbzombie, then becomes `sleep`, which never waits for it: mbzombie stays a zombie until sleep ends.
  const parent = Bun.spawn(["sh", "-c", `${zombie} & exec sleep 30`], { stdout: "ignore", stderr: "ignore" });
  parents.push(live, parent);
  let zombiePid = 0;
  for (let i = 0; i < 100 && !zombiePid; i++) {
    await Bun.sleep(50);
    for (const name of fs.readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
      try {
        const stat = fs.readFileSync(`/proc/${name}/stat`, "utf8");
        if (stat.includes("(mbzombie) Z")) zombiePid = Number(name);
      } catch {
        /* gone */
      }
    }
  }
  expect(zombiePid).toBeGreaterThan(0);
  const procs = realPreflightIo.processes();
  expect(procs.filter((p) => p.comm === "mbrunning").map((p) => p.pid)).toEqual([live.pid]);
  expect(procs.some((p) => p.comm === "mbzombie")).toBe(false);
});
