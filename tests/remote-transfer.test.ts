import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { SshHost } from "../lib/remote/ssh";
import { download, remoteSha256, sha256File, upload } from "../lib/remote/transfer";
import { type SshdFixture, sshdSkipReason, startSshd } from "./fixtures/sshd";

// Files cross to and from a host only whole: sha256 on both ends, a mismatch leaves nothing behind.

const SKIP = sshdSkipReason();
if (SKIP) test.skip(`remote transfer tests skipped: ${SKIP}`, () => {});

describe.skipIf(!!SKIP)("over a loopback sshd", () => {
  let f: SshdFixture;
  let h: SshHost;
  let local: string;
  beforeAll(async () => {
    f = await startSshd();
    h = new SshHost(f.spec("b"), { controlDir: f.controlDir });
    local = path.join(f.dir, "payload.bin");
    fs.writeFileSync(local, crypto.getRandomValues(new Uint8Array(65_536)));
    fs.appendFileSync(local, Buffer.alloc(1_000_000, 7));
  });
  afterAll(async () => {
    await h?.closeMaster();
    await f?.stop();
  });

  const ws = () => f.b.workspace;
  const leftovers = (dir: string) => fs.readdirSync(dir).filter((n) => n.includes(".mb-part."));

  test("an upload arrives byte for byte under a hostile name, with its mode, and both hashes agree", async () => {
    const dest = path.join(ws(), "sub dir", `it's "$(x)".bin`);
    const sent = await upload(h, local, dest, { mode: 0o750 });
    expect(sent).toEqual(await sha256File(local));
    expect(Buffer.compare(fs.readFileSync(dest), fs.readFileSync(local))).toBe(0);
    expect(fs.statSync(dest).mode & 0o777).toBe(0o750);
    expect(await remoteSha256(h, dest)).toBe(sent.sha256);
    expect(leftovers(path.dirname(dest))).toEqual([]);
  });

  test("a file that changed since its manifest hash is refused and nothing is left on the host", async () => {
    const stale = (await sha256File(local)).sha256.replace(/^./, (c) => (c === "0" ? "1" : "0"));
    const dest = path.join(ws(), "stale.bin");
    await expect(upload(h, local, dest, { expectSha256: stale })).rejects.toThrow(/did not arrive intact.*manifest/);
    expect(fs.existsSync(dest)).toBe(false);
    expect(leftovers(ws())).toEqual([]);
  });

  test("an upload over a symlink replaces the link and never writes through it", async () => {
    const outside = path.join(f.dir, "outside.txt");
    fs.writeFileSync(outside, "keep me");
    const dest = path.join(ws(), "link.bin");
    fs.symlinkSync(outside, dest);
    await upload(h, local, dest);
    expect(fs.readFileSync(outside, "utf8")).toBe("keep me");
    expect(fs.lstatSync(dest).isSymbolicLink()).toBe(false);
  });

  test("a download is verified against the host's hash and lands whole", async () => {
    const remote = path.join(ws(), "down.bin");
    fs.copyFileSync(local, remote);
    const target = path.join(f.dir, "pulled", "down.bin");
    const got = await download(h, remote, target);
    expect(got).toEqual(await sha256File(local));
    expect(Buffer.compare(fs.readFileSync(target), fs.readFileSync(local))).toBe(0);
    expect(leftovers(path.dirname(target))).toEqual([]);
  });

  test("a corrupted remote copy is detected by its expected hash and nothing is kept locally", async () => {
    const remote = path.join(ws(), "corrupt.bin");
    fs.copyFileSync(local, remote);
    const expected = (await sha256File(local)).sha256;
    const fd = fs.openSync(remote, "r+");
    fs.writeSync(fd, Buffer.from([0xff ^ fs.readFileSync(local)[4096]!]), 0, 1, 4096);
    fs.closeSync(fd);
    const target = path.join(f.dir, "pulled2", "corrupt.bin");
    await expect(download(h, remote, target, { expectSha256: expected })).rejects.toThrow(/did not arrive intact/);
    expect(fs.existsSync(target)).toBe(false);
    expect(leftovers(path.dirname(target))).toEqual([]);
  });

  test("a missing remote file has no hash and cannot be downloaded", async () => {
    expect(await remoteSha256(h, path.join(ws(), "nope"))).toBeNull();
    await expect(download(h, path.join(ws(), "nope"), path.join(f.dir, "nope"))).rejects.toThrow(/no such file/);
    expect(fs.existsSync(path.join(f.dir, "nope"))).toBe(false);
  });
});
