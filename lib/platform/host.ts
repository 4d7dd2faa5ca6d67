// The machine a result came from: OS, kernel, CPU, memory, workspace file system, versions, host identity.

import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import mitataPkg from "mitata/package.json" with { type: "json" };

export interface Environment {
  os: string;
  platform: string;
  arch: string;
  kernel: string;
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  workspaceFs: string | null;
  bun: string;
  mitata: string;
  mirrorbench: string;
  user: { uid: number | null; root: boolean };
}

export interface HostId {
  hostname: string;
  /** Short fingerprint of CPU model, core count and memory: results from different machines never mix. */
  fingerprint: string;
  /** hostname-fingerprint: the key history is grouped by. */
  id: string;
}

export function hostId(env: Pick<Environment, "cpuModel" | "cores" | "memoryBytes">, hostname = os.hostname()): HostId {
  const fingerprint = createHash("sha256").update(`${env.cpuModel}|${env.cores}|${env.memoryBytes}`).digest("hex").slice(0, 8);
  const safe = hostname.replace(/[^A-Za-z0-9.-]+/g, "_") || "host";
  return { hostname, fingerprint, id: `${safe}-${fingerprint}` };
}

function fsType(dir: string): string | null {
  try {
    if (process.platform === "linux") {
      const r = Bun.spawnSync(["stat", "-f", "-c", "%T", dir], { stdout: "pipe", stderr: "ignore" });
      return r.exitCode === 0 ? r.stdout.toString().trim() : null;
    }
    if (process.platform === "darwin") {
      const r = Bun.spawnSync(["/sbin/mount"], { stdout: "pipe", stderr: "ignore" });
      let best: { mp: string; type: string } | null = null;
      for (const line of r.stdout.toString().split("\n")) {
        const m = /^.+ on (.+) \((\w+)/.exec(line);
        if (m && (dir === m[1] || dir.startsWith(m[1]!.endsWith("/") ? m[1]! : m[1] + "/")) && (!best || m[1]!.length > best.mp.length)) best = { mp: m[1]!, type: m[2]! };
      }
      return best?.type ?? null;
    }
  } catch {
    /* unknown is an honest answer */
  }
  return null;
}

export function captureEnvironment(workspace: string, version: string): Environment {
  const cpus = os.cpus();
  const uid = typeof process.getuid === "function" ? process.getuid() : null;
  let dir = workspace;
  while (!fs.existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return {
    os: `${os.type()} ${os.release()}`,
    platform: process.platform,
    arch: process.arch,
    kernel: os.release(),
    cpuModel: cpus[0]?.model?.trim() ?? "unknown",
    cores: cpus.length,
    memoryBytes: os.totalmem(),
    workspaceFs: fsType(dir),
    bun: Bun.version,
    mitata: mitataPkg.version,
    mirrorbench: version,
    user: { uid, root: uid === 0 },
  };
}
