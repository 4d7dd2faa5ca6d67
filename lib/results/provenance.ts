// Which binaries a run measured: each available tool's resolved file, its sha256 and version line, on the host that ran it; and the fleet run a result belongs to.

import fs from "node:fs";
import { FLEET_ENV } from "../remote/fleet";
import type { ToolAvailability } from "../types";

export interface ToolBinary {
  /** The path the tool resolved to (PATH lookup or the argv's own path). */
  path: string;
  /** The file after symlinks (what was hashed); null when it could not be resolved. */
  realPath: string | null;
  /** sha256 of that file's bytes; null when it could not be read (`error` says why). */
  sha256: string | null;
  /** First line of its --version (the same as tools.<id>.version). */
  version: string | null;
  error?: string;
}

/** Per host: every result records its own host's binaries (a fleet member records those of the host it ran on). */
export interface Provenance {
  host: string;
  tools: Record<string, ToolBinary>;
}

/** The fleet run a result came from: the config's name of the host, and the host that started the fleet. */
export interface FleetMember {
  host: string;
  initiator: string;
}

/** This run is a fleet member (started by another mirrorbench over ssh): which host it is, and who started it. */
export function fleetMember(env: Record<string, string | undefined>): FleetMember | null {
  const host = env[FLEET_ENV.host];
  if (!host || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(host)) return null;
  return { host, initiator: env[FLEET_ENV.initiator] || "unknown" };
}

async function sha256Of(file: string): Promise<string> {
  const h = new Bun.CryptoHasher("sha256");
  for await (const chunk of Bun.file(file).stream()) h.update(chunk);
  return h.digest("hex");
}

/** sha256 and version of every available tool's binary, read once at the start of a run (the files a run measures). */
export async function toolProvenance(hostId: string, tools: Record<string, ToolAvailability>): Promise<Provenance> {
  const out: Provenance = { host: hostId, tools: {} };
  await Promise.all(
    Object.entries(tools).map(async ([id, a]) => {
      if (!a.available || !a.path) return;
      const entry: ToolBinary = { path: a.path, realPath: null, sha256: null, version: a.version };
      try {
        entry.realPath = fs.realpathSync(a.path);
        entry.sha256 = await sha256Of(entry.realPath);
      } catch (e) {
        entry.error = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      }
      out.tools[id] = entry;
    }),
  );
  return out;
}
