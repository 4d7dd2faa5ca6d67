import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { SshHost } from "../lib/remote/ssh";
import { type SshdFixture, sshdSkipReason, startSshd } from "./fixtures/sshd";

// Every value sent through ssh reaches the remote program byte for byte as one argument, whatever it contains.

const SKIP = sshdSkipReason();
if (SKIP) test.skip(`remote quoting tests skipped: ${SKIP}`, () => {});

const HOSTILE = (ws: string) => [
  "with space",
  "it's",
  `"double" and 'single'`,
  `$(touch ${ws}/INJECTED)`,
  `\`touch ${ws}/BACKTICK\``,
  `a;touch ${ws}/SEMI;b`,
  "a|b&c>d<e",
  "line\nbreak",
  "tab\there",
  "$HOME ${HOME} \\ \\' \\\\",
  "*?[a]~ ~root",
  "FOO=bar",
  "-n",
  "",
  "nën 日本 🙂",
  "%PATH% ^& !x",
];

/** What the remote printf received: one NUL-terminated string per argument. */
const args = (bytes: Uint8Array) => Buffer.from(bytes).toString("utf8").split("\0").slice(0, -1);

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

  test("hostile values given to run/exec arrive as one argument each, byte for byte", async () => {
    const values = HOSTILE(f.a.workspace);
    const r = await h.exec(["printf", "%s\\0", ...values]);
    expect(r.stderr).toBe("");
    expect(args(r.stdoutBytes)).toEqual(values);
    expect(fs.readdirSync(f.a.workspace)).toEqual([]);
  });

  test("values passed to a remote sh script stay positional parameters, never script text", async () => {
    const values = HOSTILE(f.a.workspace);
    const r = await h.sh('printf "%s\\0" "$@"', values);
    expect(args(r.stdoutBytes)).toEqual(values);
    expect(fs.readdirSync(f.a.workspace)).toEqual([]);
  });

  test("remote environment values are quoted too", async () => {
    const value = `$(touch ${f.a.workspace}/ENV) 'q' "d" ; x`;
    const r = await h.exec(["sh", "-c", 'printf %s "$MB_VALUE"'], { env: { MB_VALUE: value } });
    expect(r.stdout).toBe(value);
    expect(fs.readdirSync(f.a.workspace)).toEqual([]);
  });

  test("a hostile file name made on the remote is exactly the name asked for", async () => {
    const name = `it's a "file" $(x);.txt`;
    const r = await h.exec(["touch", path.join(f.a.workspace, name)]);
    expect(r.code).toBe(0);
    expect(fs.readdirSync(f.a.workspace)).toEqual([name]);
    fs.rmSync(path.join(f.a.workspace, name));
  });

  test("the rsync -e value keeps a key path with spaces in one word", async () => {
    const keyDir = path.join(f.dir, "key dir");
    fs.mkdirSync(keyDir);
    fs.copyFileSync(f.clientKey, path.join(keyDir, "my key"));
    fs.chmodSync(path.join(keyDir, "my key"), 0o600);
    const spaced = new SshHost(f.spec("a", { identity: path.join(keyDir, "my key") }), { multiplex: false });
    const src = path.join(f.dir, "rsync-src");
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, "x.bin"), "payload");
    const dst = path.join(f.a.workspace, "rsync-dst");
    const p = Bun.spawnSync(["rsync", "-a", "-e", spaced.rsyncRsh(), `${src}/`, `${f.a.alias}:${dst}/`], { stderr: "pipe" });
    expect(p.stderr.toString()).toBe("");
    expect(p.exitCode).toBe(0);
    expect(fs.readFileSync(path.join(dst, "x.bin"), "utf8")).toBe("payload");
    fs.rmSync(dst, { recursive: true });
  });
});
