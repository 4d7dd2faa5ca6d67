import { describe, expect, test } from "bun:test";
import { parseHostList } from "../lib/config/hosts";
import { parseConfig } from "../lib/config/load";
import { cleanBuildProblem } from "../lib/config/tools";
import { BenchError } from "../lib/errors";
import { benchErrorOf } from "./helpers";

// hosts:, run_on: and require_clean_build: — declared once, checked where they are written, paths made absolute.

const BODY = `tools:
  cp: { argv: [cp, -a, "{src}/.", "{dst}/"] }
scenarios:
  - name: a
    tools: [cp]
    workload: { files: { count: 1, size: 1KiB } }
`;
const FILE = "/etc/mb/bench.config.yaml";
const load = (text: string, env: Record<string, string> = { HOME: "/home/bench" }) => parseConfig(text, FILE, { env, machine: null, platform: "linux" });

function error(text: string, env?: Record<string, string>): BenchError {
  return benchErrorOf(() => load(text, env));
}

describe("hosts:", () => {
  test("a host's identity and ssh_config expand ~ and resolve against the config's folder; defaults fill the rest", () => {
    const c = load(`hosts:
  nas: { ssh: "bench@nas.local", port: 2222, identity: ~/.ssh/bench, sudo: true }
  mac: { ssh: mac, identity: keys/mac, ssh_config: ssh/config, workspace: /Users/bench/mb }
${BODY}`);
    expect(c.hosts!.nas).toEqual({ name: "nas", ssh: "bench@nas.local", port: 2222, identity: "/home/bench/.ssh/bench", sudo: true, workspace: "/tmp/mirrorbench" });
    expect(c.hosts!.mac).toEqual({ name: "mac", ssh: "mac", identity: "/etc/mb/keys/mac", configFile: "/etc/mb/ssh/config", sudo: false, workspace: "/Users/bench/mb" });
    expect(c.runOn).toEqual([]);
  });

  test("a port outside 1..65535 is refused at its line", () => {
    const e = error(`hosts:\n  nas: { ssh: nas, port: 70000 }\n${BODY}`);
    expect([e.line, e.key]).toEqual([2, "hosts.nas.port"]);
    expect(e.message).toBe("must be at most 65535, got 70000");
  });

  test("a workspace that is relative, / or climbs with .. is refused with an example", () => {
    for (const ws of ["tmp/mb", "/", "/tmp/../etc", "/tmp/with space"]) {
      const e = error(`hosts:\n  nas: { ssh: nas, workspace: "${ws}" }\n${BODY}`);
      expect(e.key).toBe("hosts.nas.workspace");
      expect(e.hint).toBe("e.g. workspace: /tmp/mirrorbench");
    }
  });

  test("a host without ssh:, or with a key ssh does not know, is a located error", () => {
    const missing = error(`hosts:\n  nas: { port: 22 }\n${BODY}`);
    expect([missing.key, missing.message, missing.hint]).toEqual(["hosts.nas.ssh", "is required: where ssh connects", 'e.g. nas: { ssh: "bench@nas.local" } (user@host, host or an ssh_config alias)']);
    const e = error(`hosts:\n  nas: { ssh: nas, user: bench }\n${BODY}`);
    expect(e.key).toBe("hosts.nas.user");
    expect(e.hint).toContain("known keys: ssh, port, identity, sudo, workspace, ssh_config");
  });

  test("an ssh destination that starts with - is refused (it would be read as an option)", () => {
    expect(error(`hosts:\n  nas: { ssh: "-oProxyCommand=x" }\n${BODY}`).key).toBe("hosts.nas.ssh");
  });
});

describe("run_on: and --hosts", () => {
  const HOSTS = `hosts:\n  nas: { ssh: nas }\n  mac: { ssh: mac }\n`;
  test("run_on names hosts of hosts:, one or a list", () => {
    expect(load(`${HOSTS}run_on: [nas, mac]\n${BODY}`).runOn).toEqual(["nas", "mac"]);
    expect(load(`${HOSTS}run_on: nas\n${BODY}`).runOn).toEqual(["nas"]);
  });

  test("a run_on host that is not declared is named at its line with 'did you mean'", () => {
    const e = error(`${HOSTS}run_on: [nas, mca]\n${BODY}`);
    expect([e.line, e.key]).toEqual([4, "run_on[1]"]);
    expect(e.message).toBe('host "mca" is not declared in hosts:');
    expect(e.hint).toStartWith('did you mean "mac"?');
  });

  test("--hosts a,b is checked against hosts:", () => {
    const hosts = load(`${HOSTS}${BODY}`).hosts!;
    expect(parseHostList("mac, nas,mac", hosts)).toEqual(["mac", "nas"]);
    expect(() => parseHostList("nsa", hosts)).toThrow('host "nsa" is not declared');
    expect(() => parseHostList(",", hosts)).toThrow("--hosts needs at least one host name");
  });

  test("a variable only the initiating host has is no error in a fleet member's copy of the config", () => {
    const text = `hosts:\n  nas: { ssh: nas, identity: "\${BENCH_KEY}" }\n${BODY}`;
    expect(error(text).message).toContain("uses $BENCH_KEY, which is not set");
    expect(load(text, { HOME: "/h", MIRRORBENCH_FLEET_HOST: "nas" }).hosts!.nas!.ssh).toBe("nas");
  });
});

describe("require_clean_build:", () => {
  test("a clean build names its commit; a dirty one, or one without +<sha>, is refused with the line quoted", () => {
    expect(cleanBuildProblem("blit 2.1.0+3f9c2ab")).toBeNull();
    expect(cleanBuildProblem("x 1.0+abc.dirty")).toBe('require_clean_build: a dirty build (uncommitted changes): "x 1.0+abc.dirty"');
    expect(cleanBuildProblem("blit 2.1.0+3f9c2ab.dirty")).toContain("dirty build");
    expect(cleanBuildProblem("blit 2.1.0")).toContain("names no git commit (+<sha>)");
    expect(cleanBuildProblem(null)).toContain("printed no version line");
  });

  test("require_clean_build with version: false cannot be checked and is a config error", () => {
    const e = error(`tools:\n  cp: { argv: [cp, -a, "{src}/.", "{dst}/"], version: false, require_clean_build: true }\nscenarios:\n  - { name: a, tools: [cp], workload: { files: { count: 1, size: 1KiB } } }\n`);
    expect(e.key).toBe("tools.cp.require_clean_build");
    expect(e.message).toContain("version: false");
  });

  test("the flag reaches the resolved tool", () => {
    const c = load(`tools:\n  cp: { argv: [cp, -a, "{src}/.", "{dst}/"], require_clean_build: true }\nscenarios:\n  - { name: a, tools: [cp], workload: { files: { count: 1, size: 1KiB } } }\n`);
    expect(c.tools.cp!.requireCleanBuild).toBe(true);
  });
});
