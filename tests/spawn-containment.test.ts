import { afterAll, expect, test } from "bun:test";
import { selectPlatform } from "../lib/platform/index";
import { LocalExecutor } from "../lib/run/spawn";

// mb-run as the tool tree's subreaper: double forks and setsid escapes are found and killed (Linux).

const executor = new LocalExecutor(selectPlatform());
const onLinuxMeter = process.platform === "linux" && executor.meter.kind === "mb-run";
const markers: string[] = [];
afterAll(() => {
  markers.forEach((m) => Bun.spawnSync(["pkill", "-KILL", "-f", m]));
  executor.close();
});

function sleeper(): string {
  const m = `sleep 1000.${process.pid}${markers.length}${String(Date.now() % 1e6).padStart(6, "0")}`;
  markers.push(m);
  return m;
}
const survivors = (m: string) => Bun.spawnSync(["pgrep", "-f", m]).stdout.toString().trim();

test.if(onLinuxMeter)("a double-forked daemon and a setsid escape are killed after the tool exits and counted", async () => {
  const [a, b] = [sleeper(), sleeper()];
  const out = await executor.run({ argv: ["/bin/sh", "-c", `(${a} &); setsid ${b} & exit 0`], logFd: "ignore", timeoutMs: 30_000 });
  expect(out.exitCode).toBe(0);
  expect(out.strayProcessesKilled).toBe(2);
  expect(survivors(a)).toBe("");
  expect(survivors(b)).toBe("");
});

test.if(onLinuxMeter)("the timed window ends when the tool exits, not when its leftovers are killed", async () => {
  const m = sleeper();
  const out = await executor.run({ argv: ["/bin/sh", "-c", `${m} & exit 0`], logFd: "ignore", timeoutMs: 30_000 });
  expect(out.strayProcessesKilled).toBe(1);
  expect(out.measure!.wallNs).toBeLessThan(5e9); // the leftover sleeps 1000 s
});

test.if(onLinuxMeter)("killAll (Ctrl-C) takes down a running tool's whole tree, its setsid child included", async () => {
  const [a, b] = [sleeper(), sleeper()];
  const running = executor.run({ argv: ["/bin/sh", "-c", `setsid ${a} & ${b}`], logFd: "ignore", timeoutMs: 60_000 });
  const t0 = Date.now();
  while (survivors(a) === "" || survivors(b) === "") {
    if (Date.now() - t0 > 20_000) throw new Error("the tool never started");
    await Bun.sleep(20);
  }
  executor.killAll("SIGKILL");
  const out = await running;
  expect(out.timedOut).toBe(false);
  expect(survivors(a)).toBe("");
  expect(survivors(b)).toBe("");
});
