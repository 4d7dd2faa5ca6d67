import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SshHost } from "../lib/remote/ssh";
import { type SshdFixture, sshdSkipReason, startSshd } from "./fixtures/sshd";

// A remote command that outlives its timeout is ended on the remote side too, children included.

const SKIP = sshdSkipReason();
if (SKIP) test.skip(`remote timeout tests skipped: ${SKIP}`, () => {});

describe.skipIf(!!SKIP)("over a loopback sshd", () => {
  let f: SshdFixture;
  let h: SshHost;
  beforeAll(async () => {
    f = await startSshd();
    h = new SshHost(f.spec("a"), { controlDir: f.controlDir });
  });
  afterAll(async () => {
    await h?.closeMaster();
    await f?.stop();
  });

  const alive = async (pid: number) => (await h.sh('kill -0 "$1" 2>/dev/null && echo yes || echo no', [String(pid)])).stdout.trim() === "yes";

  test("a timed-out remote command is killed there, with the children it started", async () => {
    const r = await h.sh('sleep 300 & echo "$!" > "$1/child.pid"; sleep 300', [f.a.workspace], { timeoutMs: 1_000 });
    expect(r.timedOut).toBe(true);
    expect(r.code).toBe(124);
    expect(r.remotePid).toBeGreaterThan(0);
    expect(r.elapsedMs).toBeLessThan(30_000);
    const child = Number(await Bun.file(`${f.a.workspace}/child.pid`).text());
    expect(await alive(r.remotePid!)).toBe(false);
    expect(await alive(child)).toBe(false);
  });

  test("the remote pid line is not part of the command's stderr", async () => {
    const r = await h.sh("echo out; echo err >&2; exit 3");
    expect(r).toMatchObject({ code: 3, stdout: "out\n", stderr: "err\n", timedOut: false, sshFailed: false });
  });

  test("a connection that fails says so (sshFailed) instead of looking like the command's exit 255", async () => {
    const bad = new SshHost(f.spec("a", { identity: f.strangerKey }), { multiplex: false });
    const r = await bad.exec(["true"]);
    expect(r.sshFailed).toBe(true);
    expect(r.remotePid).toBeNull();
    const own = await h.sh("exit 255");
    expect(own.code).toBe(255);
    expect(own.sshFailed).toBe(false);
  });
});
