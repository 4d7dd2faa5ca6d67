// Isolated learned state: the {state} and {run} placeholders in a tool's argv and env, and each run's fresh state directory.

import path from "node:path";
import { CMD_SHELL, fillShell, shellFor } from "../shellquote";
import { ensureRealDir, removeInside, type Replaced } from "../safe-fs";

/** `state:` on a scenario or tool: a fresh empty directory per run (default), or one directory per tool kept across runs. */
export type StateMode = "fresh" | "shared";
export const STATE_DEFAULT: StateMode = "fresh";

/** Every placeholder a run fills in one pass (so a value that happens to contain "{run}" is never filled again). */
export const RUN_PLACEHOLDERS = /\{(src|dst|state|run)\}/g;
/** The placeholders this module adds; env values get only these. */
export const STATE_PLACEHOLDERS = /\{(state|run)\}/g;

export interface RunValues {
  src: string;
  dst: string;
  /** The run's state directory (absolute). */
  state: string;
  /** The run id (see makeRunId). */
  run: string;
}

export interface TemplateTool {
  argv: string[];
  shell: boolean;
  env: Record<string, string>;
}

/** Does the tool's argv or env name {state} / {run}? (A tool that names neither needs no state directory.) */
export function placeholdersUsed(tool: TemplateTool): { state: boolean; run: boolean } {
  const all = [...tool.argv, ...Object.values(tool.env)].join("\n");
  return { state: all.includes("{state}"), run: all.includes("{run}") };
}

/**
 * argv and env for one run. argv tools get the values verbatim (no shell sees them); a shell tool's command
 * string goes through shellquote's fillShell, so each value is quoted for the spot it stands in, exactly
 * like {src}/{dst} (this replaces plan.ts renderArgv, which fills only {src}/{dst}). Env values are
 * passed to the tool as they are (no shell parses them), with {state} and {run} filled.
 */
export function renderRun(tool: TemplateTool, v: RunValues, platform: string = process.platform): { argv: string[]; env: Record<string, string> } {
  const valueOf = (k: string) => v[k as keyof RunValues];
  const env: Record<string, string> = {};
  for (const [k, val] of Object.entries(tool.env)) env[k] = val.replace(STATE_PLACEHOLDERS, (_, key: string) => valueOf(key));
  if (!tool.shell) return { argv: tool.argv.map((a) => a.replace(RUN_PLACEHOLDERS, (_, key: string) => valueOf(key))), env };
  const cmd = fillShell(tool.argv[0]!, RUN_PLACEHOLDERS, (m) => valueOf(m[1]!), shellFor(platform));
  return { argv: platform === "win32" ? [...CMD_SHELL, `"${cmd}"`] : ["/bin/sh", "-c", cmd], env };
}

/** An id for this invocation: UTC time to the second and the pid, e.g. "20250101T120000Z-4242". */
export function invocationId(now: Date = new Date(), pid: number = process.pid): string {
  return `${now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}-${pid}`;
}

/**
 * A run id unique across invocations and runs, made only of [A-Za-z0-9._-] so it is one plain word in
 * every shell and a valid file name: "<invocation>.<scenario>.<tool>.<w|m><index>".
 */
export function makeRunId(p: { invocation: string; scenario: string; tool: string; phase: "warmup" | "measured"; index: number }): string {
  const clean = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, "_");
  return `${clean(p.invocation)}.${clean(p.scenario)}.${clean(p.tool)}.${p.phase === "warmup" ? "w" : "m"}${p.index}`;
}

/** Where state directories live: <workspace>/state. */
export function stateRoot(workspaceReal: string): string {
  return path.join(workspaceReal, "state");
}

/** The state directory of one run: fresh → <root>/<runId>; shared → <root>/shared/<tool>. */
export function stateDirFor(workspaceReal: string, mode: StateMode, runId: string, tool: string): string {
  const clean = tool.replace(/[^A-Za-z0-9._-]+/g, "_");
  return mode === "fresh" ? path.join(stateRoot(workspaceReal), runId) : path.join(stateRoot(workspaceReal), "shared", clean);
}

/**
 * Makes the run's state directory ready before the run (outside the timed window). fresh: whatever an
 * earlier run left under that name is removed first, so the directory is new and empty; shared: it is
 * created when missing and otherwise kept. Links on the way are removed as entries, never followed.
 */
export function prepareStateDir(workspaceReal: string, dir: string, mode: StateMode): Replaced[] {
  const replaced: Replaced[] = [];
  if (mode === "fresh") replaced.push(...removeInside(workspaceReal, dir));
  replaced.push(...ensureRealDir(workspaceReal, dir));
  return replaced;
}

/** After the run: a fresh state directory is removed with everything the tool put in it (links unlinked, not followed); a shared one stays. */
export function releaseStateDir(workspaceReal: string, dir: string, mode: StateMode): Replaced[] {
  return mode === "fresh" ? removeInside(workspaceReal, dir) : [];
}
