// Resolving the tools: the platform variant's keys over the tool's own, ${VAR} expanded (and quoted for a shell tool's shell), exit-code ranges expanded.

import { DEFAULTS } from "../defaults";
import { fillShell, PLACEHOLDER, ShellTemplateError, shellFor, type ShellKind } from "../shellquote";
import type { ToolSpec } from "../types";
import { resolveCallGraph } from "./diagnose";
import type { Reader } from "./reader";
import type { Path } from "./shape";

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * "${VAR}" and "${VAR:-default}" in argv, so a binary's path can come from the environment (BLIT_BIN).
 * In a shell tool's command string (`shell` given) the value is quoted for that shell like {src}/{dst};
 * a plain $VAR the user wrote there is not ours and is left to the shell, which expands it when the tool runs.
 */
export function expandEnv(s: string, env: Record<string, string | undefined>, shell?: ShellKind): string {
  const valueOf = (name: string, def?: string) => {
    const v = env[name];
    return v !== undefined && v !== "" ? v : (def ?? "");
  };
  if (shell) return fillShell(s, ENV_REF, (m) => valueOf(m[1]!, m[2]), shell);
  return s.replace(ENV_REF, (_, name: string, def?: string) => valueOf(name, def));
}

/** success_codes: codes and low..high ranges (the shape check has their form; a reversed range is refused here). */
function parseCodes(r: Reader, p: Path): number[] {
  const v = r.get(p);
  if (v === undefined) return [...DEFAULTS.successCodes];
  const list = Array.isArray(v) ? v : [v];
  const codes: number[] = [];
  list.forEach((x, i) => {
    if (typeof x === "number") return void codes.push(x);
    const [a, b] = String(x).split("..").map(Number) as [number, number];
    if (a > b) r.fail(Array.isArray(v) ? [...p, i] : p, `range "${x}" is reversed`, `write it low..high, e.g. "${b}..${a}"`);
    for (let c = a; c <= b; c++) codes.push(c);
  });
  return codes;
}

export function resolveTool(r: Reader, id: string, platform: string, env: Record<string, string | undefined>): ToolSpec {
  const p: Path = ["tools", id];
  // The platform variant's keys win over the tool's own.
  const at = (k: string): Path => (r.has([...p, platform, k]) ? [...p, platform, k] : [...p, k]);
  const shell = r.bool(at("shell"), false);
  let argv: string[] = [];
  if (r.has(at("argv"))) {
    if (!shell && typeof r.get(at("argv")) === "string") r.fail(at("argv"), "must be a non-empty list of strings", "a single command string needs shell: true");
    argv = r.strList(at("argv"));
  }
  if (shell && argv.length !== 1) r.fail(at("argv"), "with shell: true must be one command string", `e.g. argv: "tar -C {src} -cf - . | tar -C {dst} -xf -"`);
  if (shell) {
    // Checked here, with the dummy value, so a placeholder that cannot be quoted is a located config error.
    try {
      argv = argv.map((a) => expandEnv(a, env, shellFor(platform)));
      fillShell(argv[0]!, PLACEHOLDER, () => "x", shellFor(platform));
    } catch (e) {
      if (!(e instanceof ShellTemplateError)) throw e;
      r.fail(at("argv"), e.message, `write {src}, {dst} and \${VAR} bare, in '...' or in "...": mirrorbench quotes each value for the shell`);
    }
  } else argv = argv.map((a) => expandEnv(a, env));
  const envMap: Record<string, string> = {};
  for (const [k, v] of Object.entries((r.get(at("env")) ?? {}) as object)) envMap[k] = expandEnv(String(v), env);
  const version = r.get(at("version"));
  const durable = r.bool(at("durable"), false);
  const state = r.get(at("state")) as ToolSpec["state"] | undefined;
  const stats = r.get(at("stats")) as ToolSpec["stats"] | undefined;
  const callGraph = resolveCallGraph(r, at("call_graph"));
  const requireCleanBuild = r.bool(at("require_clean_build"), false);
  if (requireCleanBuild && version === false) {
    r.fail(at("require_clean_build"), "needs a version line, and this tool has version: false", "give version: [<binary>, --version] (any argv that prints <name> <version>+<git sha>)");
  }
  if (requireCleanBuild && version === undefined && shell) {
    r.fail(at("require_clean_build"), "needs a version line: a shell tool has no default --version probe", "add version: [<binary>, --version]");
  }
  return {
    id,
    label: r.str([...p, "label"], id),
    argv,
    shell,
    env: envMap,
    successCodes: parseCodes(r, at("success_codes")),
    requires: r.has(at("requires")) ? r.strList(at("requires")) : [],
    versionArgv: version === undefined ? null : version === false ? [] : r.strList(at("version")).map((a) => expandEnv(a, env)),
    ...(callGraph ? { callGraph } : {}),
    ...(requireCleanBuild ? { requireCleanBuild } : {}),
    ...(durable ? { durable } : {}),
    ...(state ? { state } : {}),
    ...(stats ? { stats } : {}),
  };
}

/**
 * require_clean_build's rule on a `--version` line (`blit <version>+<git sha>[.dirty]`): why the build is refused,
 * or null when it is clean. A build from uncommitted sources, or one that does not say its commit, is not the code
 * the gate would be judging.
 */
export function cleanBuildProblem(versionLine: string | null): string | null {
  if (versionLine === null) return "require_clean_build: the tool printed no version line, so its build cannot be checked";
  if (/\.dirty\b/.test(versionLine)) return `require_clean_build: a dirty build (uncommitted changes): ${JSON.stringify(versionLine)}`;
  if (!/\+[0-9a-f]{4,40}\b/i.test(versionLine)) return `require_clean_build: the version line names no git commit (+<sha>): ${JSON.stringify(versionLine)}`;
  return null;
}
