// One host's OpenSSH connection: the ssh/scp/rsync argv with the bench options and a shared ControlMaster, commands quoted for the remote POSIX shell, exec with a timeout that also ends the remote side.

import { BenchError } from "../errors";
import { quotePosix } from "../shellquote";
import { REMOTE_DEFAULTS } from "../defaults";
import { controlDir, ensureControlDir } from "./control-dir";

export { controlDir, controlDirFor, ensureControlDir } from "./control-dir";

export interface HostSpec {
  /** The key in the config's `hosts:` map; names the host in errors and results. */
  name: string;
  /** The destination as ssh takes it: "user@host", "host" or an ssh_config alias. */
  ssh: string;
  port?: number;
  /** Private key file (absolute; the config layer expands ~). */
  identity?: string;
  /** The host's cache drop goes through `sudo -n` (false: the login user is root or drops are not wanted). */
  sudo?: boolean;
  /** An ssh_config file passed with -F: then ssh reads neither ~/.ssh/config nor /etc/ssh/ssh_config. */
  configFile?: string;
}

export interface SshOptions {
  /** Folder of the ControlMaster sockets; default controlDir(). Must be short (see controlDirFor). */
  controlDir?: string;
  /** false: every command opens its own connection (ControlMaster=no). */
  multiplex?: boolean;
  connectTimeoutS?: number;
  serverAliveIntervalS?: number;
  controlPersistS?: number;
}

export interface ExecOptions {
  timeoutMs?: number;
  /** Local stdin for the remote command: a file descriptor or a stream, or nothing (/dev/null). */
  stdin?: number | ReadableStream<Uint8Array>;
  /** A file descriptor that receives stdout instead of the result's string (downloads). */
  stdoutFd?: number;
  /** Environment of the remote command (through `env`, every value quoted). */
  env?: Record<string, string>;
  /** The remote output as it arrives (decoded text, any chunking); stdout and stderr are still returned whole. */
  onStdout?: (text: string) => void;
  onStderr?: (text: string) => void;
  /** Aborting ends the remote command as a timeout does (SIGTERM to its group, SIGKILL after killGraceMs). */
  signal?: AbortSignal;
  /** After a timeout or an abort, how long the remote group gets between SIGTERM and SIGKILL (default REMOTE_DEFAULTS.killGraceMs). */
  killGraceMs?: number;
}

export interface ExecResult {
  /** The remote command's exit status; 255 is also what ssh itself exits with when it fails (see sshFailed). */
  code: number;
  stdout: string;
  stdoutBytes: Uint8Array;
  /** The remote stderr without mirrorbench's own pid line. */
  stderr: string;
  timedOut: boolean;
  /** Ended through `signal`. */
  aborted: boolean;
  /** pid of the remote process (group leader) as the remote shell reported it; null if it never started. */
  remotePid: number | null;
  /** Wall time of the whole ssh invocation on this host (dispatch + remote work), performance.now(). */
  elapsedMs: number;
  /** ssh exited 255 before the remote command reported its pid: the connection or authentication failed. */
  sshFailed: boolean;
}

const PID_LINE = /^mb-pid (\d+)\n/;

/** ssh expands %-tokens in ControlPath and IdentityFile; a literal % is %%. */
const sshPercent = (s: string) => s.replaceAll("%", "%%");

/** One command word for rsync's own -e splitter (it groups '…' and "…", no backslash escapes): double quotes, " written "". */
export function quoteRsyncE(value: string): string {
  return /^[A-Za-z0-9_@%+:,./=-]+$/.test(value) ? value : `"${value.replaceAll('"', '""')}"`;
}

/** Every value of a remote command is one word for POSIX sh; the command name may not look like an option or an assignment. */
export function remoteCommand(argv: string[]): string {
  if (!argv.length) throw new Error("remoteCommand: empty argv");
  for (const a of argv) if (a.includes("\0")) throw new BenchError(`a remote command argument contains a NUL byte: ${JSON.stringify(a)}`);
  if (argv[0]!.startsWith("-") || argv[0]!.includes("=")) throw new BenchError(`remote command name ${JSON.stringify(argv[0])} would be read as an option or an assignment`);
  return argv.map(quotePosix).join(" ");
}

export class SshHost {
  readonly spec: HostSpec;
  private readonly opts: Required<Omit<SshOptions, "controlDir">> & { controlDir: string | null };
  private resolvedCache: { hostname: string; user: string; port: number } | null = null;

  constructor(spec: HostSpec, opts: SshOptions = {}) {
    this.spec = spec;
    const multiplex = opts.multiplex ?? true;
    this.opts = {
      multiplex,
      controlDir: multiplex ? (opts.controlDir ? ensureControlDir(opts.controlDir) : controlDir()) : null,
      connectTimeoutS: opts.connectTimeoutS ?? REMOTE_DEFAULTS.connectTimeoutS,
      serverAliveIntervalS: opts.serverAliveIntervalS ?? REMOTE_DEFAULTS.serverAliveIntervalS,
      controlPersistS: opts.controlPersistS ?? REMOTE_DEFAULTS.controlPersistS,
    };
  }

  /** The -o options every ssh, scp and rsync -e invocation of this host carries (without port: ssh says -p, scp -P). */
  options(): string[] {
    const o = (kv: string) => ["-o", kv];
    const out: string[] = [];
    if (this.spec.configFile) out.push("-F", this.spec.configFile);
    out.push(...o("BatchMode=yes"), ...o(`ConnectTimeout=${this.opts.connectTimeoutS}`), ...o(`ServerAliveInterval=${this.opts.serverAliveIntervalS}`));
    if (this.opts.controlDir) {
      out.push(...o("ControlMaster=auto"), ...o(`ControlPath=${sshPercent(this.opts.controlDir)}/cm-%C`), ...o(`ControlPersist=${this.opts.controlPersistS}`));
    } else {
      out.push(...o("ControlMaster=no"), ...o("ControlPath=none"));
    }
    // With an explicit key, agent keys are not offered first (a full agent ends in "Too many authentication failures").
    if (this.spec.identity) out.push("-i", sshPercent(this.spec.identity), ...o("IdentitiesOnly=yes"));
    return out;
  }

  /** ssh argv for a remote command string (already quoted) or, with none, for -O/-G style uses via `extra`. */
  sshArgv(command: string | null, extra: string[] = []): string[] {
    const port = this.spec.port ? ["-p", String(this.spec.port)] : [];
    return ["ssh", ...this.options(), ...port, ...extra, "--", this.spec.ssh, ...(command === null ? [] : [command])];
  }

  /** scp argv (files are moved with upload/download, which verify; this is for users' own templates). */
  scpArgv(from: string, to: string): string[] {
    const port = this.spec.port ? ["-P", String(this.spec.port)] : [];
    return ["scp", "-q", ...this.options(), ...port, "--", from, to];
  }

  /** The value of rsync's -e for this host, every word quoted for rsync's splitter. */
  rsyncRsh(): string {
    const port = this.spec.port ? ["-p", String(this.spec.port)] : [];
    return ["ssh", ...this.options(), ...port].map(quoteRsyncE).join(" ");
  }

  /** The remote command string for argv: each value one POSIX sh word. */
  run(argv: string[]): string {
    return remoteCommand(argv);
  }

  /** Runs argv on the host. The remote shell reports its pid first (it is the group leader of the session sshd made), then execs argv. */
  async exec(argv: string[], o: ExecOptions = {}): Promise<ExecResult> {
    const env = Object.entries(o.env ?? {});
    for (const [k] of env) if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new BenchError(`remote environment name ${JSON.stringify(k)} is not a valid variable name`);
    const full = env.length ? ["env", ...env.map(([k, v]) => `${k}=${v}`), ...argv] : argv;
    const command = `printf 'mb-pid %s\\n' "$$" >&2 && exec ${remoteCommand(full)}`;
    const started = performance.now();
    const proc = Bun.spawn(this.sshArgv(command), {
      stdin: o.stdin ?? "ignore",
      stdout: o.stdoutFd ?? "pipe",
      stderr: "pipe",
      // Its own session: a Ctrl-C at the terminal reaches mirrorbench, which ends the remote side in order, not the client.
      detached: true,
    });
    let stderrText = "";
    let remotePid: number | null = null;
    let shownErr = 0;
    const errDone = (async () => {
      const dec = new TextDecoder();
      for await (const chunk of proc.stderr) {
        stderrText += dec.decode(chunk, { stream: true });
        if (remotePid === null) {
          const m = PID_LINE.exec(stderrText);
          if (m) remotePid = Number(m[1]);
        }
        // Our pid line is not the command's output: hold everything back until the first line is complete.
        if (o.onStderr && (remotePid !== null || stderrText.includes("\n"))) {
          const visible = stderrText.replace(PID_LINE, "");
          if (visible.length > shownErr) o.onStderr(visible.slice(shownErr));
          shownErr = visible.length;
        }
      }
    })();
    const outDone = o.stdoutFd !== undefined
      ? Promise.resolve(new Uint8Array())
      : o.onStdout
        ? (async () => {
            const chunks: Uint8Array[] = [];
            const dec = new TextDecoder();
            for await (const chunk of proc.stdout as ReadableStream<Uint8Array>) {
              chunks.push(chunk);
              o.onStdout!(dec.decode(chunk, { stream: true }));
            }
            return new Uint8Array(Buffer.concat(chunks));
          })()
        : new Response(proc.stdout as ReadableStream).bytes();
    let timedOut = false;
    let aborted = false;
    let cleanup: Promise<unknown> = Promise.resolve();
    let fire!: (v: null) => void;
    const fired = new Promise<null>((r) => (fire = r));
    const stop = () => {
      // Through a ControlMaster the client's stdio fds were handed to the master, so killing the client
      // alone closes nothing: end the remote group first (sshd does not signal a pty-less session), then the client.
      cleanup = (async () => {
        // Still connecting: stop the client; if the remote side started meanwhile, its pid has arrived by then.
        if (remotePid === null) {
          proc.kill("SIGTERM");
          await Promise.race([proc.exited, Bun.sleep(500)]);
        }
        if (remotePid !== null) await this.killGroup(remotePid, o.killGraceMs);
        proc.kill("SIGTERM");
      })();
      fire(null);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, o.timeoutMs ?? REMOTE_DEFAULTS.execTimeoutMs);
    const onAbort = () => {
      if (timedOut || aborted) return;
      aborted = true;
      stop();
    };
    if (o.signal?.aborted) onAbort();
    o.signal?.addEventListener("abort", onAbort, { once: true });
    const done = Promise.all([outDone, proc.exited, errDone]);
    let settled = await Promise.race([done, fired]);
    if (settled === null) {
      await cleanup;
      // Streams still held after the kill (the remote pid was never seen): stop waiting rather than hang the run.
      settled = await Promise.race([done, Bun.sleep(REMOTE_DEFAULTS.killGraceMs).then(() => null)]);
    } else if (timedOut || aborted) await cleanup; // the client ended while the remote group was being stopped
    clearTimeout(timer);
    o.signal?.removeEventListener("abort", onAbort);
    const [stdoutBytes, exit] = settled ?? [new Uint8Array(), proc.exitCode ?? -1];
    const code = exit as number;
    const elapsedMs = performance.now() - started;
    const stderr = stderrText.replace(PID_LINE, "");
    return {
      code: timedOut ? 124 : code,
      stdout: new TextDecoder().decode(stdoutBytes),
      stdoutBytes,
      stderr,
      timedOut,
      aborted,
      remotePid,
      elapsedMs,
      sshFailed: code === 255 && remotePid === null && !timedOut && !aborted,
    };
  }

  /** Runs a POSIX sh script on the host with its values as positional parameters ($1 …), never pasted into the script. */
  sh(script: string, args: string[] = [], o: ExecOptions = {}): Promise<ExecResult> {
    return this.exec(["sh", "-c", script, "mb-sh", ...args], o);
  }

  /** SIGTERM to a remote process group, SIGKILL after the grace; returns whether anything was still there. */
  async killGroup(pid: number, graceMs = REMOTE_DEFAULTS.killGraceMs): Promise<boolean> {
    // `kill -SIG -PGID`: dash's kill takes no `--`, and a signal given first makes the negative number a group.
    const script = `kill -TERM "-$1" 2>/dev/null || exit 1
i=0; while kill -0 "-$1" 2>/dev/null; do [ "$i" -ge "$2" ] && { kill -KILL "-$1" 2>/dev/null; exit 0; }; sleep 0.1; i=$((i+1)); done; exit 0`;
    const r = await this.sh(script, [String(pid), String(Math.ceil(graceMs / 100))], { timeoutMs: graceMs + 10_000 }).catch(() => null);
    return r?.code === 0;
  }

  /** `ssh -O check`: whether a ControlMaster for this host is running. */
  async masterRunning(): Promise<boolean> {
    if (!this.opts.controlDir) return false;
    const p = Bun.spawn(this.sshArgv(null, ["-O", "check"]), { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
    return (await p.exited) === 0;
  }

  /** `ssh -O exit`: ends the master (and with it the connection); true when one was running. */
  async closeMaster(): Promise<boolean> {
    if (!this.opts.controlDir) return false;
    const p = Bun.spawn(this.sshArgv(null, ["-O", "exit"]), { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
    return (await p.exited) === 0;
  }

  /** What ssh will really connect to after ssh_config (`ssh -G`): the address a readiness probe dials, {dst_host}, {dst_port}. */
  async resolved(): Promise<{ hostname: string; user: string; port: number }> {
    if (this.resolvedCache) return this.resolvedCache;
    const p = Bun.spawn(this.sshArgv(null, ["-G"]), { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
    if (code !== 0) throw new BenchError(`ssh -G ${this.spec.ssh} failed: ${err.trim().split("\n")[0]}`, { key: `hosts.${this.spec.name}` });
    const get = (k: string) => new RegExp(`^${k} (.*)$`, "m").exec(out)?.[1] ?? "";
    this.resolvedCache = { hostname: get("hostname"), user: get("user"), port: Number(get("port")) || 22 };
    return this.resolvedCache;
  }
}
