// The ssh ControlMaster sockets' folder: short enough for sun_path, private to this user, never a symlink.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { REMOTE_DEFAULTS } from "../defaults";
import { BenchError } from "../errors";

/** A ControlPath folder that fits sun_path: <tmp>/mbcm-<uid>, or /tmp/mbcm-<uid> when tmp is long or odd (macOS's /var/folders/…). */
export function controlDirFor(tmp: string, uid: number, sunPathBytes = REMOTE_DEFAULTS.sunPathBytes): string {
  const leaf = `mbcm-${uid}`;
  const candidate = path.join(tmp, leaf);
  // socket = <dir>/cm-<40 hex>.<16 random> + NUL
  const socketBytes = Buffer.byteLength(candidate) + "/cm-".length + 40 + 17 + 1;
  return socketBytes <= sunPathBytes && /^[A-Za-z0-9_./-]+$/.test(candidate) ? candidate : path.join("/tmp", leaf);
}

/** Creates (0700) or checks the ControlPath folder: a directory of ours that nobody else can enter, never a symlink. */
export function ensureControlDir(dir: string): string {
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (e: any) {
    if (e.code !== "EEXIST") throw new BenchError(`cannot create the ssh ControlPath folder ${dir}: ${e.code ?? e.message}`, { hint: "set TMPDIR to a writable short folder" });
  }
  const st = fs.lstatSync(dir);
  const uid = process.getuid?.() ?? st.uid;
  if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0) {
    throw new BenchError(`the ssh ControlPath folder ${dir} is not a private directory of this user (a symlink, another owner, or open to others)`, {
      hint: `remove ${dir} (mirrorbench creates it 0700), or set TMPDIR elsewhere`,
    });
  }
  return dir;
}

export function controlDir(): string {
  return ensureControlDir(controlDirFor(os.tmpdir(), process.getuid?.() ?? 0));
}
