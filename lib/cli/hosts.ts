// The config's hosts before anything runs: which ones this invocation uses (--hosts, run_on:), each probed over ssh, its problems named with the fix.

import { parseHostList } from "../config/hosts";
import { EXIT } from "../errors";
import type { CliIO } from "../io";
import { FLEET_ENV } from "../remote/fleet";
import { formatProbe, probeHost, type ProbeReport } from "../remote/probe";
import { SshHost } from "../remote/ssh";
import type { ResolvedConfig } from "../types";
import type { CliOptions } from "./args";

/**
 * The hosts a fleet run uses: --hosts, else run_on:; none for a fleet member (a run another mirrorbench
 * started on this host over ssh runs here, whatever its copy of the config says).
 */
export function fleetHosts(opts: Pick<CliOptions, "hosts">, config: ResolvedConfig, env: Record<string, string | undefined>): string[] {
  if (env[FLEET_ENV.host]) return [];
  if (opts.hosts !== undefined) return parseHostList(opts.hosts, config.hosts ?? {});
  return config.runOn ?? [];
}

export interface ProbedHost {
  host: SshHost;
  report: ProbeReport;
}

/** Every named host probed at once (one ssh round trip each; the connection stays up as the ControlMaster); `opened` gets each host as it is made. */
export async function probeHosts(config: ResolvedConfig, names: string[], opened: SshHost[] = []): Promise<ProbedHost[]> {
  return Promise.all(
    names.map(async (n) => {
      const host = new SshHost(config.hosts![n]!);
      opened.push(host);
      return { host, report: await probeHost(host) };
    }),
  );
}

/** Each probe's line, or its problems with their fixes (on stderr). */
export function sayProbes(probed: ProbedHost[], io: CliIO, indent = ""): void {
  for (const { report } of probed) for (const l of formatProbe(report)) (report.ok ? io.out : io.err)(`${indent}${l}\n`);
}

/** Ends every ssh master we opened, so none outlives the invocation (ControlPersist would keep it 5 minutes). */
export async function closeHosts(hosts: { host: SshHost }[]): Promise<void> {
  await Promise.all(hosts.map((h) => h.host.closeMaster().catch(() => false)));
}

/**
 * `--list` / `--dry-run`: every declared host probed, one line each or its problems with their fixes. Exit 2 when a
 * host this invocation uses has a problem; a declared host it does not use is only warned about.
 */
export async function listHosts(config: ResolvedConfig, used: string[], io: CliIO): Promise<number> {
  const names = Object.keys(config.hosts ?? {});
  if (!names.length) return EXIT.go;
  io.out(`\nHosts${used.length ? ` (this run uses ${used.join(", ")})` : ""}:\n`);
  const probed = await probeHosts(config, names);
  try {
    let bad = 0;
    for (const { report } of probed) {
      const usedHere = used.includes(report.host);
      if (!report.ok && usedHere) bad++;
      for (const l of formatProbe(report)) {
        const line = !report.ok && !usedHere ? l.replace(/^error: (.*)$/, "warning: $1 (not used by this run)") : l;
        (report.ok ? io.out : io.err)(`  ${line}\n`);
      }
    }
    if (bad) {
      io.err(`error: ${bad === 1 ? "a host this run uses cannot be used as it is; fix it" : `${bad} hosts this run uses cannot be used as they are; fix them`} first (nothing was run)\n`);
      return EXIT.usage;
    }
    return EXIT.go;
  } finally {
    await closeHosts(probed);
  }
}
