// Which tools exist on this machine: argv[0] / requires on PATH, and each tool's version line.

import fs from "node:fs";
import path from "node:path";
import { DEFAULTS } from "./defaults";
import { firstWord, shellFor } from "./shellquote";
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
  const first = tool.shell ? firstWord(tool.argv[0]!, shellFor(process.platform)) : tool.argv[0]!;
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
    if (!found) {
      const reason = cmd.includes("/") || cmd.includes("\\") ? `${cmd} not found or not executable` : `${cmd} not found on PATH`;
      return { id: tool.id, available: false, path: null, reason, version: null };
    }
    first ??= found;
  }
  return { id: tool.id, available: true, path: first, reason: null, version: null };
}

/**
 * First line of `<tool> --version` (or the tool's version argv); null when it has none.
 * A tool that ignores --version and hangs costs at most the probe timeout, all probes run at once.
 */
export async function probeVersion(tool: ToolSpec, avail: ToolAvailability): Promise<string | null> {
  if (!avail.available) return null;
  const argv = tool.versionArgv ?? (tool.shell ? null : [tool.argv[0]!, "--version"]);
  if (!argv || argv.length === 0) return null;
  try {
    const proc = Bun.spawn(argv, { stdin: "ignore", stdout: "pipe", stderr: "pipe", detached: true, env: { ...process.env, ...tool.env } });
    const timer = setTimeout(() => {
      try {
        process.kill(-proc.pid, "SIGKILL");
      } catch {
        proc.kill("SIGKILL");
      }
    }, DEFAULTS.versionTimeoutMs);
    const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    clearTimeout(timer);
    if (code !== 0) return null;
    const line = (out || err).split("\n").find((l) => l.trim());
    return line ? line.trim().slice(0, 200) : null;
  } catch {
    return null;
  }
}

export function resolveTools(tools: Record<string, ToolSpec>): Record<string, ToolAvailability> {
  const out: Record<string, ToolAvailability> = {};
  for (const [id, t] of Object.entries(tools)) out[id] = checkAvailability(t);
  return out;
}

export async function probeVersions(tools: Record<string, ToolSpec>, avail: Record<string, ToolAvailability>): Promise<void> {
  await Promise.all(
    Object.entries(tools).map(async ([id, t]) => {
      avail[id]!.version = await probeVersion(t, avail[id]!);
    }),
  );
}
