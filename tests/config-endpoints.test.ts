import { describe, expect, test } from "bun:test";
import { parseConfig } from "../lib/config/load";
import { BenchError } from "../lib/errors";
import { buildPlan } from "../lib/plan/plan";
import { planText } from "../lib/plan/print";
import type { ToolAvailability } from "../lib/types";
import { benchErrorOf } from "./helpers";

// Remote ends and daemons in the config: source:/destination: { host }, a tool's daemon:, the endpoint placeholders
// (located errors with "did you mean"; argv values one element each, shell values quoted; the dry run shows them).

const FILE = "/etc/mb/bench.config.yaml";
const SH = { kind: "posix" as const, argv: (c: string) => ["/bin/sh", "-c", c] };
const HOSTS = `hosts:\n  nas: { ssh: bench@nas.local, port: 2222, workspace: /srv/mb }\n  mac: { ssh: mac }\n`;
const load = (text: string) => parseConfig(text, FILE, { env: { HOME: "/home/bench" }, machine: null, platform: "linux" });

function error(text: string): BenchError {
  return benchErrorOf(() => load(text));
}

const scenario = (ends: string, tools = "[push]") => `scenarios:
  - name: s
    ${ends}
    workload: { files: { count: 2, size: 1KiB } }
    tools: ${tools}
`;
const PUSH = `tools:\n  push: { argv: [rsync, -a, -e, "{dst_rsh}", "{src}/", "{dst_ssh}:{dst}/"] }\n`;

describe("source: and destination:", () => {
  test("a destination host that is not declared is named at its line and key, with 'did you mean'", () => {
    const e = error(`${HOSTS}${PUSH}${scenario("destination: { host: nsa }")}`);
    expect([e.file, e.line, e.key]).toEqual([FILE, 8, "scenarios[0].destination.host"]);
    expect(e.message).toBe('host "nsa" is not declared in hosts:');
    expect(e.hint).toStartWith('did you mean "nas"?');
  });

  test("a source host with no hosts: section at all says how to declare one", () => {
    const e = error(`${PUSH}${scenario("source: { host: nas }")}`);
    expect(e.key).toBe("scenarios[0].source.host");
    expect(e.hint).toContain('hosts: { nas: { ssh: "bench@nas.local" } }');
  });

  test("both ends on hosts is refused (the timed tool runs here)", () => {
    const e = error(`${HOSTS}${PUSH}${scenario("source: { host: mac }\n    destination: { host: nas }")}`);
    expect(e.key).toBe("scenarios[0].destination");
    expect(e.message).toContain("not supported yet");
  });

  test("the resolved scenario carries its ends' hosts", () => {
    const c = load(`${HOSTS}${PUSH}${scenario("destination: { host: nas }")}`);
    expect([c.scenarios[0]!.sourceHost, c.scenarios[0]!.destinationHost]).toEqual([undefined, "nas"]);
  });
});

describe("daemon:", () => {
  const daemonTool = (daemon: string, argv = `[rsync, -a, "{src}/", "rsync://{dst_host}:{port}/bench/"]`) => `tools:\n  d:\n    argv: ${argv}\n    daemon: ${daemon}\n`;

  test("resolves host, argv, readiness, per (default run) and env", () => {
    const c = load(`${HOSTS}${daemonTool(`{ host: nas, argv: [rsync, --daemon, --config, "{state}/rsyncd.conf"], ready: { tcp: 8730 }, env: { A: 1 } }`)}${scenario("destination: { host: nas }", "[d]")}`);
    expect(c.tools.d!.daemon).toEqual({ host: "nas", argv: ["rsync", "--daemon", "--config", "{state}/rsyncd.conf"], ready: { tcp: 8730 }, per: "run", env: { A: "1" } });
  });

  test("ready.timeout is a duration: how long the daemon gets", () => {
    const c = load(`${HOSTS}${daemonTool(`{ host: nas, argv: [x], ready: { tcp: 9, timeout: 2s }, per: scenario }`)}${scenario("", "[d]")}`);
    expect([c.tools.d!.daemon!.readyTimeoutMs, c.tools.d!.daemon!.per]).toEqual([2000, "scenario"]);
    expect(error(`${HOSTS}${daemonTool(`{ host: nas, argv: [x], ready: { tcp: 1, timeout: soon } }`)}${scenario("", "[d]")}`).key).toBe("tools.d.daemon.ready.timeout");
  });

  test("a daemon on an undeclared host is located with 'did you mean'", () => {
    const e = error(`${HOSTS}${daemonTool(`{ host: mca, argv: [x], ready: { tcp: 1 } }`)}${scenario("", "[d]")}`);
    expect(e.key).toBe("tools.d.daemon.host");
    expect(e.hint).toStartWith('did you mean "mac"?');
  });

  test("a log regex that does not compile is located at ready.log", () => {
    const e = error(`${HOSTS}${daemonTool(`{ host: nas, argv: [x], ready: { log: "listening (" } }`)}${scenario("", "[d]")}`);
    expect(e.key).toBe("tools.d.daemon.ready.log");
    expect(e.message).toContain("is not a regular expression");
  });

  test("ready needs exactly one of tcp and log", () => {
    const e = error(`${HOSTS}${daemonTool(`{ host: nas, argv: [x], ready: { tcp: 1, log: up } }`)}${scenario("", "[d]")}`);
    expect(e.key).toBe("tools.d.daemon.ready");
  });

  test("{port} in a tool without a tcp daemon is refused at its argv", () => {
    const e = error(`${HOSTS}tools:\n  d: { argv: [rsync, "{src}/", "rsync://h:{port}/m/{dst}"] }\n${scenario("", "[d]")}`);
    expect(e.key).toBe("tools.d.argv");
    expect(e.message).toContain("{port}");
  });
});

describe("placeholders and the plan", () => {
  const avail = (ids: string[]): Record<string, ToolAvailability> => Object.fromEntries(ids.map((id) => [id, { id, available: true, path: "/usr/bin/x", version: null, reason: null } as unknown as ToolAvailability]));
  const values = { nas: { host: "10.0.0.5", port: "2222", ssh: "bench@nas.local", rsh: "ssh -p 2222 -o 'X=a b'" } };

  test("an argv tool gets each endpoint value as one element; the remote destination lives in the host's workspace", () => {
    const c = load(`${HOSTS}${PUSH}${scenario("destination: { host: nas }")}`);
    const plan = buildPlan(c, avail(["push"]), () => "/local/src", undefined, SH, "inv", values);
    const r = plan.scenarios[0]!.runs[0]!;
    expect(r.dst).toBe("/srv/mb/.mirrorbench-host/endpoints/dst/s/push");
    expect(r.argv).toEqual(["rsync", "-a", "-e", "ssh -p 2222 -o 'X=a b'", "/local/src/", "bench@nas.local:/srv/mb/.mirrorbench-host/endpoints/dst/s/push/"]);
    expect(r.endpoints).toEqual({ src: null, dst: "nas" });
  });

  test("a shell tool gets each endpoint value quoted for its shell", () => {
    const c = load(`${HOSTS}tools:\n  sh: { shell: true, argv: "rsync -a -e {dst_rsh} {src}/ {dst_ssh}:{dst}/" }\n${scenario("destination: { host: nas }", "[sh]")}`);
    const r = buildPlan(c, avail(["sh"]), () => "/local/src", undefined, SH, "inv", values).scenarios[0]!.runs[0]!;
    expect(r.argv.slice(0, 2)).toEqual(["/bin/sh", "-c"]);
    // What sh makes of it: every value one word, as written.
    const words = Bun.spawnSync(["/bin/sh", "-c", r.argv[2]!.replace(/^rsync /, "printf '%s\\n' ")], { stdout: "pipe" }).stdout.toString().split("\n").slice(0, -1);
    expect(words).toEqual(["-a", "-e", "ssh -p 2222 -o 'X=a b'", "/local/src/", "bench@nas.local:/srv/mb/.mirrorbench-host/endpoints/dst/s/sh/"]);
  });

  test("a remote source is the same dataset under its spec hash on the host; {port} and the daemon are filled", () => {
    const c = load(`${HOSTS}tools:\n  d:\n    argv: [rsync, -a, "rsync://{src_host}:{port}/bench/", "{dst}/"]\n    daemon: { host: nas, argv: [rsync, --daemon, "--port={port}"], ready: { tcp: 8730 }, per: scenario, env: { MB_TREE: "{src}" } }\n${scenario("source: { host: nas }", "[d]")}`);
    const sp = buildPlan(c, avail(["d"]), () => "/local/src", undefined, SH, "inv", values).scenarios[0]!;
    const r = sp.runs[0]!;
    expect(r.argv[2]).toBe("rsync://10.0.0.5:8730/bench/");
    expect(r.daemon!.argv).toEqual(["rsync", "--daemon", "--port=8730"]);
    expect(r.daemon!.env.MB_TREE).toMatch(/^\/srv\/mb\/\.mirrorbench-host\/endpoints\/datasets\/[0-9a-f]{16}\/tree$/);
    const text = planText([sp], c);
    expect(text).toContain("source on host nas: generated there by its agent (same seed)");
    expect(text).toContain(`daemon of d on host nas, one per scenario, ready at tcp 8730: ["rsync","--daemon","--port=8730"]`);
  });
});
