import { expect, test } from "bun:test";
import { classifySshFailure, classifySudoFailure } from "../lib/remote/probe-classify";
import type { HostSpec } from "../lib/remote/ssh";

// ssh and sudo failure texts (as OpenSSH 9 and sudo print them on Linux and macOS) become a named problem and its fix.

const nas: HostSpec = { name: "nas", ssh: "bench@nas.local", port: 2222, identity: "/home/me/.ssh/bench", sudo: true };

const SSH_TEXTS: [string, string, RegExp][] = [
  ["ssh: connect to host nas.local port 2222: Connection refused\r\n", "unreachable", /start sshd.*hosts\.nas\.port/],
  ["ssh: connect to host 192.0.2.9 port 22: Connection timed out\r\n", "unreachable", /firewall/],
  ["ssh: connect to host nas.local port 22: Operation timed out\r\n", "unreachable", /host is up/],
  ["ssh: connect to host 10.1.1.1 port 22: No route to host\r\n", "unreachable", /network/],
  ["Connection timed out during banner exchange\r\nConnection to 10.1.1.1 port 22 timed out\r\n", "unreachable", /./],
  ["kex_exchange_identification: read: Connection reset by peer\r\nConnection reset by 10.0.0.5 port 22\r\n", "unreachable", /MaxStartups/],
  ["ssh: Could not resolve hostname nas.local: Name or service not known\r\n", "dns", /hosts\.nas\.ssh.*\/etc\/hosts/],
  ["ssh: Could not resolve hostname nas.local: nodename nor servname provided, or not known\r\n", "dns", /HostName/],
  ["bench@nas.local: Permission denied (publickey).\r\n", "key-refused", /^install the public key: ssh-copy-id -p 2222 -i \/home\/me\/\.ssh\/bench\.pub bench@nas\.local$/],
  ["bench@nas.local: Permission denied (publickey,password,keyboard-interactive).\r\n", "key-refused", /ssh-copy-id/],
  ["Received disconnect from 10.0.0.5 port 22:2: Too many authentication failures\r\n", "key-refused", /ssh-copy-id/],
  ["Warning: Identity file /nonexistent/key not accessible: No such file or directory.\nbench@nas.local: Permission denied (publickey).\r\n", "identity-unusable", /no file at \/nonexistent\/key/],
  ["@@@@@@@@@@\r\n@         WARNING: UNPROTECTED PRIVATE KEY FILE!          @\r\nLoad key \"/home/me/.ssh/bench\": bad permissions\r\nbench@nas.local: Permission denied (publickey).\r\n", "identity-unusable", /chmod 600 \/home\/me\/\.ssh\/bench/],
  ["No ED25519 host key is known for [nas.local]:2222 and you have requested strict checking.\r\nHost key verification failed.\r\n", "host-key-unknown", /connect once by hand.*ssh -p 2222 -i \/home\/me\/\.ssh\/bench bench@nas\.local/],
  ["@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\r\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\r\nHost key for [nas.local]:2222 has changed and you have requested strict checking.\r\nHost key verification failed.\r\n", "host-key-changed", /ssh-keygen -R '\[nas\.local\]:2222'/],
  ["Bad owner or permissions on /home/me/.ssh/config\r\n", "ssh-config", /chmod 600 \/home\/me\/\.ssh\/config/],
  ["unix_listener: path \"/var/folders/zz/zyxvpxvq6csfxvn_n0000000000000/T/mbcm-501/cm-0123456789abcdef0123456789abcdef01234567.AbCdEfGhIjKlMnOp\" too long for Unix domain socket\r\n", "control-path", /TMPDIR/],
  ["'sh' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n", "shell-not-posix", /not yet supported/],
  ["fish: $$ is not the pid. In fish, please use $fish_pid.\n", "shell-not-posix", /chsh -s \/bin\/sh bench/],
  ["mux_client_request_session: something unexpected\r\n", "ssh-failed", /-v true$/],
];

for (const [text, problem, fix] of SSH_TEXTS) {
  test(`ssh saying "${text.replace(/[\r\n@]+/g, " ").trim().slice(0, 60)}…" is classified ${problem} with its fix`, () => {
    const f = classifySshFailure(text, nas);
    expect(f.problem).toBe(problem as any);
    expect(f.message).toStartWith("host nas: ");
    expect(f.fix).toMatch(fix);
  });
}

const SUDO_TEXTS: [string, string, string][] = [
  ["sudo: a password is required", "Linux", "sudo-needs-password"],
  ["sudo: a terminal is required to read the password; either use the -S option to read from standard input or configure an askpass helper", "Linux", "sudo-needs-password"],
  ["Sorry, user bench may not run sudo on nas.", "Linux", "sudo-not-allowed"],
  ["bench is not in the sudoers file.  This incident will be reported.", "Linux", "sudo-not-allowed"],
  ["sudo: command not found", "Linux", "sudo-missing"],
  ["sh: 1: sudo: not found", "Linux", "sudo-missing"],
  ["allowed in general, but not the cache drop: /usr/bin/tee /proc/sys/vm/drop_caches", "Linux", "sudo-no-drop-rule"],
];

for (const [text, os, problem] of SUDO_TEXTS) {
  test(`sudo saying "${text.slice(0, 50)}" on ${os} is classified ${problem}`, () => {
    expect(classifySudoFailure(text, nas, os).problem).toBe(problem as any);
  });
}

test("the sudo fix names the exact NOPASSWD rule for the host's cache drop", () => {
  expect(classifySudoFailure("sudo: a password is required", nas, "Linux").fix).toBe("add with visudo on the host: bench ALL=(root) NOPASSWD: /usr/bin/tee /proc/sys/vm/drop_caches");
  expect(classifySudoFailure("sudo: a password is required", nas, "Darwin").fix).toBe("add with visudo on the host: bench ALL=(root) NOPASSWD: /usr/sbin/purge");
});
