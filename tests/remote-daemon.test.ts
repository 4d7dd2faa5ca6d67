import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { makeStateDir, type RemoteDaemon, startDaemon } from "../lib/remote/daemon";
import { readDaemonReport, type DaemonMeter } from "../lib/remote/daemon-meter";
import { buildMeter } from "../lib/platform/meter";
import { SshHost } from "../lib/remote/ssh";
import { type SshdFixture, sshdSkipReason, startSshd } from "./fixtures/sshd";

// A daemon on "the remote": started over ssh in a fresh state dir, ready, identified, measured, and stopped cleanly.

const SKIP = sshdSkipReason() ?? (Bun.which("rsync") ? null : "rsync is not installed");
if (SKIP) test.skip(`remote daemon tests skipped: ${SKIP}`, () => {});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

describe.skipIf(!!SKIP)("over a loopback sshd", () => {
  let f: SshdFixture;
  let h: SshHost;
  const started: RemoteDaemon[] = [];
  beforeAll(async () => {
    f = await startSshd();
    h = new SshHost(f.spec("b"), { controlDir: f.controlDir });
  });
  afterAll(async () => {
    // nothing a test started outlives it, even when an assertion failed halfway
    for (const d of started) await d.stop(0).catch(() => undefined);
    await h?.closeMaster();
    await f?.stop();
  });

  const daemons = () => path.join(f.b.workspace, "daemons");

  test("rsync --daemon becomes ready on its port, serves a real copy, keeps its identity and stops on SIGTERM", async () => {
    const port = await freePort();
    const state = await makeStateDir(h, daemons());
    expect(fs.readdirSync(state)).toEqual([]);
    const module = path.join(f.b.workspace, "module");
    fs.mkdirSync(module);
    fs.writeFileSync(path.join(state, "rsyncd.conf"), `use chroot = no\nuid = ${process.getuid!()}\ngid = ${process.getgid!()}\n[bench]\n  path = ${module}\n  read only = no\n`);
    const argv = ["rsync", "--daemon", "--no-detach", "--address=127.0.0.1", `--port=${port}`, "--config", "{state}/rsyncd.conf"];
    const d = await startDaemon(h, { argv, ready: { tcp: port } }, state);
    started.push(d);
    expect(d.identity.cmdline).toEqual(argv.map((a) => a.replace("{state}", state)));
    expect(d.identity.pgid).toBe(d.identity.pid);
    expect(Number(fs.readFileSync(path.join(state, "daemon.pid"), "utf8"))).toBe(d.identity.pid);

    const src = path.join(f.dir, "src");
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, "a.bin"), Buffer.alloc(2_000_000, 1));
    const copy = Bun.spawnSync(["rsync", "-a", `${src}/`, `rsync://127.0.0.1:${port}/bench/`], { stderr: "pipe" });
    expect(copy.stderr.toString()).toBe("");
    expect(fs.readFileSync(path.join(module, "a.bin")).equals(fs.readFileSync(path.join(src, "a.bin")))).toBe(true);

    expect(await d.stillSame()).toEqual({ same: true });
    const usage = await d.sample();
    expect(usage.peakRssBytes).toBeGreaterThan(0);
    expect(usage.rssBytes!).toBeLessThanOrEqual(usage.peakRssBytes!);
    expect(usage.childCpuUserMs).not.toBeNull();
    expect(usage.how).toContain("cutime");

    expect(await d.stop()).toBe("terminated");
    expect((await d.stillSame()).same).toBe(false);
    await d.removeStateDir();
    expect(fs.existsSync(state)).toBe(false);
  });

  test("a daemon ready by its log line; after it is killed the identity check fails and stop signals nothing", async () => {
    const port = await freePort();
    const state = await makeStateDir(h, daemons());
    const py = Bun.which("python3", { PATH: "/usr/bin:/bin:/usr/local/bin" }) ?? "python3";
    const d = await startDaemon(h, { argv: [py, "-u", "-m", "http.server", "--bind", "127.0.0.1", String(port), "--directory", "{state}"], ready: { log: "Serving HTTP on" } }, state);
    started.push(d);
    const res = await fetch(`http://127.0.0.1:${port}/daemon.pid`);
    expect(Number(await res.text())).toBe(d.identity.pid);
    process.kill(d.identity.pid, "SIGKILL");
    for (let i = 0; i < 100 && (await d.stillSame()).same; i++) await Bun.sleep(50);
    const check = await d.stillSame();
    expect(check.same).toBe(false);
    if (!check.same) expect(check.reason).toContain("is gone");
    expect(await d.stop()).toBe("already-gone");
  });

  test("a daemon that dies at start fails with its own log, and one that never gets ready is stopped", async () => {
    const dead = await makeStateDir(h, daemons());
    await expect(startDaemon(h, { argv: ["sh", "-c", "echo 'bad config line 3' >&2; exit 1"], ready: { tcp: await freePort() }, readyTimeoutMs: 10_000 }, dead))
      .rejects.toThrow(/bad config line 3/);
    const slow = await makeStateDir(h, daemons());
    const err = await startDaemon(h, { argv: ["sh", "-c", "echo started; exec sleep 300"], ready: { log: "never printed" }, readyTimeoutMs: 1_000 }, slow).catch((e) => e);
    expect(String(err.message)).toMatch(/not ready within 1000 ms[\s\S]*started/);
    const pid = Number(fs.readFileSync(path.join(slow, "daemon.pid"), "utf8"));
    let alive = true;
    for (let i = 0; i < 100 && alive; i++) {
      try {
        process.kill(pid, 0);
        await Bun.sleep(50);
      } catch {
        alive = false;
      }
    }
    expect(alive).toBe(false);
  });

  // The listener stays small; each connection's child touches 64 MiB and is reaped before anyone samples: only a
  // waiting parent's wait4 (the daemon's cmaxrss) sees it.
  const FORKING = path.join(import.meta.dir, "fixtures", "forking-daemon.py");
  const MIB64 = 64 * 1024 * 1024;
  const ask = async (port: number) => {
    const s = net.connect({ host: "127.0.0.1", port });
    const text = await new Promise<string>((resolve, reject) => {
      let got = "";
      s.on("data", (b) => (got += b.toString()));
      s.on("end", () => resolve(got));
      s.on("error", reject);
    });
    expect(text).toBe("ok\n");
  };
  const meters: [string, () => DaemonMeter | null][] = [
    ["mb-run", () => {
      const m = buildMeter(process.platform);
      return m.kind === "mb-run" && m.wrapperPath ? { kind: "mb-run", path: m.wrapperPath } : null;
    }],
    ["GNU time", () => {
      if (!fs.existsSync("/usr/bin/time")) return null;
      const v = Bun.spawnSync(["/usr/bin/time", "--version"], { stderr: "pipe", stdout: "pipe" });
      return `${v.stdout}${v.stderr}`.includes("GNU") ? { kind: "gnu-time", path: "/usr/bin/time" } : null;
    }],
  ];
  for (const [name, meterOf] of meters) {
    test(`under ${name}, the daemon's figure covers the per-connection children it reaped (64 MiB), not just its listener`, async () => {
      const meter = meterOf();
      if (!meter) return console.warn(`skipped: no ${name} here`);
      const port = await freePort();
      const state = await makeStateDir(h, daemons());
      const d = await startDaemon(h, { argv: ["/usr/bin/python3", FORKING, String(port), "64"], ready: { tcp: port }, meter }, state);
      started.push(d);
      // The recorded pid is the daemon itself, not the meter or the shell waiting for it.
      expect(d.identity.cmdline).toEqual(["/usr/bin/python3", FORKING, String(port), "64"]);
      expect(d.identity.pgid).not.toBe(d.identity.pid);
      await ask(port);
      await ask(port);
      const listener = await d.sample();
      expect(listener.peakRssBytes!).toBeLessThan(MIB64); // what the old figure was: the listener's own
      expect(await d.stop()).toBe("terminated");
      const rep = await readDaemonReport(h, meter, state);
      if ("why" in rep) throw new Error(rep.why);
      expect(rep.peakRssBytes).toBeGreaterThanOrEqual(MIB64);
      expect(rep.cpuUserMs + rep.cpuSystemMs).toBeGreaterThan(0);
      expect(fs.readFileSync(path.join(state, "daemon.exit"), "utf8").trim()).toMatch(/^\d+$/);
      await d.removeStateDir();
    }, 60_000);
  }

  test("a daemon started without a meter says why it has no figure", async () => {
    const port = await freePort();
    const state = await makeStateDir(h, daemons());
    const d = await startDaemon(h, { argv: ["/usr/bin/python3", FORKING, String(port), "1"], ready: { tcp: port } }, state);
    started.push(d);
    expect(d.identity.pgid).toBe(d.identity.pid); // bare: its own group, as before
    expect(await d.stop()).toBe("terminated");
    expect(await readDaemonReport(h, d.meter, state)).toEqual({ why: "started without a meter" });
    await d.removeStateDir();
  });
});
