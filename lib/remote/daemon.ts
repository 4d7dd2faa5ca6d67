// A tool's daemon on a host, over its ssh connection: fresh state dir, start in its own session (under the host's meter when it has one), wait until ready, identity (pid + start time + command line), CPU samples, clean stop.

import net from "node:net";
import { BenchError } from "../errors";
import { REMOTE_DEFAULTS } from "../defaults";
import { EXIT_FILE, wrapperArgv, type DaemonMeter } from "./daemon-meter";
import type { SshHost } from "./ssh";

export type Readiness = { tcp: number; host?: string } | { log: string };

export interface DaemonSpec {
  /** argv; every `{state}` inside an element becomes the state dir (the element stays one word). */
  argv: string[];
  ready: Readiness;
  env?: Record<string, string>;
  readyTimeoutMs?: number;
  /** The waiting parent that measures it (daemon-meter.ts); without one (kind null) the daemon is started bare. */
  meter?: DaemonMeter;
}

export interface DaemonIdentity {
  pid: number;
  /** Linux: process group from /proc/<pid>/stat; Darwin: the pid (setsid made it a group leader), -1 under a meter. */
  pgid: number;
  /** Linux: starttime in clock ticks since boot (field 22); Darwin: `ps -o lstart=`. Tells a restarted daemon from the first. */
  started: string;
  /** Linux: /proc/<pid>/cmdline split on NUL (exact); Darwin: `ps -o command=` as one string (spaces ambiguous). */
  cmdline: string[];
  os: "Linux" | "Darwin";
}

/** Cumulative figures of the running daemon (diff two samples for CPU over a span); its tree's memory comes from the meter's report (daemon-meter.ts). */
export interface DaemonUsage {
  /** How the figures were read, for the report. */
  how: string;
  /** Linux VmHWM of the daemon's main process alone (the listener, not its per-connection children). Darwin: null. */
  peakRssBytes: number | null;
  /** Resident set now (Linux VmRSS, Darwin ps rss). */
  rssBytes: number | null;
  /** utime / stime of the main process. */
  cpuUserMs: number;
  cpuSystemMs: number;
  /** cutime / cstime: children the daemon has already waited for (rsync --daemon's per-client processes after they exit). Darwin: null. */
  childCpuUserMs: number | null;
  childCpuSystemMs: number | null;
}

export type StopOutcome = "terminated" | "killed" | "already-gone";

const SEP = "\0MBSEP\0";

// $1 = state dir, $2 = 1 when the words after it begin with a meter's (daemon-meter.ts), then those and argv.
// Bare: util-linux setsid execs in place (the background child is not a group leader), perl's POSIX::setsid stands in
// on macOS; $! is the daemon's own pid. Metered: a shell in the new session waits for the meter, so the meter's parent
// stays alive (mb-run's parent-death signal must not fire) and the marker says when the meter has exited and reported;
// the daemon is that shell's grandchild, found by its parent pid.
const START = `state=$1; metered=$2; shift 2
cd "$state" || exit 3
[ "$metered" = 1 ] && set -- sh -c '"$@"; echo "$?" >${EXIT_FILE}' mb-meter "$@"
if command -v setsid >/dev/null 2>&1; then setsid "$@" >"$state/daemon.log" 2>&1 </dev/null &
else perl -MPOSIX -e 'POSIX::setsid() >= 0 or die "setsid: $!\\n"; exec { $ARGV[0] } @ARGV or die "exec $ARGV[0]: $!\\n"' "$@" >"$state/daemon.log" 2>&1 </dev/null &
fi
w=$!
[ "$metered" = 1 ] || { echo "$w" >"$state/daemon.pid"; echo "$w"; exit 0; }
kid() {
  if [ -r /proc/1/stat ]; then
    for f in /proc/[0-9]*/stat; do
      read -r line <"$f" 2>/dev/null || continue
      set -- "$1" \${line##*") "}
      [ "$3" = "$1" ] && { p=\${f#/proc/}; echo "\${p%/stat}"; return 0; }
    done
    return 1
  fi
  ps -A -o pid= -o ppid= | awk -v p="$1" '$2 == p { print $1; f = 1; exit } END { exit !f }'
}
i=0
until m=$(kid "$w") && d=$(kid "$m"); do
  [ -s "$state/${EXIT_FILE}" ] || [ "$i" -ge 100 ] && { echo gone; exit 0; }
  sleep 0.05; i=$((i+1))
done
echo "$d" >"$state/daemon.pid"; echo "$d"`;

const IDENTITY = `pid=$1
if [ -r "/proc/$pid/stat" ]; then
  echo Linux; cat "/proc/$pid/stat" || exit 4; printf '\\0MBSEP\\0'; cat "/proc/$pid/cmdline" 2>/dev/null; exit 0
fi
[ -d /proc/1 ] && exit 4
ps -p "$pid" >/dev/null 2>&1 || exit 4
echo Darwin; ps -o lstart= -p "$pid"; printf '\\0MBSEP\\0'; ps -ww -o command= -p "$pid"`;

const SAMPLE_LINUX = `pid=$1
getconf CLK_TCK; cat "/proc/$pid/stat" || exit 4
grep -E '^(VmHWM|VmRSS):' "/proc/$pid/status"`;

/** Fields after the ")" that ends comm in /proc/<pid>/stat; [0] is field 3 (state). */
const statFields = (stat: string) => stat.slice(stat.lastIndexOf(")") + 2).trim().split(/\s+/);

export function parseIdentity(raw: Uint8Array): DaemonIdentity | null {
  const text = Buffer.from(raw).toString("utf8");
  const [head, cmd = ""] = text.split(SEP);
  const nl = head!.indexOf("\n");
  const os = head!.slice(0, nl);
  const rest = head!.slice(nl + 1).trim();
  if (os === "Linux") {
    const f = statFields(rest);
    if (f[0] === "Z" || f[0] === "X") return null;
    return { pid: Number(rest.split(" ")[0]), pgid: Number(f[2]), started: f[19]!, cmdline: cmd.split("\0").filter((_, i, a) => i < a.length - 1 || a[i] !== ""), os };
  }
  if (os === "Darwin") return { pid: NaN, pgid: NaN, started: rest, cmdline: [cmd.trim()], os };
  return null;
}

async function tcpAccepts(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once("connect", () => done(true));
    s.once("error", () => done(false));
  });
}

/** A new, empty state dir under `parent` on the host (mktemp -d): the daemon gets nothing left from an earlier one. */
export async function makeStateDir(host: SshHost, parent: string): Promise<string> {
  const r = await host.sh(`mkdir -p -- "$1" && mktemp -d "$1/daemon.XXXXXX"`, [parent]);
  const dir = r.stdout.trim();
  if (r.code !== 0 || !dir) throw new BenchError(`${host.spec.name}: cannot make a daemon state dir under ${parent}: ${r.stderr.trim() || `exit ${r.code}`}`);
  return dir;
}

export class RemoteDaemon {
  constructor(
    readonly host: SshHost,
    readonly stateDir: string,
    readonly identity: DaemonIdentity,
    /** From the start command to readiness, on the initiating host's clock. */
    readonly readyMs: number,
    /** What measures its tree's memory (its waiting parent); kind null: started bare, not measured. */
    readonly meter: DaemonMeter = { kind: null, why: "started without a meter" },
  ) {}

  get logPath(): string {
    return `${this.stateDir}/daemon.log`;
  }

  async readIdentity(): Promise<DaemonIdentity | null> {
    const r = await this.host.sh(IDENTITY, [String(this.identity.pid)]);
    if (r.code !== 0) return null;
    const id = parseIdentity(r.stdoutBytes);
    // Darwin: bare, setsid made it a group leader; under a meter it is in the meter's group (not read: pid only).
    if (id && id.os === "Darwin") [id.pid, id.pgid] = [this.identity.pid, this.meter.kind ? -1 : this.identity.pid];
    return id;
  }

  /** After each run: is the process with the recorded pid still the one started (same start time, same command line)? */
  async stillSame(): Promise<{ same: true } | { same: false; reason: string }> {
    const now = await this.readIdentity();
    if (!now) return { same: false, reason: `daemon pid ${this.identity.pid} on ${this.host.spec.name} is gone` };
    if (now.started !== this.identity.started || now.cmdline.join("\0") !== this.identity.cmdline.join("\0")) {
      return { same: false, reason: `pid ${this.identity.pid} on ${this.host.spec.name} is now another process (${now.cmdline.join(" ")})` };
    }
    return { same: true };
  }

  async sample(): Promise<DaemonUsage> {
    if (this.identity.os === "Darwin") {
      const r = await this.host.sh(`ps -o rss=,utime=,stime= -p "$1"`, [String(this.identity.pid)]);
      const [rss, ut, st] = r.stdout.trim().split(/\s+/);
      const ms = (t = "") => t.split(":").reduce((acc, x) => acc * 60 + Number(x), 0) * 1000;
      return { how: "ps -o rss,utime,stime at the end of the arm (current RSS; no peak without a meter)", peakRssBytes: null, rssBytes: Number(rss) * 1024, cpuUserMs: ms(ut), cpuSystemMs: ms(st), childCpuUserMs: null, childCpuSystemMs: null };
    }
    const r = await this.host.sh(SAMPLE_LINUX, [String(this.identity.pid)]);
    if (r.code !== 0) throw new BenchError(`${this.host.spec.name}: cannot sample daemon pid ${this.identity.pid}: it is gone`);
    const lines = r.stdout.split("\n");
    const tick = 1000 / Number(lines[0]);
    const f = statFields(lines[1]!);
    const kb = (k: string) => {
      const m = new RegExp(`^${k}:\\s+(\\d+)`, "m").exec(r.stdout);
      return m ? Number(m[1]) * 1024 : null;
    };
    return {
      how: "/proc/<pid>/stat utime+stime+cutime+cstime (the daemon and the children it reaped), sampled after ready and after each run",
      peakRssBytes: kb("VmHWM"),
      rssBytes: kb("VmRSS"),
      cpuUserMs: Number(f[11]) * tick,
      cpuSystemMs: Number(f[12]) * tick,
      childCpuUserMs: Number(f[13]) * tick,
      childCpuSystemMs: Number(f[14]) * tick,
    };
  }

  async logTail(bytes = REMOTE_DEFAULTS.daemonLogTailBytes): Promise<string> {
    const r = await this.host.sh(`tail -c "$2" -- "$1" 2>/dev/null`, [this.logPath, String(bytes)]);
    return r.stdout;
  }

  /**
   * SIGTERM to the daemon (its group when it leads one, i.e. started bare), SIGKILL after the grace. Signals nothing
   * unless the pid is still the daemon started. Metered: then waits for the meter's marker (its report is written);
   * GNU time reaps nothing the daemon orphaned, so what is left of the shell's group is SIGKILLed after it.
   */
  async stop(graceMs = REMOTE_DEFAULTS.daemonStopGraceMs): Promise<StopOutcome> {
    if (!(await this.stillSame()).same) return "already-gone";
    const target = this.identity.pgid === this.identity.pid ? `-${this.identity.pid}` : String(this.identity.pid);
    const marker = this.meter.kind ? `${this.stateDir}/${EXIT_FILE}` : "";
    const group = this.meter.kind === "gnu-time" && this.identity.pgid > 0 && this.identity.pgid !== this.identity.pid ? String(this.identity.pgid) : "";
    const script = `kill -TERM "$1" 2>/dev/null || { echo already-gone; exit 0; }
i=0; out=terminated
while kill -0 "$1" 2>/dev/null; do
  [ "$i" -ge "$2" ] && { kill -KILL "$1" 2>/dev/null; out=killed; break; }
  sleep 0.1; i=$((i+1))
done
j=0; while [ -n "$3" ] && [ ! -s "$3" ] && [ "$j" -lt 50 ]; do sleep 0.1; j=$((j+1)); done
[ -n "$4" ] && kill -KILL "-$4" 2>/dev/null
echo "$out"`;
    const r = await this.host.sh(script, [target, String(Math.ceil(graceMs / 100)), marker, group], { timeoutMs: graceMs + 20_000 });
    const out = r.stdout.trim();
    if (out === "terminated" || out === "killed" || out === "already-gone") return out;
    throw new BenchError(`${this.host.spec.name}: could not stop daemon pid ${this.identity.pid}: ${r.stderr.trim() || `exit ${r.code}`}`);
  }

  /** Removes the state dir this daemon was given by makeStateDir (after stop; rm does not follow links inside it). */
  async removeStateDir(): Promise<void> {
    await this.host.sh(`case "$1" in */daemon.??????) rm -rf -- "$1";; *) exit 3;; esac`, [this.stateDir]);
  }
}

/** Starts the daemon, waits until it is ready (or fails with its log), and records who it is. */
export async function startDaemon(host: SshHost, spec: DaemonSpec, stateDir: string): Promise<RemoteDaemon> {
  const argv = spec.argv.map((a) => a.replaceAll("{state}", stateDir));
  const full = spec.env && Object.keys(spec.env).length ? ["env", ...Object.entries(spec.env).map(([k, v]) => `${k}=${v}`), ...argv] : argv;
  const meter = spec.meter ?? { kind: null, why: "started without a meter" };
  const wrapper = wrapperArgv(meter, stateDir);
  const started = performance.now();
  const r = await host.sh(START, [stateDir, wrapper.length ? "1" : "0", ...wrapper, ...full]);
  const gone = r.code === 0 && r.stdout.trim() === "gone";
  const pid = gone ? 0 : Number(r.stdout.trim());
  if (!gone && (r.code !== 0 || !Number.isInteger(pid) || pid <= 0)) throw new BenchError(`${host.spec.name}: cannot start daemon ${argv[0]}: ${r.stderr.trim() || `exit ${r.code}`}`);
  const pending = new RemoteDaemon(host, stateDir, { pid, pgid: pid, started: "", cmdline: [], os: "Linux" }, 0, meter);
  let daemon: RemoteDaemon | null = null;
  const fail = async (why: string): Promise<never> => {
    const log = await pending.logTail().catch(() => "");
    // Nothing it started outlives a failed start; stop() signals only while the pid is still this daemon.
    if (daemon) await daemon.stop(0).catch(() => undefined);
    throw new BenchError(`${host.spec.name}: daemon ${argv[0]} ${why}${log.trim() ? `; its log ends:\n${log.trimEnd()}` : ""}`, { hint: `its state dir is ${stateDir}` });
  };
  const identity = gone ? null : await pending.readIdentity();
  if (!identity) return fail("exited right after it started");
  daemon = new RemoteDaemon(host, stateDir, identity, 0, meter);
  const timeoutMs = spec.readyTimeoutMs ?? REMOTE_DEFAULTS.daemonReadyTimeoutMs;
  const address = "tcp" in spec.ready ? spec.ready.host ?? (await host.resolved()).hostname : "";
  const pattern = "log" in spec.ready ? new RegExp(spec.ready.log, "m") : null;
  for (let poll = 0; ; poll++) {
    if (pattern ? pattern.test(await daemon.logTail(65_536)) : await tcpAccepts(address, (spec.ready as { tcp: number }).tcp)) break;
    if (performance.now() - started > timeoutMs) return fail(`was not ready within ${timeoutMs} ms (${pattern ? `no log line matching /${pattern.source}/` : `nothing accepting on ${address}:${(spec.ready as { tcp: number }).tcp}`})`);
    if (poll % 5 === 4 && !(await daemon.stillSame()).same) return fail("exited before it was ready");
    await Bun.sleep(REMOTE_DEFAULTS.daemonPollMs);
  }
  // Read again now that it is ready: a daemon started through `sh -c "… && exec rsync …"` had the shell's command
  // line a moment ago; the start time (same pid, same process) must not have changed.
  const final = await daemon.readIdentity();
  if (!final || final.started !== identity.started) return fail("exited before it was ready");
  return new RemoteDaemon(host, stateDir, final, performance.now() - started, meter);
}
