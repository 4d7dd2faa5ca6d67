import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { formatProbe, probeHost } from "../lib/remote/probe";
import { classifySudoFailure } from "../lib/remote/probe-classify";
import { SshHost } from "../lib/remote/ssh";
import { sha256File, upload } from "../lib/remote/transfer";
import { type SshdFixture, sshdSkipReason, startSshd } from "./fixtures/sshd";

// Before anything runs, each host is probed for real: reachable, key taken, host key known, what it is, cache drop, our executable.

const SKIP = sshdSkipReason();
if (SKIP) test.skip(`remote probe tests skipped: ${SKIP}`, () => {});

describe.skipIf(!!SKIP)("over a loopback sshd", () => {
  let f: SshdFixture;
  const opened: SshHost[] = [];
  const host = (spec: ReturnType<SshdFixture["spec"]>, multiplex = true) => {
    const h = new SshHost(spec, multiplex ? { controlDir: f.controlDir } : { multiplex: false });
    opened.push(h);
    return h;
  };
  beforeAll(async () => {
    f = await startSshd();
  });
  afterAll(async () => {
    for (const h of opened) await h.closeMaster();
    await f?.stop();
  });

  /** An ssh_config like the fixture's whose known_hosts file holds `lines`. */
  function configWithKnownHosts(name: string, lines: string): string {
    const kh = path.join(f.dir, `${name}_known_hosts`);
    fs.writeFileSync(kh, lines);
    const cfg = path.join(f.dir, `${name}_ssh_config`);
    fs.writeFileSync(cfg, fs.readFileSync(f.configFile, "utf8").replace(f.knownHosts, kh));
    return cfg;
  }

  test("a good host reports its OS, architecture, user, machine id, hash tool and cache drop", async () => {
    const p = await probeHost(host(f.spec("a", { sudo: true })));
    expect(p.findings).toEqual([]);
    expect(p.ok).toBe(true);
    const uname = Bun.spawnSync(["uname", "-sm"]).stdout.toString().trim().split(" ");
    expect([p.os, p.arch]).toEqual(uname);
    expect(p.uid).toBe(process.getuid!());
    if (fs.existsSync("/etc/machine-id")) expect(p.machineId).toBe(fs.readFileSync("/etc/machine-id", "utf8").trim());
    expect(p.sha256Tool).toMatch(/sha256sum|shasum/);
    // the real sudo case here: the login user is root, so the drop needs no sudo and sudo: true is satisfied
    expect(p.cacheDrop).toBe(process.getuid!() === 0 ? "root" : p.cacheDrop);
    expect(formatProbe(p)[0]).toMatch(/^host host-a: ok \(Linux /);
  });

  test("the executable check tells missing, current and outdated apart", async () => {
    const h = host(f.spec("b"));
    const exe = path.join(f.b.workspace, ".mirrorbench", "bin", "mirrorbench");
    const local = path.join(f.dir, "mirrorbench-exe");
    fs.writeFileSync(local, "#!/bin/sh\necho mirrorbench\n");
    const { sha256 } = await sha256File(local);
    expect((await probeHost(h, { exe: { path: exe, sha256 } })).exe).toEqual({ state: "missing" });
    await upload(h, local, exe, { mode: 0o755 });
    expect((await probeHost(h, { exe: { path: exe, sha256 } })).exe).toEqual({ state: "present", sha256, current: true });
    fs.appendFileSync(local, "# newer build\n");
    const newer = (await sha256File(local)).sha256;
    expect((await probeHost(h, { exe: { path: exe, sha256: newer } })).exe).toEqual({ state: "present", sha256, current: false });
  });

  test("a port nobody listens on is unreachable, with the fix", async () => {
    // the fixture's two ports are taken; port 1 on loopback is closed (only root could bind it, and nothing does here)
    const p = await probeHost(host(f.spec("a", { ssh: "127.0.0.1", port: 1 }), false));
    expect(p.ok).toBe(false);
    expect(p.findings.map((x) => x.problem)).toEqual(["unreachable"]);
    expect(p.findings[0]!.message).toContain("connection refused");
    expect(p.findings[0]!.fix).toContain("hosts.host-a.port");
    expect(p.os).toBeNull();
  });

  test("a key the server does not know is 'key refused', with ssh-copy-id as the fix", async () => {
    const p = await probeHost(host(f.spec("a", { identity: f.strangerKey }), false));
    expect(p.findings.map((x) => x.problem)).toEqual(["key-refused"]);
    expect(p.findings[0]!.fix).toBe(`install the public key: ssh-copy-id -i ${f.strangerKey}.pub mb-a`);
    expect(formatProbe(p)).toEqual([`error: ${p.findings[0]!.message}`, `  fix: ${p.findings[0]!.fix}`]);
  });

  test("an unknown host key is named, never accepted silently", async () => {
    const cfg = configWithKnownHosts("empty", "");
    const p = await probeHost(host(f.spec("a", { configFile: cfg }), false));
    expect(p.findings.map((x) => x.problem)).toEqual(["host-key-unknown"]);
    expect(fs.readFileSync(path.join(f.dir, "empty_known_hosts"), "utf8")).toBe("");
  });

  test("a changed host key is named with the ssh-keygen -R fix", async () => {
    const stranger = fs.readFileSync(`${f.strangerKey}.pub`, "utf8").split(" ").slice(0, 2).join(" ");
    const cfg = configWithKnownHosts("changed", `[127.0.0.1]:${f.a.port} ${stranger}\n`);
    const p = await probeHost(host(f.spec("a", { configFile: cfg }), false));
    expect(p.findings.map((x) => x.problem)).toEqual(["host-key-changed"]);
    // the entry ssh really matched (the alias's HostName and port), not the alias
    expect(p.findings[0]!.fix).toContain(`ssh-keygen -R '[127.0.0.1]:${f.a.port}'`);
  });

  test("the host's own answer to `sudo -n true` is classified as the probe would (a real sudo case)", async () => {
    const h = host(f.spec("a", { sudo: true }));
    const r = await h.sh("sudo -n true");
    const hasSudo = (await h.sh("command -v sudo")).code === 0;
    if (!hasSudo) {
      // this VM: no sudo installed, so the real text is the shell's "sudo: not found"
      expect(r.code).toBe(127);
      expect(classifySudoFailure(r.stderr, h.spec, "Linux").problem).toBe("sudo-missing");
    } else if (r.code === 0) {
      expect((await probeHost(h)).cacheDrop).toMatch(/root|sudo/);
    } else {
      expect(classifySudoFailure(r.stderr, h.spec, "Linux").problem).toMatch(/sudo-needs-password|sudo-not-allowed/);
    }
  });
});
