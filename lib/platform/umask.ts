// The process umask, read without changing it.
import fs from "node:fs";

/**
 * process.umask() with no argument sets the umask to 0 and back (umask(2) can only be read by setting
 * it): a file or directory another thread creates in between gets 0o666/0o777, which, when the caller
 * decides from the umask that no chmod is needed, stays wrong (seen as dataset directories of mode 777
 * in a full test run, whose data workers were loading modules while others created files). Linux says
 * it in /proc/self/status; elsewhere the main thread may read it (it loads this before any worker starts),
 * and a worker assumes every bit may be stripped, so its callers always chmod.
 */
export function processUmask(): number {
  try {
    const m = /^Umask:\s+([0-7]+)$/m.exec(fs.readFileSync("/proc/self/status", "utf8"));
    if (m) return parseInt(m[1]!, 8);
  } catch {
    /* no /proc: below */
  }
  return Bun.isMainThread ? process.umask() : 0o777;
}
