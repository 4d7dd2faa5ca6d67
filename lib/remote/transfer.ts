// Files to and from a host over its ssh connection (cat over the master, no scp), each checked by sha256 on both ends before it takes its name.

import fs from "node:fs";
import path from "node:path";
import { BenchError } from "../errors";
import type { ExecResult, SshHost } from "./ssh";

/**
 * A sh function printing the sha256 of stdin: GNU coreutils (Linux) or Perl's shasum (macOS, BSD).
 * Hashing stdin, not a file name, keeps sha256sum from escaping odd names (a leading backslash on the line).
 */
export const SH_SHA256 = `mb_sha256() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum
  elif command -v shasum >/dev/null 2>&1; then shasum -a 256
  else echo "mb-no-sha256: neither sha256sum nor shasum on this host" >&2; return 127; fi
}`;

const HEX64 = /\b([0-9a-f]{64})\b/;

export interface Transferred {
  sha256: string;
  bytes: number;
}

function fail(host: SshHost, what: string, r: ExecResult | null, hint?: string): never {
  const why = r ? (r.timedOut ? "timed out" : r.stderr.trim().split("\n").at(-1) || `exit ${r.code}`) : "";
  throw new BenchError(`${host.spec.name}: ${what}${why ? `: ${why}` : ""}`, { key: `hosts.${host.spec.name}`, hint });
}

/** sha256 of a local file, streamed. */
export async function sha256File(file: string): Promise<Transferred> {
  const h = new Bun.CryptoHasher("sha256");
  let bytes = 0;
  for await (const chunk of Bun.file(file).stream()) {
    h.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: h.digest("hex"), bytes };
}

/** sha256 of a remote regular file, or null when there is none at that path. */
export async function remoteSha256(host: SshHost, remotePath: string, timeoutMs?: number): Promise<string | null> {
  const r = await host.sh(`${SH_SHA256}\n[ -f "$1" ] || exit 4\nmb_sha256 < "$1"`, [remotePath], { timeoutMs });
  if (r.code === 4) return null;
  const m = r.code === 0 ? HEX64.exec(r.stdout) : null;
  if (!m) fail(host, `cannot hash ${remotePath}`, r);
  return m[1]!;
}

/**
 * Sends a local file to remotePath: the bytes go to a fresh `<name>.mb-part.<pid>.<random>` (noclobber, so never through a
 * link planted there), the remote hashes what it received, and only when that equals the hash of the bytes sent
 * (and `expectSha256`, a manifest's word, when given) does the part take the final name; otherwise it is removed.
 */
export async function upload(host: SshHost, localPath: string, remotePath: string, o: { expectSha256?: string; mode?: number; timeoutMs?: number } = {}): Promise<Transferred> {
  const hasher = new Bun.CryptoHasher("sha256");
  let bytes = 0;
  const sent = Bun.file(localPath).stream().pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, c) {
      hasher.update(chunk);
      bytes += chunk.length;
      c.enqueue(chunk);
    },
  }));
  const part = `${remotePath}.mb-part.${process.pid}.${Math.random().toString(36).slice(2, 10)}`;
  const receive = `${SH_SHA256}
set -e
[ -d "$1" ] && { echo "$1 is a directory" >&2; exit 4; }
mkdir -p -- "$(dirname -- "$1")"
set -C
command exec 3> "$2" || exit 5
cat >&3
exec 3>&-
mb_sha256 < "$2"`;
  const r = await host.sh(receive, [remotePath, part], { stdin: sent, timeoutMs: o.timeoutMs });
  const remoteSha = r.code === 0 ? HEX64.exec(r.stdout)?.[1] : undefined;
  const localSha = hasher.digest("hex");
  const expected = o.expectSha256 ?? localSha;
  if (!remoteSha || remoteSha !== localSha || remoteSha !== expected) {
    // Only a part file this upload created goes: exit 4/5 mean it never made one (noclobber refused an existing name).
    if (r.code !== 4 && r.code !== 5) await host.sh(`rm -f -- "$1"`, [part]);
    if (!remoteSha) fail(host, `upload of ${localPath} to ${remotePath} failed`, r);
    const which = remoteSha !== localSha ? `sent ${localSha}, received ${remoteSha}` : `the file is ${localSha}, its manifest says ${expected}`;
    fail(host, `upload of ${localPath} to ${remotePath} did not arrive intact (sha256 ${which}); nothing was left on the host`, null,
      remoteSha !== localSha ? "retry; if it repeats, check the link and the remote disk" : "the local file changed since its manifest was made: rebuild it");
  }
  const mode = o.mode === undefined ? "" : (o.mode & 0o7777).toString(8);
  const done = await host.sh(`[ -z "$3" ] || chmod "$3" "$1"\nmv -f -- "$1" "$2"`, [part, remotePath, mode]);
  if (done.code !== 0) {
    await host.sh(`rm -f -- "$1"`, [part]);
    fail(host, `cannot move the upload into place at ${remotePath}`, done);
  }
  return { sha256: localSha, bytes };
}

/**
 * Fetches remotePath into localPath: the remote sends the bytes and then their sha256 (on stderr), the local side
 * hashes what it wrote; only a match (and `expectSha256`, when given) renames the part file over localPath.
 */
export async function download(host: SshHost, remotePath: string, localPath: string, o: { expectSha256?: string; timeoutMs?: number } = {}): Promise<Transferred> {
  fs.mkdirSync(path.dirname(localPath), { recursive: true });
  const part = `${localPath}.mb-part.${process.pid}`;
  const fd = fs.openSync(part, "wx", 0o644);
  let r: ExecResult;
  try {
    r = await host.sh(`${SH_SHA256}\n[ -f "$1" ] || { echo "no such file: $1" >&2; exit 4; }\ncat -- "$1"\nmb_sha256 < "$1" >&2`, [remotePath], { stdoutFd: fd, timeoutMs: o.timeoutMs });
  } finally {
    fs.closeSync(fd);
  }
  const remoteSha = r.code === 0 ? HEX64.exec(r.stderr.trim().split("\n").at(-1) ?? "")?.[1] : undefined;
  const local = await sha256File(part);
  const expected = o.expectSha256 ?? local.sha256;
  if (!remoteSha || remoteSha !== local.sha256 || local.sha256 !== expected) {
    fs.rmSync(part, { force: true });
    if (!remoteSha) fail(host, `download of ${remotePath} failed`, r);
    const which = remoteSha !== local.sha256 ? `the host has ${remoteSha}, ${local.sha256} arrived` : `arrived ${local.sha256}, expected ${expected}`;
    fail(host, `download of ${remotePath} did not arrive intact (sha256 ${which}); nothing was kept`, null,
      remoteSha !== local.sha256 ? "the remote file changed while it was read, or the link corrupted it: retry" : "the remote file is not the one expected");
  }
  fs.renameSync(part, localPath);
  return local;
}
