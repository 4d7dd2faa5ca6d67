// The workspace lock: one mirrorbench run per workspace at a time (cron overlapping a hand run), stale locks taken over.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DEFAULTS } from "./defaults";
import { BenchError, EXIT } from "./errors";

export const LOCK_NAME = ".mirrorbench.lock";

export interface LockInfo {
  pid: number;
  startedAt: string;
  hostname: string;
}

export interface Lock {
  path: string;
  /** Set when a lock left by a dead process was taken over: who held it. */
  tookOverFrom: LockInfo | null;
  /** Removes the lock if it is still ours; safe to call twice. */
  release(): void;
}


function readLock(file: string): LockInfo | null {
  try {
    const j = JSON.parse(fs.readFileSync(file, "utf8"));
    return Number.isInteger(j.pid) && j.pid > 0 ? { pid: j.pid, startedAt: String(j.startedAt ?? "?"), hostname: String(j.hostname ?? "") } : null;
  } catch {
    return null;
  }
}

/** kill(pid, 0) probes without signalling; EPERM means it exists under another user, which still counts as alive. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e: any) {
    return e.code === "EPERM";
  }
  // A killed process whose parent has not reaped it yet still answers kill(0); on Linux its state says zombie.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return true;
  }
}

function ageMs(file: string): number {
  try {
    return Date.now() - fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function tryCreate(file: string, info: LockInfo): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, "wx");
  } catch (e: any) {
    if (e.code === "EEXIST") return false;
    throw new BenchError(`cannot create lock ${file}: ${e.code ?? e.message}`);
  }
  try {
    fs.writeSync(fd, JSON.stringify(info) + "\n");
  } catch (e) {
    // An empty lock (a full disk) would block every later run for a while: leave none.
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  return true;
}

/** True while a live run on this host (or one writing its lock right now, or any run on another host) holds the workspace. */
export function lockHeld(workspace: string): boolean {
  const file = path.join(workspace, LOCK_NAME);
  if (!fs.existsSync(file)) return false;
  const held = readLock(file);
  if (!held) return ageMs(file) < DEFAULTS.lockUnreadableStaleMs;
  return held.hostname !== os.hostname() || pidAlive(held.pid);
}

/**
 * Takes `<workspace>/.mirrorbench.lock` with an atomic exclusive create. When it exists and its
 * pid is alive on this host, throws BenchError (EXIT.locked) naming the holder and the path.
 * A lock of a dead pid is taken over; the takeover itself is serialised by a second exclusive
 * create so two late starters cannot both delete the stale lock and both win. A lock written by
 * another host (a workspace on a shared mount) cannot be probed, so it is respected.
 * Call after claimWorkspace(): a fresh folder holding only a lock would not look like ours.
 */
export function acquireLock(workspace: string): Lock {
  fs.mkdirSync(workspace, { recursive: true });
  const file = path.join(workspace, LOCK_NAME);
  const me: LockInfo = { pid: process.pid, startedAt: new Date().toISOString(), hostname: os.hostname() };
  let tookOverFrom: LockInfo | null = null;
  for (let attempt = 0; attempt < 5; attempt++) {
    if (tryCreate(file, me)) return makeLock(file, me, tookOverFrom);
    const held = readLock(file);
    if (held && (held.hostname !== me.hostname || pidAlive(held.pid))) {
      const where = held.hostname !== me.hostname ? ` on host ${held.hostname}` : "";
      throw new BenchError(`workspace ${workspace} is in use: mirrorbench pid ${held.pid}${where} holds ${file} (since ${held.startedAt})`, {
        exitCode: EXIT.locked,
        hint:
          held.hostname !== me.hostname
            ? `if no run is going on ${held.hostname}, delete ${file}`
            : `wait for pid ${held.pid} to finish, or use another workspace (--workspace / BENCH_ROOT)`,
      });
    }
    if (!held && ageMs(file) < DEFAULTS.lockUnreadableStaleMs) {
      throw new BenchError(`workspace ${workspace} is in use: ${file} is being written by another mirrorbench`, {
        exitCode: EXIT.locked,
        hint: `try again in a moment; if it persists, delete ${file}`,
      });
    }
    const takeover = `${file}.takeover`;
    if (ageMs(takeover) > DEFAULTS.lockTakeoverStaleMs) fs.rmSync(takeover, { force: true });
    if (!tryCreate(takeover, me)) continue;
    try {
      // Re-read under the takeover marker: it must still be the same dead holder.
      const again = readLock(file);
      if (again?.pid === held?.pid && (!again || !pidAlive(again.pid))) {
        fs.rmSync(file, { force: true });
        tookOverFrom = held ?? { pid: 0, startedAt: "?", hostname: "?" };
      }
    } finally {
      fs.rmSync(takeover, { force: true });
    }
  }
  throw new BenchError(`could not take the lock ${file} after 5 attempts`, { exitCode: EXIT.locked });
}

function makeLock(file: string, me: LockInfo, tookOverFrom: LockInfo | null): Lock {
  let released = false;
  return {
    path: file,
    tookOverFrom,
    release() {
      if (released) return;
      released = true;
      // Never delete a lock someone else now holds (ours was removed and re-taken by another run).
      const cur = readLock(file);
      if (cur && cur.pid === me.pid && cur.startedAt === me.startedAt) fs.rmSync(file, { force: true });
    },
  };
}

/** The line to log when a stale lock was taken over, so a crashed earlier run is visible in the cron mail. */
export function takeoverNote(lock: Lock): string | null {
  const t = lock.tookOverFrom;
  return t ? `note: took over the lock ${lock.path} left by pid ${t.pid} (started ${t.startedAt}), which is no longer running` : null;
}

/** The holder of the workspace's lock when it is another live run (so its files must not be removed), else null. */
export function lockHeldByOther(workspace: string): LockInfo | null {
  const held = readLock(path.join(workspace, LOCK_NAME));
  if (!held || held.pid === process.pid) return null;
  return held.hostname !== os.hostname() || pidAlive(held.pid) ? held : null;
}
