import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { SshHost } from "../lib/remote/ssh";
import { upload } from "../lib/remote/transfer";
import { SPEC } from "./fixtures/agent-spec";
import { fleetExe, fleetExeSkipReason, type FleetExe } from "./fixtures/fleet-exe";
import { type SshdFixture, sshdSkipReason, startSshd } from "./fixtures/sshd";
import { runCli, tmpDir } from "./helpers";

// The agent as the endpoints step will call it: the compiled executable on a host, over the loopback sshd, one JSON
// object per call; the same spec gives the same manifest hash on both ends.

const SKIP = sshdSkipReason() ?? fleetExeSkipReason();
if (SKIP) test.skip(`remote agent tests skipped: ${SKIP}`, () => {});

describe.skipIf(!!SKIP)("the agent over ssh, from the compiled executable", () => {
  let f: SshdFixture;
  let exe: FleetExe;
  let h: SshHost;
  let remoteExe: string;
  const local = tmpDir("mb-agent-remote-");
  beforeAll(async () => {
    f = await startSshd();
    exe = fleetExe();
    h = new SshHost(f.spec("a"), { controlDir: f.controlDir });
    remoteExe = `${f.a.workspace}/.mirrorbench-host/bin/mirrorbench`;
    await upload(h, exe.file, remoteExe, { mode: 0o755 });
  });
  afterAll(async () => {
    await h?.closeMaster();
    await f?.stop();
    fs.rmSync(local, { recursive: true, force: true });
  });

  async function agent(args: string[], stdin?: string): Promise<any> {
    const r = await h.exec([remoteExe, "agent", ...args, "--json"], { stdin: stdin === undefined ? undefined : new Response(stdin).body!, timeoutMs: 60_000 });
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    return { code: r.code, ...JSON.parse(lines[0]!) };
  }

  test("probe answers with the host's uname, uid, machine id, free space and meter", async () => {
    const p = await agent(["probe", "--path", f.a.workspace]);
    expect(p).toMatchObject({ code: 0, ok: true, op: "probe", os: "Linux", uid: process.getuid!() });
    expect(p.arch).toBe(Bun.spawnSync(["uname", "-m"]).stdout.toString().trim());
    if (fs.existsSync("/etc/machine-id")) expect(p.machineId).toBe(fs.readFileSync("/etc/machine-id", "utf8").trim());
    expect(p.path).toBe(f.a.workspace);
    expect(p.freeBytes).toBeGreaterThan(0);
  });

  test("generate on the host and here from the same spec: the same manifest hash on both ends, and manifest-hash agrees", async () => {
    const remote = await agent(["generate"], JSON.stringify({ root: `${f.a.workspace}/datasets`, spec: SPEC }));
    expect(remote).toMatchObject({ code: 0, ok: true, files: 42, reused: false });
    const here = Bun.spawnSync(["bun", path.join(import.meta.dir, "..", "scripts", "bench.ts"), "agent", "generate", "--json"], { stdin: Buffer.from(JSON.stringify({ root: path.join(local, "datasets"), spec: SPEC })), stdout: "pipe" });
    const mine = JSON.parse(here.stdout.toString());
    expect(mine.manifestHash).toBe(remote.manifestHash);
    expect(mine.specHash).toBe(remote.specHash);
    expect((await agent(["manifest-hash", "--path", remote.dir])).manifestHash).toBe(remote.manifestHash);
  });

  test("drop-cache reports how the host's cache was treated", async () => {
    const d = await agent(["drop-cache", "--path", f.a.workspace]);
    expect(d).toMatchObject({ code: 0, ok: true, op: "drop-cache" });
    // as root the whole cache goes; as another user a fallback is named, never a silent success
    expect(d.treatment).toMatch(process.getuid!() === 0 ? /^dropped$/ : /^(dropped|reclaim|fadvise|not-dropped: .+)$/);
  });

  test("a bad request over ssh is still one JSON object with exit 2", async () => {
    expect(await agent(["nope"])).toMatchObject({ code: 2, ok: false, op: "nope" });
  });

  test("the agent is not in the usage: it is internal", async () => {
    expect((await runCli(["--help"])).stdout).not.toContain("agent");
  });
});
