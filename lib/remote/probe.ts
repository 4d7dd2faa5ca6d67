// Before anything runs: can each host be reached, does it take the key, does its shell keep our quoting, can it drop caches, what is it, and does it have our executable.

import type { Finding } from "./probe-classify";
import { classifySshFailure, classifySudoFailure, sshByHand } from "./probe-classify";
import type { SshHost } from "./ssh";
import { SH_SHA256 } from "./transfer";

/** Sent through the login shell as one argument: it arrives intact only if that shell parses POSIX quoting. */
export const QUOTE_CANARY = `mb'canary "$HOME" $(echo x) \`id\` ;|&<> \\ * ~ %PATH% ^!`;

export type CacheDrop = "root" | "sudo" | "unavailable";

export interface ProbeReport {
  host: string;
  /** No finding stands in the way of running there. */
  ok: boolean;
  findings: Finding[];
  /** `uname -s` / `uname -m` ("Linux" "x86_64", "Darwin" "arm64"); null when the host was not reached. */
  os: string | null;
  arch: string | null;
  uid: number | null;
  /** /etc/machine-id or the macOS platform UUID: two names for one machine share a lane in a fleet run. */
  machineId: string | null;
  cacheDrop: CacheDrop | null;
  /** The remote hash tool (sha256sum / shasum), or null. */
  sha256Tool: string | null;
  /** The mirrorbench executable at the expected path: missing, or present with its sha256 (and whether it is the expected one). */
  exe: { state: "missing" } | { state: "present"; sha256: string; current: boolean } | null;
  /** Wall time of the probe's one ssh round trip (connection set-up included). */
  elapsedMs: number;
}

export interface ProbeOptions {
  /** Where the mirrorbench executable should be on the host, and its sha256 here. */
  exe?: { path: string; sha256: string };
  timeoutMs?: number;
}

// One round trip: every answer is a key=value line. $1 = canary, $2 = executable path ("" = none).
const PROBE_SCRIPT = `${SH_SHA256}
canary=$1; exe=$2
printf 'os=%s\\n' "$(uname -s 2>/dev/null)"
printf 'arch=%s\\n' "$(uname -m 2>/dev/null)"
printf 'uid=%s\\n' "$(id -u)"
printf 'canary=%s\\n' "$canary"
mid=$(cat /etc/machine-id 2>/dev/null || ioreg -rd1 -c IOPlatformExpertDevice 2>/dev/null | awk -F'"' '/IOPlatformUUID/{print $4}')
printf 'machine=%s\\n' "$mid"
printf 'sha256tool=%s\\n' "$(command -v sha256sum || command -v shasum)"
if [ -n "$exe" ]; then
  if [ -f "$exe" ]; then printf 'exe=%s\\n' "$(mb_sha256 < "$exe" | cut -c1-64)"; else echo exe=missing; fi
fi
if [ "$(id -u)" = 0 ]; then echo sudo=root
elif ! command -v sudo >/dev/null 2>&1; then echo "sudo=fail sudo: command not found"
else
  if [ "$(uname -s)" = Darwin ]; then set -- "$(command -v purge || echo /usr/sbin/purge)"
  else set -- "$(command -v tee || echo /usr/bin/tee)" /proc/sys/vm/drop_caches; fi
  # -l lists without running: the probe must not drop anyone's cache. Default listpw=any needs no password here.
  if sudo -n -l "$@" >/dev/null 2>&1; then echo sudo=ok
  else out=$(sudo -n true 2>&1 </dev/null) && echo "sudo=fail allowed in general, but not the cache drop: $*" || printf 'sudo=fail %s\\n' "$(printf '%s' "$out" | head -n 1)"
  fi
fi`;

function parse(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of stdout.split("\n")) {
    const i = line.indexOf("=");
    if (i > 0 && !out.has(line.slice(0, i))) out.set(line.slice(0, i), line.slice(i + 1));
  }
  return out;
}

export async function probeHost(host: SshHost, o: ProbeOptions = {}): Promise<ProbeReport> {
  const h = host.spec;
  const report: ProbeReport = { host: h.name, ok: false, findings: [], os: null, arch: null, uid: null, machineId: null, cacheDrop: null, sha256Tool: null, exe: null, elapsedMs: 0 };
  const r = await host.sh(PROBE_SCRIPT, [QUOTE_CANARY, o.exe?.path ?? ""], { timeoutMs: o.timeoutMs });
  report.elapsedMs = r.elapsedMs;
  if (r.timedOut) {
    report.findings.push({ problem: "unreachable", message: `host ${h.name}: no answer within ${Math.round((o.timeoutMs ?? 0) / 1000) || "the"} s`, fix: `try by hand: ${sshByHand(h)} true` });
    return report;
  }
  if (r.sshFailed || r.remotePid === null) {
    report.findings.push(classifySshFailure(r.stderr, h));
    return report;
  }
  const v = parse(r.stdout);
  report.os = v.get("os") || null;
  report.arch = v.get("arch") || null;
  report.uid = v.has("uid") ? Number(v.get("uid")) : null;
  report.machineId = v.get("machine") || null;
  report.sha256Tool = v.get("sha256tool") || null;
  if (v.get("canary") !== QUOTE_CANARY) {
    report.findings.push({
      problem: "shell-not-posix",
      message: `host ${h.name}: its login shell does not read POSIX sh quoting (a test value arrived as ${JSON.stringify(v.get("canary") ?? null)})`,
      fix: `make the login shell sh, bash, dash, ksh or zsh (chsh -s /bin/sh ${h.ssh.split("@")[0]}); fish and csh are not supported`,
    });
  }
  if (!report.sha256Tool) report.findings.push({ problem: "no-sha256", message: `host ${h.name}: neither sha256sum nor shasum is installed`, fix: "install coreutils (sha256sum) or perl (shasum)" });
  const exe = v.get("exe");
  if (o.exe && exe !== undefined) report.exe = exe === "missing" ? { state: "missing" } : { state: "present", sha256: exe, current: exe === o.exe.sha256 };
  const sudo = v.get("sudo") ?? "fail no answer";
  if (sudo === "root") report.cacheDrop = "root";
  else if (sudo === "ok") report.cacheDrop = "sudo";
  else {
    report.cacheDrop = "unavailable";
    // Without `sudo: true` the user has said this host runs without a cache drop; the run records it as not-dropped.
    if (h.sudo) report.findings.push(classifySudoFailure(sudo.replace(/^fail ?/, ""), h, report.os ?? ""));
  }
  report.ok = report.findings.length === 0;
  return report;
}

/** The --list / --dry-run lines for one host: what it is, or each problem with its fix. */
export function formatProbe(p: ProbeReport): string[] {
  if (p.ok) {
    const exe = p.exe ? (p.exe.state === "missing" ? ", mirrorbench not there yet" : p.exe.current ? ", mirrorbench current" : ", mirrorbench outdated") : "";
    return [`host ${p.host}: ok (${p.os ?? "?"} ${p.arch ?? "?"}, cache drop: ${p.cacheDrop}${exe}; ${p.elapsedMs.toFixed(0)} ms round trip)`];
  }
  return p.findings.flatMap((f) => [`error: ${f.message}`, `  fix: ${f.fix}`]);
}
