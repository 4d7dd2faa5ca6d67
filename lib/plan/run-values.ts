// What each run's placeholders become, known at plan time: {src}, {dst}, {state} and {run} filled in one pass (quoted for a shell tool's shell), run ids, state directories.

import path from "node:path";
import { CMD_SHELL, fillShell, PLACEHOLDER, shellFor, type ShellKind } from "../shellquote";
import type { StateMode, ToolDaemonSpec } from "../types";

/** The placeholders an env value gets (a tool's env is passed as it is, no shell parses it). */
export const STATE_PLACEHOLDERS = /\{(state|run)\}/g;

export interface RunValues {
  src: string;
  dst: string;
  /** The run's state directory (absolute); "" when the tool names no {state}. */
  state: string;
  /** The run id (see makeRunId). */
  run: string;
  /** Remote ends: {src_host} {dst_host} {src_port} {dst_port} {src_ssh} {dst_ssh} {src_rsh} {dst_rsh}, and the daemon's {port} ("" when none). */
  [endpoint: string]: string;
}

export interface TemplateTool {
  argv: string[];
  shell: boolean;
  env: Record<string, string>;
}

/** How a shell tool's command line is started: the platform's, or one chosen by platform name. */
export type ShellRunner = { kind: ShellKind; argv(command: string): string[] };

function runnerFor(platform: string): ShellRunner {
  return platform === "win32" ? { kind: "cmd", argv: (c) => [...CMD_SHELL, `"${c}"`] } : { kind: shellFor(platform), argv: (c) => ["/bin/sh", "-c", c] };
}

/** Does the tool's argv or env name {state} / {run}? (A tool that names neither needs no state directory.) */
export function placeholdersUsed(tool: TemplateTool): { state: boolean; run: boolean } {
  const all = [...tool.argv, ...Object.values(tool.env)].join("\n");
  return { state: all.includes("{state}"), run: all.includes("{run}") };
}

/**
 * argv and env for one run. argv tools get the values verbatim (no shell sees them); a shell tool's command
 * string goes through fillShell, so each value is quoted for the spot it stands in. One pass: a value that
 * happens to contain "{run}" is never filled again. Env values get {state} and {run}.
 */
export function renderRun(tool: TemplateTool, v: RunValues, shell: ShellRunner | string = process.platform): { argv: string[]; env: Record<string, string> } {
  const runner = typeof shell === "string" ? runnerFor(shell) : shell;
  const valueOf = (k: string) => v[k] ?? "";
  const env: Record<string, string> = {};
  for (const [k, val] of Object.entries(tool.env)) env[k] = val.replace(STATE_PLACEHOLDERS, (_, key: string) => valueOf(key));
  if (!tool.shell) return { argv: tool.argv.map((a) => a.replace(PLACEHOLDER, (_, key: string) => valueOf(key))), env };
  return { argv: runner.argv(fillShell(tool.argv[0]!, PLACEHOLDER, (m) => valueOf(m[1]!), runner.kind)), env };
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
export function stateRoot(workspace: string): string {
  return path.join(workspace, "state");
}

/** The state directory of one run: fresh → <root>/<runId>; shared → <root>/shared/<tool>. */
export function stateDirFor(workspace: string, mode: StateMode, runId: string, tool: string): string {
  const clean = tool.replace(/[^A-Za-z0-9._-]+/g, "_");
  return mode === "fresh" ? path.join(stateRoot(workspace), runId) : path.join(stateRoot(workspace), "shared", clean);
}

/** Placeholders a daemon's argv and env get: everything but {state}, which startDaemon fills with the daemon's own state dir. */
const DAEMON_PLACEHOLDERS = /\{(src|dst|run|(?:src|dst)_(?:host|port|ssh|rsh)|port)\}/g;

/** The tool's daemon with the run's values filled in (each argv element stays one element: no shell parses it). */
export function daemonFor(d: ToolDaemonSpec, v: Record<string, string>): ToolDaemonSpec {
  const fill = (s: string) => s.replace(DAEMON_PLACEHOLDERS, (_, k: string) => v[k] ?? "");
  return { ...d, argv: d.argv.map(fill), env: Object.fromEntries(Object.entries(d.env).map(([k, x]) => [k, fill(x)])) };
}
