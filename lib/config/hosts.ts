// Resolving hosts: and run_on: — each host's ssh connection with its paths expanded, and the fleet's host names checked against them.

import os from "node:os";
import path from "node:path";
import { REMOTE_DEFAULTS } from "../defaults";
import { BenchError } from "../errors";
import { FLEET_ENV } from "../remote/fleet";
import type { HostConfig } from "../types";
import { expandPath } from "./places";
import { closest, type Reader } from "./reader";

type Env = Record<string, string | undefined>;

/** hosts: by name. identity and ssh_config: ~ and $VAR expand, a relative path is relative to the config file. */
export function resolveHosts(r: Reader, env: Env): Record<string, HostConfig> {
  const out: Record<string, HostConfig> = {};
  if (!r.has(["hosts"])) return out;
  const dir = path.dirname(path.resolve(r.file));
  const home = env.HOME || os.homedir();
  const file = (p: (string | number)[]): string | undefined => {
    if (!r.has(p)) return undefined;
    const { value, unset } = expandPath(r.str(p), env, home);
    // A fleet member never connects anywhere: a variable set only on the initiating host is no error there.
    if (unset && !env[FLEET_ENV.host]) r.fail(p, `uses $${unset}, which is not set`, `set ${unset}, or write the path out`);
    return path.resolve(dir, value);
  };
  for (const e of r.entries(r.node(["hosts"]))) {
    const p = ["hosts", e.key];
    if (!r.has([...p, "ssh"])) r.fail([...p, "ssh"], "is required: where ssh connects", `e.g. ${e.key}: { ssh: "bench@${e.key}.local" } (user@host, host or an ssh_config alias)`);
    const h: HostConfig = {
      name: e.key,
      ssh: r.str([...p, "ssh"]),
      sudo: r.bool([...p, "sudo"], false),
      workspace: r.str([...p, "workspace"], REMOTE_DEFAULTS.hostWorkspace).replace(/\/+$/, ""),
    };
    if (r.has([...p, "port"])) h.port = r.int([...p, "port"]);
    const identity = file([...p, "identity"]);
    if (identity) h.identity = identity;
    const cfg = file([...p, "ssh_config"]);
    if (cfg) h.configFile = cfg;
    out[e.key] = h;
  }
  return out;
}

/** run_on: each name a key of hosts:, located with "did you mean" when not. */
export function resolveRunOn(r: Reader, hosts: Record<string, HostConfig>): string[] {
  if (!r.has(["run_on"])) return [];
  const names = r.strList(["run_on"]);
  const list = Array.isArray(r.get(["run_on"]));
  names.forEach((n, i) => {
    if (!(n in hosts)) r.fail(list ? ["run_on", i] : ["run_on"], `host "${n}" is not declared in hosts:`, unknownHostHint(n, hosts));
  });
  return [...new Set(names)];
}

export function unknownHostHint(name: string, hosts: Record<string, HostConfig>): string {
  const names = Object.keys(hosts);
  if (!names.length) return `add a hosts: section, e.g. hosts: { ${name}: { ssh: "bench@${name}.local" } }`;
  const near = closest(name, names);
  return `${near ? `did you mean "${near}"? ` : ""}hosts: ${names.join(", ")}`;
}

/** --hosts a,b,c: each a key of hosts: (a usage error naming the flag otherwise). */
export function parseHostList(value: string, hosts: Record<string, HostConfig>): string[] {
  const names = value.split(",").map((s) => s.trim()).filter(Boolean);
  if (!names.length) throw new BenchError("--hosts needs at least one host name", { key: "--hosts", hint: "e.g. --hosts nas,mac" });
  for (const n of names) {
    if (!(n in hosts)) throw new BenchError(`host "${n}" is not declared in the config's hosts:`, { key: "--hosts", hint: unknownHostHint(n, hosts) });
  }
  return [...new Set(names)];
}
