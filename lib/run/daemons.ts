// A tool's daemon beside its runs: started per run or per scenario on its host with a fresh state dir under the host's meter, its identity re-checked and its CPU read after each run, stopped cleanly, its tree's peak memory filled in when it ends.

import { BenchError } from "../errors";
import type { Log } from "../log";
import { makeStateDir, startDaemon, type DaemonUsage, type RemoteDaemon } from "../remote/daemon";
import type { AgentClient } from "../remote/agent-client";
import { findDaemonMeter, meterHow, meterLabel, readDaemonReport } from "../remote/daemon-meter";
import type { SshHost } from "../remote/ssh";
import { remoteSha256 } from "../remote/transfer";
import type { DaemonRunRecord, PlannedRun } from "../types";

/** Where a daemon host's state dirs go: a folder of ours on it (…/.mirrorbench-host/endpoints/daemons). */
export interface DaemonHost {
  ssh: SshHost;
  daemonsDir: string;
  /** Its agent: asked once which meter can measure a daemon's tree there (findDaemonMeter). */
  agent: AgentClient;
}

interface Live {
  daemon: RemoteDaemon;
  /** The sample CPU is counted from (taken right after it was ready, then after every run). */
  last: DaemonUsage | null;
  /** The sample right after it was ready (a per-run daemon's CPU is the meter's total since). */
  ready: DaemonUsage | null;
  /** Not yet reported by a run: that run's record carries its start-to-ready time. */
  fresh: boolean;
  per: "run" | "scenario";
  /** The records of the runs it served: their memory figure is the meter's, known when it ends. */
  served: DaemonRunRecord[];
}

const cpu = (u: DaemonUsage | null) => ({ user: (u?.cpuUserMs ?? 0) + (u?.childCpuUserMs ?? 0), system: (u?.cpuSystemMs ?? 0) + (u?.childCpuSystemMs ?? 0) });

/** A daemon's binary on its host: the file /proc/<pid>/exe names, its sha256 there, its --version line. */
export interface DaemonBinary {
  path: string;
  realPath: string | null;
  sha256: string | null;
  version: string | null;
  error?: string;
}

// $1 = pid: the running executable (Linux), then its first --version line.
const EXE_OF = `exe=$(readlink "/proc/$1/exe" 2>/dev/null) || exit 4
printf '%s\n' "$exe"
"$exe" --version 2>&1 </dev/null | head -n 1`;

export class DaemonKeeper {
  /** By arm (run.tool): a per-scenario daemon lives across that arm's runs. */
  private readonly live = new Map<string, Live>();
  private readonly described = new Set<string>();

  constructor(
    private readonly hostOf: (name: string) => DaemonHost,
    private readonly log: Log,
    /** Told once per host and tool which binary its daemon runs (provenance on that host). */
    private readonly onBinary?: (host: string, tool: string, b: DaemonBinary) => void,
  ) {}

  private async describe(h: DaemonHost, host: string, tool: string, pid: number): Promise<void> {
    const key = `${host}\0${tool}`;
    if (!this.onBinary || this.described.has(key)) return;
    this.described.add(key);
    const r = await h.ssh.sh(EXE_OF, [String(pid)]).catch(() => null);
    const [exe, version] = (r?.stdout ?? "").split("\n");
    if (!r || r.code !== 0 || !exe) return this.onBinary(host, tool, { path: "", realPath: null, sha256: null, version: null, error: "its executable could not be read (not Linux /proc)" });
    const sha256 = await remoteSha256(h.ssh, exe).catch(() => null);
    this.onBinary(host, tool, { path: exe, realPath: exe, sha256, version: version?.trim() || null });
  }

  /** Before the run (after reset and cache): a fresh daemon, or the arm's per-scenario one; throws (the run fails) with the daemon's log tail when it never gets ready. */
  async up(run: PlannedRun): Promise<void> {
    const d = run.daemon;
    if (!d) return;
    if (this.live.has(run.tool)) {
      if (d.per === "scenario") return;
      await this.down(run.tool, run.label); // a per-run daemon a failed run left behind
    }
    const h = this.hostOf(d.host);
    const stateDir = await makeStateDir(h.ssh, h.daemonsDir);
    const fill = (s: string) => s.replaceAll("{state}", stateDir);
    const env = Object.fromEntries(Object.entries(d.env).map(([k, v]) => [k, fill(v)]));
    // A run's reason is one line: the end of the daemon's log joins it with " | ".
    const meter = await findDaemonMeter(h.ssh, h.agent);
    const daemon = await startDaemon(h.ssh, { argv: d.argv, ready: d.ready, env, meter, ...(d.readyTimeoutMs ? { readyTimeoutMs: d.readyTimeoutMs } : {}) }, stateDir).catch((e: Error) => {
      const [head, ...log] = e.message.trim().split("\n");
      throw new BenchError([head, ...log.slice(-5)].join(" "), e instanceof BenchError && e.hint ? { hint: e.hint } : {});
    });
    this.log.file(`[${run.label}] daemon on ${d.host}: pid ${daemon.identity.pid} ready in ${daemon.readyMs.toFixed(0)} ms (${"tcp" in d.ready ? `tcp ${d.ready.tcp}` : `log /${d.ready.log}/`}), state ${stateDir}, memory: ${meterHow(meter)}: ${daemon.identity.cmdline.join(" ")}`);
    const ready = await daemon.sample().catch(() => null);
    this.live.set(run.tool, { daemon, last: ready, ready, fresh: true, per: d.per, served: [] });
    await this.describe(h, d.host, run.tool, daemon.identity.pid);
  }

  /** After the run, whatever its exit: still the same process? Its figures over the run; a per-run daemon is stopped. */
  async check(run: PlannedRun): Promise<{ gone: string | null; record?: DaemonRunRecord }> {
    const d = run.daemon;
    if (!d) return { gone: null };
    const l = this.live.get(run.tool);
    if (!l) return { gone: `its daemon on ${d.host} was not running` };
    const same = await l.daemon.stillSame();
    if (!same.same) {
      const tail = (await l.daemon.logTail().catch(() => "")).trimEnd();
      this.live.delete(run.tool);
      await this.settle(l, run.label); // the runs it served before it died keep their figure
      await l.daemon.removeStateDir().catch(() => undefined);
      // The next run of this arm starts a new one: the benchmark goes on.
      return { gone: `the daemon died during the run: ${same.reason}${tail ? `; its log ends: ${tail.split("\n").slice(-5).join(" | ")}` : ""}` };
    }
    const u = await l.daemon.sample();
    const [now, before] = [cpu(u), cpu(l.last)];
    const record: DaemonRunRecord = {
      host: d.host,
      pid: l.daemon.identity.pid,
      per: d.per,
      cmdline: l.daemon.identity.cmdline,
      readyMs: l.fresh ? Math.round(l.daemon.readyMs) : 0,
      peakRssBytes: null, // filled in when the daemon ends (settle)
      memory: { source: l.daemon.meter.kind, scope: d.per === "run" ? "run" : "arm", runs: 1, how: meterHow(l.daemon.meter) },
      cpuUserMs: Math.round(now.user - before.user),
      cpuSystemMs: Math.round(now.system - before.system),
      how: u.how,
    };
    l.last = u;
    l.fresh = false;
    l.served.push(record);
    if (d.per === "run") await this.down(run.tool, run.label);
    return { gone: null, record };
  }

  /** Stops the arm's daemon (SIGTERM, SIGKILL after the grace; only while its pid is still it) and removes its state dir. */
  async down(key: string, label = key): Promise<void> {
    const l = this.live.get(key);
    if (!l) return;
    this.live.delete(key);
    const how = await l.daemon.stop().catch((e) => `not stopped: ${(e as Error).message}`);
    this.log.file(`[${label}] daemon pid ${l.daemon.identity.pid} on ${l.daemon.host.spec.name}: ${how}`);
    await this.settle(l, label);
    await l.daemon.removeStateDir().catch(() => undefined);
  }

  /**
   * The daemon has ended: its meter's report gives every run it served the peak of its whole tree (per scenario, the
   * peak over those runs). A per-run daemon's CPU becomes the meter's total since it was ready (children reaped after
   * the last sample included).
   */
  private async settle(l: Live, label: string): Promise<void> {
    if (!l.served.length) return;
    const m = l.daemon.meter;
    const rep = await readDaemonReport(l.daemon.host, m, l.daemon.stateDir).catch((e: Error) => ({ why: e.message }));
    for (const r of l.served) {
      r.memory.runs = l.served.length;
      if ("why" in rep) r.memory = { ...r.memory, source: null, how: `not measured (${rep.why})` };
      else r.peakRssBytes = rep.peakRssBytes;
    }
    if ("why" in rep) return this.log.file(`[${label}] daemon pid ${l.daemon.identity.pid}: memory not measured (${rep.why})`);
    this.log.file(`[${label}] daemon pid ${l.daemon.identity.pid}: largest process of its tree ${rep.peakRssBytes} bytes over ${l.served.length} run(s) (${meterLabel(m)})`);
    if (l.per === "run" && l.served.length === 1 && l.ready) {
      const since = cpu(l.ready);
      l.served[0]!.cpuUserMs = Math.max(0, Math.round(rep.cpuUserMs - since.user));
      l.served[0]!.cpuSystemMs = Math.max(0, Math.round(rep.cpuSystemMs - since.system));
      l.served[0]!.how = `${meterLabel(m)}'s utime+stime of the daemon and every descendant it reaped, from its end, less a /proc/<pid>/stat sample right after it was ready`;
    }
  }

  /** After the scenario (or when it is abandoned): every daemon still up is stopped. */
  async closeAll(): Promise<void> {
    for (const key of [...this.live.keys()]) await this.down(key);
  }
}
