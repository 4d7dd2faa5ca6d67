// The machine a result came from: OS, kernel, CPU, memory, workspace file system, versions, host identity.

import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import mitataPkg from "mitata/package.json" with { type: "json" };
import type { Platform } from "./types";

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

export function captureEnvironment(workspace: string, version: string, platform: Platform): Environment {
  const cpus = os.cpus();
  const uid = typeof process.getuid === "function" ? process.getuid() : null;
  let dir = workspace;
  while (!fs.existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return {
    os: `${os.type()} ${os.release()}`,
    platform: platform.name,
    arch: process.arch,
    kernel: os.release(),
    cpuModel: cpus[0]?.model?.trim() ?? "unknown",
    cores: cpus.length,
    memoryBytes: os.totalmem(),
    workspaceFs: platform.fsType(dir),
    bun: Bun.version,
    mitata: mitataPkg.version,
    mirrorbench: version,
    user: { uid, root: uid === 0 },
  };
}
