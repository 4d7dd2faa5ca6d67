import { afterAll, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { BenchError } from "../lib/errors";
import { controlDirFor, ensureControlDir, quoteRsyncE, remoteCommand, SshHost } from "../lib/remote/ssh";
import { tmpDir } from "./helpers";

// The ssh argv carries the bench options; a ControlPath always fits sun_path; nothing here spawns.

const dir = tmpDir("mb-sshargv-");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function optionValues(argv: string[]): string[] {
  return argv.flatMap((a, i) => (argv[i - 1] === "-o" ? [a] : []));
}

test("the ssh argv carries BatchMode, ConnectTimeout, ServerAliveInterval and a shared ControlMaster", () => {
  const cm = path.join(dir, "cm1");
  const h = new SshHost({ name: "nas", ssh: "bench@nas.local", port: 2222, identity: "/keys/bench" }, { controlDir: cm });
  const argv = h.sshArgv("true");
  expect(optionValues(argv)).toEqual([
    "BatchMode=yes", "ConnectTimeout=8", "ServerAliveInterval=10",
    "ControlMaster=auto", `ControlPath=${cm}/cm-%C`, "ControlPersist=300", "IdentitiesOnly=yes",
  ]);
  expect(argv.slice(-5)).toEqual(["-p", "2222", "--", "bench@nas.local", "true"]);
  expect(argv[argv.indexOf("-i") + 1]).toBe("/keys/bench");
  expect(argv).not.toContain("-F");
});

test("without multiplexing every command opens its own connection", () => {
  const h = new SshHost({ name: "nas", ssh: "nas" }, { multiplex: false });
  expect(optionValues(h.sshArgv("true"))).toEqual(["BatchMode=yes", "ConnectTimeout=8", "ServerAliveInterval=10", "ControlMaster=no", "ControlPath=none"]);
});

test("a % in the identity path reaches ssh as %% so ssh does not expand it", () => {
  const h = new SshHost({ name: "x", ssh: "x", identity: "/keys/100%key" }, { multiplex: false });
  const argv = h.sshArgv("true");
  expect(argv[argv.indexOf("-i") + 1]).toBe("/keys/100%%key");
});

test("an extra -F config file comes first and scp gets the port as -P", () => {
  const h = new SshHost({ name: "x", ssh: "alias", port: 2200, configFile: "/etc/mb/ssh_config" }, { multiplex: false });
  expect(h.sshArgv("true").slice(1, 3)).toEqual(["-F", "/etc/mb/ssh_config"]);
  const scp = h.scpArgv("/a", "alias:/b");
  expect(scp.slice(scp.indexOf("-P"), scp.indexOf("-P") + 2)).toEqual(["-P", "2200"]);
  expect(scp.slice(-3)).toEqual(["--", "/a", "alias:/b"]);
});

test("the ControlPath folder moves to /tmp when the temp folder would overflow sun_path (macOS /var/folders)", () => {
  expect(controlDirFor("/tmp", 501)).toBe("/tmp/mbcm-501");
  const mac = "/var/folders/zz/zyxvpxvq6csfxvn_n0000000000000/T";
  expect(controlDirFor(mac, 501)).toBe("/tmp/mbcm-501");
  expect(controlDirFor("/tmp/with space", 0)).toBe("/tmp/mbcm-0");
  // the longest socket ssh binds: <dir>/cm-<40 hex>.<16 random> and a NUL
  const socket = `${controlDirFor(mac, 501)}/cm-${"f".repeat(40)}.${"r".repeat(16)}`;
  expect(Buffer.byteLength(socket) + 1).toBeLessThanOrEqual(104);
});

test("the ControlPath folder is created 0700 and a symlink or an open folder in its place is refused", () => {
  const ok = ensureControlDir(path.join(dir, "cm-new"));
  expect(fs.statSync(ok).mode & 0o777).toBe(0o700);
  const target = path.join(dir, "elsewhere");
  fs.mkdirSync(target, { mode: 0o700 });
  fs.symlinkSync(target, path.join(dir, "cm-link"));
  expect(() => ensureControlDir(path.join(dir, "cm-link"))).toThrow(BenchError);
  fs.mkdirSync(path.join(dir, "cm-open"), { mode: 0o755 });
  fs.chmodSync(path.join(dir, "cm-open"), 0o755);
  expect(() => ensureControlDir(path.join(dir, "cm-open"))).toThrow(/not a private directory/);
});

test("a remote command quotes every value as one sh word and refuses a NUL or an option as the command name", () => {
  expect(remoteCommand(["printf", "%s\\n", "a b", "it's", "$(id)"])).toBe(`printf '%s\\n' 'a b' 'it'\\''s' '$(id)'`);
  expect(() => remoteCommand(["echo", "a\0b"])).toThrow(/NUL/);
  expect(() => remoteCommand(["-rf", "x"])).toThrow(/option/);
  expect(() => remoteCommand(["A=b", "x"])).toThrow(/assignment/);
});

test("rsync -e words are grouped with double quotes, an embedded quote doubled", () => {
  expect(quoteRsyncE("ControlPath=/tmp/mbcm-0/cm-%C")).toBe("ControlPath=/tmp/mbcm-0/cm-%C");
  expect(quoteRsyncE("/keys/my key")).toBe(`"/keys/my key"`);
  expect(quoteRsyncE(`a"b`)).toBe(`"a""b"`);
});
