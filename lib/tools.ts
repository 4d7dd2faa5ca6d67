// Which tools exist on this machine: argv[0] / requires on PATH, and each tool's version line.

import fs from "node:fs";
import path from "node:path";
import { DEFAULTS } from "./defaults";
import type { ToolAvailability, ToolSpec } from "./types";

function findCommand(cmd: string): string | null {
  if (cmd.includes("/") || (process.platform === "win32" && cmd.includes("\\"))) {
    try {
      fs.accessSync(cmd, fs.constants.X_OK);
      return path.resolve(cmd);
    } catch {
      return null;
    }
  }
  return Bun.which(cmd);
}

/** The commands a tool needs: its requires list, else argv[0] (first word of a shell command). */
export function requiredCommands(tool: ToolSpec): string[] {
  if (tool.requires.length) return tool.requires;
  if (!tool.argv.length) return [];
  const first = tool.shell ? tool.argv[0]!.trim().split(/\s+/)[0]! : tool.argv[0]!;
  return [first];
}

/** Pure availability check (no spawning); versions are filled in separately. */
export function checkAvailability(tool: ToolSpec, platform = process.platform): ToolAvailability {
  if (!tool.argv.length) {
    return { id: tool.id, available: false, path: null, reason: `no argv for ${platform}`, version: null };
  }
  let first: string | null = null;
  for (const cmd of requiredCommands(tool)) {
    const found = findCommand(cmd);
    if (!found) return { id: tool.id, available: false, path: null, reason: `${cmd} not found on PATH`, version: null };
    first ??= found;
  }
  return { id: tool.id, available: true, path: first, reason: null, version: null };
}

/** First line of `<tool> --version` (or the tool's version argv); null when it has none. */
export function probeVersion(tool: ToolSpec, avail: ToolAvailability): string | null {
  if (!avail.available) return null;
  const argv = tool.versionArgv ?? (tool.shell ? null : [tool.argv[0]!, "--version"]);
  if (!argv || argv.length === 0) return null;
  try {
    const r = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe", timeout: DEFAULTS.versionTimeoutMs, env: { ...process.env, ...tool.env } });
    if (r.exitCode !== 0) return null;
    const line = (r.stdout.toString() || r.stderr.toString()).split("\n").find((l) => l.trim());
    return line ? line.trim().slice(0, 200) : null;
  } catch {
    return null;
  }
}

export function resolveTools(tools: Record<string, ToolSpec>, withVersions: boolean): Record<string, ToolAvailability> {
  const out: Record<string, ToolAvailability> = {};
  for (const [id, t] of Object.entries(tools)) {
    const a = checkAvailability(t);
    if (withVersions) a.version = probeVersion(t, a);
    out[id] = a;
  }
  return out;
}
