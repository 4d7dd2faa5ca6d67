// Which tools exist on this machine: argv[0] / requires on PATH, and each tool's version line.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { cleanBuildProblem } from "../config/tools";
import { DEFAULTS } from "../defaults";
import { firstWord, shellFor } from "../shellquote";
import type { ToolAvailability, ToolSpec } from "../types";
import type { Executor } from "./executor";

/** The absolute path of a command, or why it cannot be run (a directory or a file without x passes access(X_OK) checks people rely on). */
function findCommand(cmd: string, platform: string): { path: string } | { reason: string } {
  if (cmd.includes("/") || (platform === "win32" && cmd.includes("\\"))) {
    let st: fs.Stats;
    try {
      st = fs.statSync(cmd);
    } catch {
      return { reason: `${cmd} not found or not executable` };
    }
    if (st.isDirectory()) return { reason: `${cmd} is a directory, not a program` };
    if (!st.isFile()) return { reason: `${cmd} is not a regular file` };
    try {
      fs.accessSync(cmd, fs.constants.X_OK);
    } catch {
      return { reason: `${cmd} is not executable (mode ${(st.mode & 0o777).toString(8).padStart(4, "0")}; chmod +x it)` };
    }
    return { path: path.resolve(cmd) };
  }
  // Bun.which already skips directories and files without x on PATH.
  const found = Bun.which(cmd, { PATH: process.env.PATH ?? "" });
  return found ? { path: found } : { reason: `${cmd} not found on PATH` };
}

/** The commands a tool needs: its requires list, else argv[0] (first word of a shell command). */
export function requiredCommands(tool: ToolSpec, platform: string = process.platform): string[] {
  if (tool.requires.length) return tool.requires;
  if (!tool.argv.length) return [];
  const first = tool.shell ? firstWord(tool.argv[0]!, shellFor(platform)) : tool.argv[0]!;
  return [first];
}

/** Pure availability check (no spawning); versions are filled in separately. */
export function checkAvailability(tool: ToolSpec, platform: string = process.platform): ToolAvailability {
  if (!tool.argv.length) {
    return { id: tool.id, available: false, path: null, reason: `no argv for ${platform}`, version: null };
  }
  let first: string | null = null;
  for (const cmd of requiredCommands(tool, platform)) {
    const found = findCommand(cmd, platform);
    if ("reason" in found) return { id: tool.id, available: false, path: null, reason: found.reason, version: null };
    first ??= found.path;
  }
  return { id: tool.id, available: true, path: first, reason: null, version: null };
}

/**
 * First line of `<tool> --version` (or the tool's version argv); null when it has none.
 * A tool that ignores --version and hangs costs at most the probe timeout, all probes run at once.
 */
export async function probeVersion(tool: ToolSpec, avail: ToolAvailability, executor: Executor): Promise<string | null> {
  if (!avail.available) return null;
  const argv = tool.versionArgv ?? (tool.shell ? null : [tool.argv[0]!, "--version"]);
  if (!argv || argv.length === 0) return null;
  // Through the meter like a run, into a file rather than a pipe: a probe that leaves a child behind
  // holding its output open can neither hang the benchmark nor outlive the probe.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mirrorbench-version-"));
  const file = path.join(dir, "out");
  const fd = fs.openSync(file, "w");
  try {
    const out = await executor.run({ argv, env: tool.env, logFd: fd, timeoutMs: DEFAULTS.versionTimeoutMs });
    if (out.timedOut || out.exitCode !== 0) return null;
    const line = fs.readFileSync(file, "utf8").split("\n").find((l) => l.trim());
    return line ? line.trim().slice(0, 200) : null;
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function resolveTools(tools: Record<string, ToolSpec>, platform: string = process.platform): Record<string, ToolAvailability> {
  const out: Record<string, ToolAvailability> = {};
  for (const [id, t] of Object.entries(tools)) out[id] = checkAvailability(t, platform);
  return out;
}

export async function probeVersions(tools: Record<string, ToolSpec>, avail: Record<string, ToolAvailability>, executor: Executor): Promise<void> {
  await Promise.all(
    Object.entries(tools).map(async ([id, t]) => {
      const a = avail[id]!;
      a.version = await probeVersion(t, a, executor);
      // require_clean_build: a dirty or unnamed build is unavailable, so a gate that needs it is undecided, never graded.
      const refused = a.available && t.requireCleanBuild ? cleanBuildProblem(a.version) : null;
      if (refused) Object.assign(a, { available: false, reason: refused });
    }),
  );
}
