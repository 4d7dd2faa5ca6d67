import { expect, test } from "bun:test";
import { processUmask } from "../lib/platform/umask";

// Reading the umask must not change it: process.umask() with no argument sets it to 0 and back, and a
// file another thread (a data worker) creates in that window gets mode 666/777 — dataset directories of
// the wrong mode, a flaky "mode mismatch" in a full test run.

test("the umask is read from /proc on Linux, never by setting it", () => {
  if (process.platform !== "linux") return;
  const old = process.umask(0o027);
  const real = process.umask;
  try {
    (process as { umask: unknown }).umask = () => {
      throw new Error("process.umask() called: it would open a window with umask 0");
    };
    expect(processUmask()).toBe(0o027);
  } finally {
    (process as { umask: unknown }).umask = real;
    process.umask(old);
  }
});

test("it is the umask files are created with", () => {
  expect(processUmask()).toBe(process.umask(process.umask()));
});
