// Resolving remote ends and daemons: a scenario's source: / destination: { host } and a tool's daemon:, each host checked against hosts: (located, with "did you mean").

import { parseDurationMs } from "../units";
import type { HostConfig, ScenarioSpec, ToolDaemonSpec, ToolSpec } from "../types";
import { unknownHostHint } from "./hosts";

export { resolveHosts, resolveRunOn } from "./hosts";
import type { Reader } from "./reader";
import type { Path } from "./shape";

function hostAt(r: Reader, p: Path, hosts: Record<string, HostConfig>): string {
  const name = r.str(p);
  if (!(name in hosts)) r.fail(p, `host "${name}" is not declared in hosts:`, unknownHostHint(name, hosts));
  return name;
}

/** A tool's daemon: (its platform variant's first), its host declared, its log regex compilable. */
function resolveDaemon(r: Reader, id: string, platform: string, hosts: Record<string, HostConfig>): ToolDaemonSpec | null {
  const p: Path = r.has(["tools", id, platform, "daemon"]) ? ["tools", id, platform, "daemon"] : ["tools", id, "daemon"];
  if (!r.has(p)) return null;
  const host = hostAt(r, [...p, "host"], hosts);
  const ready: ToolDaemonSpec["ready"] = r.has([...p, "ready", "tcp"]) ? { tcp: r.int([...p, "ready", "tcp"]) } : { log: r.str([...p, "ready", "log"]) };
  if ("log" in ready) {
    try {
      new RegExp(ready.log, "m");
    } catch (e) {
      r.fail([...p, "ready", "log"], `is not a regular expression: ${(e as Error).message}`, `e.g. log: "listening on port \\\\d+"`);
    }
  }
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries((r.get([...p, "env"]) ?? {}) as object)) env[k] = String(v);
  const timeoutMs = parseDurationMs(r.get([...p, "ready", "timeout"]));
  return { host, argv: r.strList([...p, "argv"]), ready, ...(timeoutMs ? { readyTimeoutMs: timeoutMs } : {}), per: (r.get([...p, "per"]) as "run" | "scenario" | undefined) ?? "run", env };
}

/** Fills in ScenarioSpec.sourceHost / destinationHost and ToolSpec.daemon, after hosts: is resolved. */
export function resolveEndpoints(r: Reader, scenarios: ScenarioSpec[], tools: Record<string, ToolSpec>, hosts: Record<string, HostConfig>, platform: string): void {
  for (const [id, t] of Object.entries(tools)) {
    const d = resolveDaemon(r, id, platform, hosts);
    if (d) t.daemon = d;
    const argvPath: Path = r.has(["tools", id, platform, "argv"]) ? ["tools", id, platform, "argv"] : ["tools", id, "argv"];
    if (t.argv.join("\n").includes("{port}") && !(d && "tcp" in d.ready)) {
      r.fail(argvPath, "uses {port}, the port of the tool's daemon, but the tool has no daemon: with ready: { tcp: PORT }", `add daemon: { host: …, argv: […], ready: { tcp: 8730 } }, or write the port out`);
    }
  }
  if (!r.has(["scenarios"])) return;
  (r.get(["scenarios"]) as unknown[]).forEach((_, i) => {
    const p: Path = ["scenarios", i];
    const src = r.has([...p, "source"]) ? hostAt(r, [...p, "source", "host"], hosts) : undefined;
    const dst = r.has([...p, "destination"]) ? hostAt(r, [...p, "destination", "host"], hosts) : undefined;
    if (!src && !dst) return;
    if (src && dst) r.fail([...p, "destination"], "a scenario with both ends on hosts (remote to remote) is not supported yet", "keep one end on this machine: the timed tool runs here, under the local meter");
    const kind = r.get([...p, "type"]) ?? "copy";
    if (kind !== "copy") r.fail([...p, src ? "source" : "destination"], `a remote end is supported for type: copy only (this scenario is ${kind})`, "drop type:, or keep both ends on this machine");
    const name = r.str([...p, "name"]);
    for (const s of scenarios) {
      if (s.baseName !== name) continue;
      if (src) s.sourceHost = src;
      if (dst) s.destinationHost = dst;
    }
  });
}

/** Every host a config's scenarios and tools name (source, destination, daemon): they are probed like run_on's. */
export function referencedHosts(scenarios: ScenarioSpec[], tools: Record<string, ToolSpec>): string[] {
  const out = new Set<string>();
  for (const s of scenarios) {
    if (s.sourceHost) out.add(s.sourceHost);
    if (s.destinationHost) out.add(s.destinationHost);
    for (const t of s.tools) if (tools[t]?.daemon) out.add(tools[t]!.daemon!.host);
  }
  return [...out];
}
