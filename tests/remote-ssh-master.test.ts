import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { SshHost } from "../lib/remote/ssh";
import { type SshdFixture, sshdSkipReason, startSshd } from "./fixtures/sshd";

// Connection reuse through ControlMaster really happens: the server sees one TCP connection for many commands.

const SKIP = sshdSkipReason();
if (SKIP) test.skip(`remote ssh tests skipped: ${SKIP}`, () => {});

/** The client's TCP source port as the server saw it (SSH_CLIENT = "ip port serverport"): one port = one connection. */
async function sourcePort(h: SshHost): Promise<string> {
  const r = await h.sh('printf %s "$SSH_CLIENT"');
  expect(r.code).toBe(0);
  return r.stdout.split(" ")[1]!;
}

describe.skipIf(!!SKIP)("over a loopback sshd", () => {
  let f: SshdFixture;
  const hosts: SshHost[] = [];
  beforeAll(async () => {
    f = await startSshd();
  });
  afterAll(async () => {
    for (const h of hosts) await h.closeMaster();
    await f?.stop();
  });

  test("commands after the first reuse the master connection, and ssh -O check says it is running", async () => {
    const h = new SshHost(f.spec("a"), { controlDir: f.controlDir });
    hosts.push(h);
    expect(await h.masterRunning()).toBe(false);
    const first = await sourcePort(h);
    expect(await h.masterRunning()).toBe(true);
    const check = Bun.spawnSync(h.sshArgv(null, ["-O", "check"]), { stderr: "pipe" });
    expect(check.stderr.toString()).toMatch(/Master running \(pid=\d+\)/);
    expect(await sourcePort(h)).toBe(first);
    expect(await sourcePort(h)).toBe(first);
    // the socket is the short %C name in the private folder
    expect(fs.readdirSync(f.controlDir).some((n) => /^cm-[0-9a-f]{40}$/.test(n))).toBe(true);
  });

  test("closeMaster ends the connection and the next command opens a new one", async () => {
    const h = new SshHost(f.spec("b"), { controlDir: f.controlDir });
    hosts.push(h);
    const before = await sourcePort(h);
    expect(await h.closeMaster()).toBe(true);
    expect(await h.masterRunning()).toBe(false);
    expect(await sourcePort(h)).not.toBe(before);
  });

  test("without multiplexing each command is its own connection and no socket is made", async () => {
    const h = new SshHost(f.spec("a"), { multiplex: false });
    const ports = new Set([await sourcePort(h), await sourcePort(h)]);
    expect(ports.size).toBe(2);
    expect(await h.masterRunning()).toBe(false);
  });

  test("the two fixture aliases are separate connections with their own workspace", async () => {
    const a = new SshHost(f.spec("a"), { controlDir: f.controlDir });
    const b = new SshHost(f.spec("b"), { controlDir: f.controlDir });
    hosts.push(a, b);
    const ws = async (h: SshHost) => (await h.sh('printf %s "$MB_WORKSPACE"')).stdout;
    expect(await ws(a)).toBe(f.a.workspace);
    expect(await ws(b)).toBe(f.b.workspace);
    expect((await a.resolved()).port).toBe(f.a.port);
    expect((await b.resolved()).port).toBe(f.b.port);
    expect(path.isAbsolute(f.a.workspace)).toBe(true);
  });
});
