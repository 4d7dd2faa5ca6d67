// Where a run works and writes: the workspace, keep_workspace and results_dir, expanded and refused when they would harm the machine or lose the results.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DEFAULTS, defaultWorkspace } from "../defaults";
import { BenchError } from "../errors";
import { isInside, nearestExisting } from "../safe-fs";
import type { ValueOrigin } from "../types";
import type { Reader } from "./reader";

/** Where a flag or environment variable override came from ("--workspace", "BENCH_ROOT"), by value. */
export interface OverrideOrigins {
  workspace?: string;
  resultsDir?: string;
  keepWorkspace?: string;
}

type Env = Record<string, string | undefined>;

/** ~, $VAR, ${VAR} and ${VAR:-default}; a variable that is not set is reported, never silently emptied. */
export function expandPath(raw: string, env: Env, home: string): { value: string; unset: string | null } {
  let unset: string | null = null;
  const value = raw
    .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, braced?: string, def?: string, bare?: string) => {
      const name = (braced ?? bare)!;
      const v = env[name];
      if (v !== undefined && v !== "") return v;
      if (def !== undefined) return def;
      unset ??= name;
      return "";
    })
    .replace(/^~(?=\/|$)/, home);
  return { value, unset };
}

export interface Places {
  workspace: string;
  keepWorkspace: boolean;
  resultsDir: string;
  origins: { workspace: ValueOrigin; resultsDir: ValueOrigin; keepWorkspace: ValueOrigin };
}

/**
 * The workspace, keep_workspace and results_dir, expanded and checked: never `/`, the home folder
 * or one of its parents; results never in a file, under a file, or in a workspace about to be removed.
 */
export function resolvePlaces(r: Reader, ov: { workspace?: string; resultsDir?: string; keepWorkspace?: boolean; from?: OverrideOrigins }, env: Env): Places {
  const dir = path.dirname(path.resolve(r.file));
  const home = env.HOME || os.homedir();
  const homes = [...new Set([home, os.homedir()].map((h) => path.resolve(h)))];
  const origin = (configKey: string, flag: string | undefined): ValueOrigin =>
    flag ? { key: flag } : { key: configKey, file: r.file, ...(r.has([configKey]) ? r.pos([configKey]) : {}) };
  const origins = {
    workspace: origin("workspace", ov.workspace !== undefined ? (ov.from?.workspace ?? "--workspace") : undefined),
    resultsDir: origin("results_dir", ov.resultsDir !== undefined ? (ov.from?.resultsDir ?? "--results-dir") : undefined),
    keepWorkspace: origin("keep_workspace", ov.keepWorkspace !== undefined ? (ov.from?.keepWorkspace ?? "--keep-workspace") : undefined),
  };
  const fail = (o: ValueOrigin, configKey: string, message: string, hint: string): never => {
    if (o.file) r.fail([configKey], message, hint);
    throw new BenchError(message, { key: o.key, hint });
  };
  const place = (configKey: string, o: ValueOrigin, raw: string): string => {
    const { value, unset } = expandPath(raw, env, home);
    if (unset) fail(o, configKey, `uses $${unset}, which is not set`, `set ${unset}, or give a default: \${${unset}:-/tmp/mirrorbench}`);
    return path.resolve(dir, value);
  };

  const workspace = place("workspace", origins.workspace, ov.workspace ?? (r.has(["workspace"]) ? r.str(["workspace"]) : defaultWorkspace(os.tmpdir())));
  const wsHint = "set workspace: (or BENCH_ROOT / --workspace) to a folder of its own, e.g. /tmp/mirrorbench";
  if (workspace === path.parse(workspace).root) fail(origins.workspace, "workspace", `refusing workspace ${workspace}: it is the file system root`, wsHint);
  for (const h of homes) {
    if (workspace === h) fail(origins.workspace, "workspace", `refusing workspace ${workspace}: it is the home directory`, wsHint);
    if (isInside(h, workspace)) fail(origins.workspace, "workspace", `refusing workspace ${workspace}: it holds the home directory ${h}`, wsHint);
  }

  const keepWorkspace = ov.keepWorkspace ?? r.bool(["keep_workspace"], DEFAULTS.keepWorkspace);
  const resultsDir = place("results_dir", origins.resultsDir, ov.resultsDir ?? r.str(["results_dir"], DEFAULTS.resultsDir));
  const existing = nearestExisting(resultsDir);
  let isDir = false;
  try {
    isDir = fs.statSync(existing).isDirectory();
  } catch {
    /* a dangling link: not a directory */
  }
  if (!isDir) {
    const message = existing === resultsDir ? `${resultsDir} is a file, not a directory` : `${existing} is a file, so ${resultsDir} cannot be created under it`;
    fail(origins.resultsDir, "results_dir", message, "point results_dir (or --results-dir) at a directory, or a path where one can be created");
  }
  if (!keepWorkspace && (resultsDir === workspace || isInside(resultsDir, workspace))) {
    const by = origins.keepWorkspace.file ? `keep_workspace: false${origins.keepWorkspace.line ? ` (line ${origins.keepWorkspace.line})` : ""}` : ov.from?.keepWorkspace ?? "--remove-workspace";
    fail(origins.resultsDir, "results_dir", `${resultsDir} is inside the workspace ${workspace}, which ${by} removes at exit: the results would be deleted`, "put results_dir outside the workspace, or keep the workspace (keep_workspace: true)");
  }
  return { workspace, keepWorkspace, resultsDir, origins };
}
