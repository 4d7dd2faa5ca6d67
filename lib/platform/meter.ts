// The memory meter of POSIX platforms: mb-run (native/mb-run.c), built with the machine's C compiler once per source version and cached.
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import wrapperSource from "./native/mb-run.c" with { type: "text" };
import type { Meter } from "./types";

function cacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(base, "mirrorbench");
}

/** Builds mb-run once per source version; on failure we time from Bun and say memory is not measured. */
export function buildMeter(platform: string): Meter {
  const digest = createHash("sha256").update(wrapperSource).digest("hex").slice(0, 12);
  const bin = path.join(cacheDir(), `mb-run-${digest}-${platform}-${process.arch}`);
  if (fs.existsSync(bin)) return { kind: "mb-run", memoryNote: null, wrapperPath: bin };
  const compiler = ["cc", "gcc", "clang"].map((c) => Bun.which(c)).find(Boolean);
  if (!compiler) {
    return { kind: "bun", memoryNote: "memory not measured: no C compiler (cc) to build the mb-run meter; install gcc or clang", wrapperPath: null };
  }
  fs.mkdirSync(cacheDir(), { recursive: true });
  const src = path.join(cacheDir(), `mb-run-${digest}.c`);
  const tmp = `${bin}.tmp-${process.pid}`;
  fs.writeFileSync(src, wrapperSource);
  const r = Bun.spawnSync([compiler, "-O2", "-o", tmp, src], { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) {
    return { kind: "bun", memoryNote: `memory not measured: building mb-run failed: ${r.stderr.toString().trim().split("\n")[0]}`, wrapperPath: null };
  }
  fs.renameSync(tmp, bin);
  return { kind: "mb-run", memoryNote: null, wrapperPath: bin };
}
