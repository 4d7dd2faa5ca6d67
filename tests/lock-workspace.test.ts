import { afterAll, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { BenchError } from "../lib/errors";
import { acquireLock, LOCK_NAME } from "../lib/lock";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mb-lock-"));
const holderScript = path.join(import.meta.dir, "fixtures/lock-holder.ts");
const started: Bun.Subprocess[] = [];
afterAll(() => {
  for (const p of started) if (p.exitCode === null) p.kill("SIGKILL");
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Starts a real process holding the lock and waits until it says so. */
async function holder(ws: string): Promise<Bun.Subprocess<"ignore", "pipe", "pipe">> {
  const p = Bun.spawn([process.execPath, holderScript, ws], { stdout: "pipe", stderr: "pipe" });
  started.push(p);
  const reader = p.stdout.getReader();
  let text = "";
  while (!text.includes("locked")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`holder exited: ${await new Response(p.stderr).text()}`);
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return p;
}

function tryLock(ws: string): { exitCode: number; stdout: string; stderr: string } {
  const r = Bun.spawnSync([process.execPath, holderScript, ws, "try"], { stdout: "pipe", stderr: "pipe" });
  return { exitCode: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

test("a second process on a locked workspace exits at once with code 5 naming the holder's pid and the lock path", async () => {
  const ws = path.join(tmp, "busy");
  const h = await holder(ws);
  const t0 = performance.now();
  const r = tryLock(ws);
  expect(performance.now() - t0).toBeLessThan(5000);
  expect(r.exitCode).toBe(5);
  expect(r.stderr).toContain(`pid ${h.pid}`);
  expect(r.stderr).toContain(path.join(ws, LOCK_NAME));
  h.kill("SIGKILL");
  await h.exited;
});

test("acquireLock in this process throws a BenchError with the locked exit code while another process holds it", async () => {
  const ws = path.join(tmp, "busy2");
  const h = await holder(ws);
  let err: unknown;
  try {
    acquireLock(ws);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(BenchError);
  expect((err as BenchError).exitCode).toBe(5);
  h.kill("SIGKILL");
  await h.exited;
});

test("a lock left by a killed process is taken over and the takeover is reported", async () => {
  const ws = path.join(tmp, "stale");
  const h = await holder(ws);
  h.kill("SIGKILL");
  await h.exited;
  expect(fs.existsSync(path.join(ws, LOCK_NAME))).toBe(true);
  const r = tryLock(ws);
  expect(r.exitCode).toBe(0);
  expect(r.stdout).toContain(`took over the lock ${path.join(ws, LOCK_NAME)} left by pid ${h.pid}`);
});

test("the lock file holds pid, start time and hostname", () => {
  const ws = path.join(tmp, "content");
  const lock = acquireLock(ws);
  const j = JSON.parse(fs.readFileSync(lock.path, "utf8"));
  expect(j.pid).toBe(process.pid);
  expect(j.hostname).toBe(os.hostname());
  expect(Number.isNaN(Date.parse(j.startedAt))).toBe(false);
  lock.release();
});

test("release removes the lock so the next run can take it", () => {
  const ws = path.join(tmp, "release");
  acquireLock(ws).release();
  expect(fs.existsSync(path.join(ws, LOCK_NAME))).toBe(false);
  acquireLock(ws).release();
});

test("release does not remove a lock that another run holds now", () => {
  const ws = path.join(tmp, "foreign");
  const lock = acquireLock(ws);
  fs.writeFileSync(lock.path, JSON.stringify({ pid: 1, startedAt: "x", hostname: os.hostname() }));
  lock.release();
  expect(fs.existsSync(lock.path)).toBe(true);
});

test("a lock written by another host is respected, not taken over", () => {
  const ws = path.join(tmp, "nfs");
  fs.mkdirSync(ws, { recursive: true });
  fs.writeFileSync(path.join(ws, LOCK_NAME), JSON.stringify({ pid: 999999, startedAt: "2026-01-01T00:00:00Z", hostname: "some-other-host" }));
  expect(() => acquireLock(ws)).toThrow(/pid 999999 on host some-other-host/);
});
