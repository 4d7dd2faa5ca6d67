// What an ssh or sudo failure means for the user, and the fix: pure functions over the texts OpenSSH and sudo print.

import type { HostSpec } from "./ssh";

export type ProbeProblem =
  | "unreachable"
  | "dns"
  | "key-refused"
  | "identity-unusable"
  | "host-key-unknown"
  | "host-key-changed"
  | "ssh-config"
  | "control-path"
  | "shell-not-posix"
  | "sudo-missing"
  | "sudo-needs-password"
  | "sudo-not-allowed"
  | "sudo-no-drop-rule"
  | "no-sha256"
  | "ssh-failed";

export interface Finding {
  problem: ProbeProblem;
  /** One line: what is wrong, naming the host. */
  message: string;
  /** One line: what to do. */
  fix: string;
}

/** How the user would reach the host by hand, for fixes: `ssh -p 2222 -i ~/.ssh/bench bench@nas`. */
export function sshByHand(h: HostSpec): string {
  return ["ssh", ...(h.configFile ? ["-F", h.configFile] : []), ...(h.port ? ["-p", String(h.port)] : []), ...(h.identity ? ["-i", h.identity] : []), h.ssh].join(" ");
}

function knownHostsName(h: HostSpec): string {
  const host = h.ssh.includes("@") ? h.ssh.slice(h.ssh.indexOf("@") + 1) : h.ssh;
  return h.port && h.port !== 22 ? `[${host}]:${h.port}` : host;
}

interface Rule {
  test: RegExp;
  problem: ProbeProblem;
  message: (h: HostSpec, m: RegExpExecArray) => string;
  fix: (h: HostSpec, m: RegExpExecArray, text: string) => string;
}

const at = (h: HostSpec) => `${h.ssh}${h.port ? ` port ${h.port}` : ""}`;

// Order matters: the host-key texts also end in generic lines, the identity warning precedes "Permission denied".
const SSH_RULES: Rule[] = [
  {
    test: /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for \S+ has changed/,
    problem: "host-key-changed",
    message: (h) => `host ${h.name}: its host key differs from the one in known_hosts (reinstalled, or someone in between)`,
    // ssh names the known_hosts entry it matched ([127.0.0.1]:2222 for an alias); our guess from hosts.X.ssh is the fallback.
    fix: (h, _m, text) => `if the host was reinstalled: ssh-keygen -R '${/Host key for (\S+) has changed/.exec(text)?.[1] ?? knownHostsName(h)}', then connect once by hand (${sshByHand(h)}) and check the fingerprint`,
  },
  {
    test: /No \S+ host key is known for|Host key verification failed/,
    problem: "host-key-unknown",
    message: (h) => `host ${h.name}: its host key is not in known_hosts (BatchMode cannot ask)`,
    fix: (h) => `connect once by hand and accept the key after checking its fingerprint: ${sshByHand(h)}`,
  },
  {
    test: /unix_listener: path "?([^"]*?)"? too long for Unix domain socket|ControlPath too long/,
    problem: "control-path",
    message: (h) => `host ${h.name}: the ssh ControlPath socket path is too long (sun_path is 104 bytes on macOS)`,
    fix: () => "set TMPDIR to a short folder such as /tmp",
  },
  {
    test: /Bad owner or permissions on (\S+)/,
    problem: "ssh-config",
    message: (h, m) => `host ${h.name}: ssh refuses ${m[1]} (bad owner or permissions)`,
    fix: (_h, m) => `chmod 600 ${m[1]} (and make it owned by you)`,
  },
  {
    test: /UNPROTECTED PRIVATE KEY FILE|Load key "?([^":]+)"?: (bad permissions|invalid format|incorrect passphrase)|Identity file (\S+) not accessible/,
    problem: "identity-unusable",
    message: (h, m) => `host ${h.name}: the key ${m[1] ?? m[3] ?? h.identity ?? "(identity)"} cannot be used (${m[2] ?? (m[3] ? "not accessible" : "bad permissions")})`,
    fix: (h, m) => m[3] ? `fix hosts.${h.name}.identity: no file at ${m[3]}` : `chmod 600 ${m[1] ?? h.identity ?? "the key"}; a key with a passphrase needs ssh-agent (BatchMode cannot ask)`,
  },
  {
    test: /Could not resolve hostname (\S+?):|Name or service not known|nodename nor servname provided|Temporary failure in name resolution/,
    problem: "dns",
    message: (h, m) => `host ${h.name}: the name ${m[1] ?? h.ssh} does not resolve`,
    fix: (h) => `check the spelling in hosts.${h.name}.ssh, or add the name to /etc/hosts or ~/.ssh/config (HostName)`,
  },
  {
    test: /Connection refused/,
    problem: "unreachable",
    message: (h) => `host ${h.name}: connection refused at ${at(h)} (no sshd listening there)`,
    fix: (h) => `start sshd on the host, or correct hosts.${h.name}.port; try: ${sshByHand(h)}`,
  },
  {
    test: /Connection timed out|Operation timed out|timed out during banner exchange|No route to host|Network is unreachable|Host is down/,
    problem: "unreachable",
    message: (h) => `host ${h.name}: no answer from ${at(h)} (timed out or no route)`,
    fix: (h) => `check that the host is up and on this network (a firewall may drop port ${h.port ?? 22}); try: ${sshByHand(h)}`,
  },
  {
    test: /Connection (reset|closed) by|kex_exchange_identification/,
    problem: "unreachable",
    message: (h) => `host ${h.name}: the server at ${at(h)} closed the connection before login`,
    fix: () => "check the server's sshd log (MaxStartups, AllowUsers, fail2ban, or not an ssh server on that port)",
  },
  {
    test: /Permission denied \(([^)]*)\)|Too many authentication failures/,
    problem: "key-refused",
    message: (h) => `host ${h.name}: ${h.ssh} refused the key${h.identity ? ` ${h.identity}` : ""}`,
    fix: (h) => `install the public key: ssh-copy-id ${h.port ? `-p ${h.port} ` : ""}-i ${h.identity ? `${h.identity}.pub` : "~/.ssh/id_ed25519.pub"} ${h.ssh}${h.identity ? "" : ` (or set hosts.${h.name}.identity)`}`,
  },
  {
    test: /is not recognized as an internal or external command/,
    problem: "shell-not-posix",
    message: (h) => `host ${h.name}: its ssh login shell is Windows cmd.exe, which mirrorbench does not drive yet`,
    fix: () => "not yet supported: Windows hosts need a POSIX login shell for now (OpenSSH DefaultShell set to Git Bash's sh.exe or WSL bash)",
  },
  {
    test: /^fish: |\$\$ is not the pid|Illegal variable name|Variable name must contain/m,
    problem: "shell-not-posix",
    message: (h) => `host ${h.name}: its login shell is not a POSIX sh (fish or csh), so quoted commands would not arrive intact`,
    fix: (h) => `make the login shell sh, bash, dash, ksh or zsh: chsh -s /bin/sh ${h.ssh.split("@")[0]}`,
  },
];

/** The finding for an ssh that exited 255 before the remote command started. */
export function classifySshFailure(stderr: string, h: HostSpec): Finding {
  const text = stderr.replaceAll("\r", "");
  for (const r of SSH_RULES) {
    const m = r.test.exec(text);
    if (m) return { problem: r.problem, message: r.message(h, m), fix: r.fix(h, m, text) };
  }
  const last = text.trim().split("\n").filter(Boolean).at(-1) ?? "ssh exited 255 with no message";
  return { problem: "ssh-failed", message: `host ${h.name}: ssh failed: ${last}`, fix: `run it by hand with -v to see why: ${sshByHand(h)} -v true` };
}

/** The finding for `sudo -n true` failing on the host (text = its stderr), when the cache drop rule was not found either. */
export function classifySudoFailure(text: string, h: HostSpec, os: string): Finding {
  const drop = os === "Darwin" ? "/usr/sbin/purge" : "/usr/bin/tee /proc/sys/vm/drop_caches";
  const rule = `${h.ssh.includes("@") ? h.ssh.slice(0, h.ssh.indexOf("@")) : "<user>"} ALL=(root) NOPASSWD: ${drop}`;
  const visudo = `add with visudo on the host: ${rule}`;
  if (/command not found|: not found|No such file/.test(text)) {
    return { problem: "sudo-missing", message: `host ${h.name}: sudo is not installed, and the login user is not root`, fix: `install sudo and ${visudo}, or set hosts.${h.name}.sudo: false to run without a cache drop there` };
  }
  if (/password is required|terminal is required|askpass/.test(text)) {
    return { problem: "sudo-needs-password", message: `host ${h.name}: sudo asks for a password, and the cache drop (${drop}) has no NOPASSWD rule`, fix: visudo };
  }
  if (/not in the sudoers file|may not run sudo|not allowed to (run|execute)/.test(text)) {
    return { problem: "sudo-not-allowed", message: `host ${h.name}: the login user may not use sudo`, fix: visudo };
  }
  return { problem: "sudo-no-drop-rule", message: `host ${h.name}: sudo -n cannot run the cache drop (${drop})${text.trim() ? `: ${text.trim().split("\n")[0]}` : ""}`, fix: visudo };
}
