// The hosts a run's remote ends and daemons use: probed, the executable staged for their agent (sha256, only when changed), their placeholder values, closed at the end.

import { referencedHosts } from "../config/endpoints";
import { REMOTE_DEFAULTS } from "../defaults";
import { BenchError, EXIT } from "../errors";
import type { Log } from "../log";
import { AgentClient } from "../remote/agent-client";
import { endpointLayout, endpointValues } from "../remote/endpoints";
import { remoteLayout } from "../remote/fleet";
import { probeHost } from "../remote/probe";
import { SshHost } from "../remote/ssh";
import { remoteSha256, upload } from "../remote/transfer";
import type { HostValues, ResolvedConfig } from "../types";
import { ExecutablePicker, targetOf } from "./fleet-exe";

/** One host a remote end or a daemon lives on: its connection, its agent, the workspace of ours there. */
export interface EndpointHost {
  ssh: SshHost;
  agent: AgentClient;
  /** <ws>/.mirrorbench-host/endpoints */
  workspace: string;
  daemonsDir: string;
}

export interface OpenEndpoints {
  hosts: Map<string, EndpointHost>;
  values: HostValues;
  /** Ends every ssh master opened here. */
  close(): Promise<void>;
}

/** The hosts the selected scenarios' ends and daemons name: each probed (a finding stops the run before anything is generated), the executable staged. */
export async function openEndpoints(config: ResolvedConfig, only: ((n: string) => boolean) | undefined, env: Record<string, string | undefined>, log: Log): Promise<OpenEndpoints> {
  const names = usedHosts(config, only);
  const hosts = new Map<string, EndpointHost>();
  const values: HostValues = {};
  const opened: SshHost[] = [];
  const close = async () => {
    await Promise.all(opened.map((h) => h.closeMaster().catch(() => false)));
  };
  if (!names.length) return { hosts, values, close };
  const picker = new ExecutablePicker(env);
  try {
    for (const name of names) {
      const hc = config.hosts![name]!;
      const ssh = new SshHost(hc);
      opened.push(ssh);
      const probe = await probeHost(ssh);
      if (!probe.ok) throw new BenchError(`host ${name} (a remote end or daemon of this run) cannot be used: ${probe.findings.map((f) => f.message).join("; ")}`, { key: `hosts.${name}`, hint: probe.findings.map((f) => f.fix).join("; "), exitCode: EXIT.usage });
      const target = targetOf(probe.os, probe.arch);
      if (!target) throw new BenchError(`host ${name}: no mirrorbench build for ${probe.os} ${probe.arch} (its agent resets, verifies and drops caches there)`, { key: `hosts.${name}` });
      const exe = await picker.pick(target);
      const remoteExe = remoteLayout(hc.workspace, "config.yaml").exe;
      if ((await remoteSha256(ssh, remoteExe)) !== exe.sha256) {
        await upload(ssh, exe.file, remoteExe, { expectSha256: exe.sha256, mode: 0o755, timeoutMs: REMOTE_DEFAULTS.transferTimeoutMs });
        log.line(`${name}: staged the agent ${exe.file} → ${remoteExe} (sha256 checked on both ends)`);
      }
      const layout = endpointLayout(hc.workspace);
      hosts.set(name, { ssh, agent: new AgentClient(ssh, remoteExe, !!hc.sudo && probe.uid !== 0), workspace: layout.root, daemonsDir: layout.daemons });
      values[name] = await endpointValues(ssh);
    }
  } catch (e) {
    await close();
    throw e;
  }
  return { hosts, values, close };
}

/** The selected scenarios' remote ends and daemon hosts. */
export function usedHosts(config: ResolvedConfig, only: ((n: string) => boolean) | undefined): string[] {
  return referencedHosts(config.scenarios.filter((s) => !only || only(s.name) || only(s.baseName)), config.tools);
}

/** For --dry-run: each used host's placeholder values from ssh -G (nothing connects). */
export async function dryRunValues(config: ResolvedConfig, names: string[]): Promise<HostValues> {
  const values: HostValues = {};
  for (const n of names) values[n] = await endpointValues(new SshHost(config.hosts![n]!));
  return values;
}
