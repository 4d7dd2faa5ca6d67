import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { endpointConfig, freePort, rsyncDaemonArgv } from "./fixtures/endpoints-config";
import { fleetExe, fleetExeSkipReason, type FleetExe } from "./fixtures/fleet-exe";
import { type SshdFixture, sshdSkipReason, startSshd } from "./fixtures/sshd";
import { readResults, runCli, tmpDir } from "./helpers";

// Remote ends through the real CLI, a real sshd on 127.0.0.1 (the "host" nas: this machine, its own workspace) and
// real rsync: push and pull over ssh and through an rsync daemon, a daemon that dies mid-arm, a symlinked remote
// destination, and manifest hashes that do not match.

const SKIP = sshdSkipReason() ?? fleetExeSkipReason() ?? (Bun.which("rsync") ? null : "rsync is not installed");
if (SKIP) test.skip(`remote endpoint tests skipped: ${SKIP}`, () => {});

describe.skipIf(!!SKIP)("remote ends over a loopback sshd", () => {
  let f: SshdFixture;
  let exe: FleetExe;
  const root = tmpDir("mb-ends-");
  let n = 0;
  const env = () => ({ MIRRORBENCH_DIST_DIR: exe.distDir });
  /** A fresh folder per test, its config written there. */
  const setup = (yaml: (dir: string) => string) => {
    const dir = path.join(root, `t${++n}`);
    fs.mkdirSync(dir, { recursive: true });
    const cfg = path.join(dir, "bench.config.yaml");
    fs.writeFileSync(cfg, yaml(dir));
    return { dir, cfg, results: path.join(dir, "results") };
  };
  const endsRoot = () => `${f.a.workspace}/.mirrorbench-host/endpoints`;
  const files = (dir: string) => fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length;
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return !fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.startsWith("Z");
    } catch {
      return false;
    }
  };

  beforeAll(async () => {
    f = await startSshd();
    exe = fleetExe();
  });
  afterAll(async () => {
    await f?.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test("--dry-run prints the endpoint placeholders resolved and probes the host the destination names; an unreachable one exits 2", async () => {
    const port = await freePort();
    const t = setup((dir) => endpointConfig({ dir, f, direction: "push", port, runs: 1, warmup: 0 }));
    const r = await runCli(["--config", t.cfg, "--dry-run"], { env: env() });
    expect(r.code).toBe(0);
    const dst = `${endsRoot()}/dst/push/rsync-ssh`;
    expect(r.stdout).toContain("   destination on host nas: reset and verified there by its agent (manifest hash); cache dropped on both ends");
    expect(r.stdout).toContain(`argv: ["rsync","-a","-e","ssh -F ${f.configFile} -o BatchMode=yes`);
    expect(r.stdout).toContain(`","${path.join(t.dir, "ws", "datasets")}`);
    expect(r.stdout).toContain(`/tree/","mb-a:${dst}/"]`);
    expect(r.stdout).toContain(`argv: ["rsync","-a","${path.join(t.dir, "ws", "datasets")}`);
    expect(r.stdout).toContain(`/tree/","rsync://127.0.0.1:${port}/bench/"]`);
    expect(r.stdout).toContain(`   daemon of rsync-daemon on host nas, one per scenario, ready at tcp ${port}: ["sh","-c",`);
    expect(r.stdout).toMatch(/Hosts \(this run uses nas\):\n {2}host nas: ok \(Linux/);
    expect(fs.existsSync(endsRoot())).toBe(false); // nothing staged, nothing made on the host
    // The same scenario with its destination on a closed port: named before anything runs.
    fs.writeFileSync(t.cfg, fs.readFileSync(t.cfg, "utf8").replace(/ {2}nas: \{ ssh: [^\n]*/, `  nas: { ssh: 127.0.0.1, port: 1, ssh_config: ${f.configFile} }`));
    const dead = await runCli(["--config", t.cfg, "--list"], { env: env() });
    expect(dead.code).toBe(2);
    expect(dead.stderr).toContain("error: host nas: connection refused at 127.0.0.1 port 1");
    expect(dead.stderr).toContain("error: a host this run uses cannot be used as it is; fix it first (nothing was run)");
  }, 120_000);

  test("push: rsync over ssh and to an rsync daemon, both ends' cache recorded, timed here, the daemon's memory beside the client's", async () => {
    const port = await freePort();
    const t = setup((dir) => endpointConfig({ dir, f, direction: "push", port, runs: 2, warmup: 0, files: "30, size: 1KiB..16KiB, per_dir: 10" }));
    const r = await runCli(["--config", t.cfg], { env: env() });
    expect([0, 1]).toContain(r.code);
    expect(r.stdout).toContain("cache local kept 4/4; nas kept 4/4");
    expect(r.stdout.replace(/\s+/g, " ")).toMatch(/· rsync-daemon: peak RSS = client \+ daemon \(largest: client [\d.]+ \w+, daemon [\d.]+ \w+ on nas: largest process of its tree, by mb-run as its parent there; one daemon per scenario, one figure over the 2 runs it served/);
    const res = readResults(t.results);
    const runs = res.scenarios[0].runs;
    expect(runs.map((x: any) => x.state)).toEqual(["completed", "completed", "completed", "completed"]);
    for (const run of runs) {
      expect(run.timedBy).toBe(res.host.id);
      expect(Object.keys(run.cacheByHost)).toEqual(["local", "nas"]);
    }
    const d = runs.filter((x: any) => x.tool === "rsync-daemon");
    expect(d[0].daemon.cmdline.slice(0, 3)).toEqual(["rsync", "--daemon", "--no-detach"]);
    expect(d[0].daemon.pid).toBe(d[1].daemon.pid); // per scenario: one daemon for the arm
    expect(d[0].memoryParts.daemonBytes).toBeGreaterThan(0);
    expect(d[0].daemon.memory).toEqual({ source: "mb-run", scope: "arm", runs: 2, how: expect.stringContaining("wait4 ru_maxrss of the daemon, maxed over every descendant it reaped") });
    expect(d[1].memoryParts.daemonBytes).toBe(d[0].memoryParts.daemonBytes); // one figure for the arm
    expect(d[0].measure.maxRssBytes).toBe(d[0].memoryParts.clientBytes + d[0].memoryParts.daemonBytes);
    expect(alive(d[0].daemon.pid)).toBe(false); // stopped at the end of the scenario
    for (const tool of ["rsync-ssh", "rsync-daemon"]) expect(files(`${endsRoot()}/dst/push/${tool}`)).toBe(30);
    expect(fs.readdirSync(`${endsRoot()}/daemons`)).toEqual([]); // state dirs removed
    // Provenance on the daemon's host: the binary the daemon really runs, hashed there.
    const rsyncReal = fs.realpathSync(Bun.which("rsync")!);
    const sha = new Bun.CryptoHasher("sha256").update(fs.readFileSync(rsyncReal)).digest("hex");
    expect(res.remoteProvenance).toEqual([{ host: "nas", tools: { "rsync-daemon": { path: rsyncReal, realPath: rsyncReal, sha256: sha, version: expect.stringMatching(/^rsync\s+version /) } } }]);
  }, 120_000);

  test("pull: the dataset is generated on the source's host with the same manifest hash, pulled over ssh and from a per-run daemon", async () => {
    const port = await freePort();
    const t = setup((dir) => endpointConfig({ dir, f, direction: "pull", port, runs: 2, warmup: 0, per: "run", files: "30, size: 1KiB..16KiB, per_dir: 10" }));
    const r = await runCli(["--config", t.cfg], { env: env() });
    expect([0, 1]).toContain(r.code);
    expect(r.stdout).toMatch(/nas: dataset (generated in [\d.]+ s|reused) at \S+\/endpoints\/datasets\/[0-9a-f]{16}\/tree: 30 files; manifest hash ([0-9a-f]{12}) there, \2 here \(same bytes\)/);
    const runs = readResults(t.results).scenarios[0].runs;
    expect(runs.every((x: any) => x.state === "completed" && x.verified === true)).toBe(true);
    const d = runs.filter((x: any) => x.tool === "rsync-daemon");
    expect(d[0].daemon.pid).not.toBe(d[1].daemon.pid); // per run: a fresh daemon each time
    expect(d[0].daemon.per).toBe("run");
    for (const tool of ["rsync-ssh", "rsync-daemon"]) expect(files(path.join(t.dir, "ws", "dst", "pull", tool))).toBe(30);
  }, 120_000);

  test("a daemon that dies mid-arm fails that run with its reason, a new one serves the next run, and the benchmark goes on", async () => {
    const port = await freePort();
    const t = setup((dir) => {
      const pidFiles = `${endsRoot()}/daemons/daemon.*/daemon.pid`;
      // The second run kills the daemon behind the copy's back (the "host" is this machine) and waits until it is gone.
      const killer = `rsync -a {src}/ rsync://{dst_host}:{port}/bench/ && c=${dir}/count && k=$(( $(cat "$c" 2>/dev/null || echo 0) + 1 )) && echo $k > "$c" && if [ $k -eq 2 ]; then p=$(cat ${pidFiles}); kill $p; i=0; while kill -0 $p 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done; fi`;
      return endpointConfig({ dir, f, direction: "push", port, runs: 3, warmup: 0, daemonTool: false, files: "5, size: 1KiB", extraIds: ["fragile"], extraTools: `  fragile:\n    shell: true\n    argv: ${JSON.stringify(killer)}\n    daemon: { host: nas, argv: ${JSON.stringify(rsyncDaemonArgv(port))}, ready: { tcp: ${port} }, per: scenario, env: { MB_TREE: "{dst}" } }\n` });
    });
    const r = await runCli(["--config", t.cfg], { env: env() });
    expect([1, 3]).toContain(r.code); // a verdict, not a crash
    const runs = readResults(t.results).scenarios[0].runs.filter((x: any) => x.tool === "fragile");
    if (runs.map((x: any) => x.state).join() !== "completed,failed,completed") console.log(r.stderr, runs.map((x: any) => x.reason));
    expect(runs.map((x: any) => x.state)).toEqual(["completed", "failed", "completed"]);
    expect(runs[1].reason).toMatch(/^the daemon died during the run: daemon pid \d+ on nas is gone/);
    expect(r.stderr).toContain("error: fragile: the daemon died during the run");
    expect(runs[2].daemon.pid).not.toBe(runs[0].daemon.pid);
    // The daemon that died still reported its tree's peak for the run it served before; the gate's figure adds it.
    for (const i of [0, 2]) {
      expect(runs[i].daemon.peakRssBytes).toBeGreaterThan(0);
      expect(runs[i].daemon.memory.runs).toBe(1);
      expect(runs[i].measure.maxRssBytes).toBe(runs[i].memoryParts.clientBytes + runs[i].daemon.peakRssBytes);
    }
  }, 120_000);

  test("a daemon whose per-connection child touches 64 MiB and exits: the daemon's figure covers that child, per run and per scenario", async () => {
    const port1 = await freePort();
    const port2 = await freePort();
    const forking = path.join(import.meta.dir, "fixtures", "forking-daemon.py");
    const MIB64 = 64 * 1024 * 1024;
    const t = setup((dir) => {
      // The client copies over ssh, then opens one connection to the daemon (whose child allocates and exits).
      const client = (port: number) => JSON.stringify(`rsync -a -e {dst_rsh} {src}/ {dst_ssh}:{dst}/ && /usr/bin/python3 -c 'import socket; s = socket.create_connection(("127.0.0.1", ${port})); assert s.recv(8) == b"ok\\n"'`);
      const tool = (id: string, port: number, per: string) => `  ${id}:\n    shell: true\n    argv: ${client(port)}\n    daemon: { host: nas, argv: ${JSON.stringify(["/usr/bin/python3", forking, String(port), "64"])}, ready: { tcp: ${port} }, per: ${per} }\n`;
      return endpointConfig({ dir, f, direction: "push", port: port1, runs: 2, warmup: 0, daemonTool: false, files: "5, size: 1KiB", extraIds: ["per-run", "per-scenario"], extraTools: tool("per-run", port1, "run") + tool("per-scenario", port2, "scenario") });
    });
    const r = await runCli(["--config", t.cfg], { env: env() });
    expect([0, 1]).toContain(r.code);
    const runs = readResults(t.results).scenarios[0].runs;
    for (const [tool, scope, n] of [["per-run", "run", 1], ["per-scenario", "arm", 2]] as const) {
      const d = runs.filter((x: any) => x.tool === tool);
      expect(d.map((x: any) => x.state)).toEqual(["completed", "completed"]);
      for (const run of d) {
        expect(run.daemon.peakRssBytes).toBeGreaterThanOrEqual(MIB64);
        expect(run.daemon.memory).toMatchObject({ source: "mb-run", scope, runs: n });
        expect(run.measure.maxRssBytes).toBe(run.memoryParts.clientBytes + run.daemon.peakRssBytes);
      }
    }
    const text = r.stdout.replace(/\s+/g, " ");
    expect(text).toMatch(/· per-run: peak RSS = client \+ daemon \(largest: client [\d.]+ \w+, daemon (6\d|[7-9]\d|\d{3})\.\d MiB on nas: largest process of its tree, by mb-run as its parent there; one daemon per run, its peak over that run/);
    expect(text).toMatch(/· per-scenario: peak RSS = client \+ daemon \(largest: client [\d.]+ \w+, daemon (6\d|[7-9]\d|\d{3})\.\d MiB on nas: largest process of its tree, by mb-run as its parent there; one daemon per scenario, one figure over the 2 runs it served/);
    const decision = fs.readdirSync(t.results).find((x) => x.endsWith(".decision.md"))!;
    expect(fs.readFileSync(path.join(t.results, decision), "utf8")).toContain("per-run: peak RSS = client + daemon (largest: client");
  }, 180_000);

  test("a daemon that is never ready fails its runs with the end of its log, within its timeout, and leaves nothing running", async () => {
    const port = await freePort();
    const t = setup((dir) => endpointConfig({ dir, f, direction: "push", port, runs: 2, warmup: 0, daemonTool: false, files: "5, size: 1KiB", extraIds: ["mute"], extraTools: `  mute:\n    argv: [rsync, -a, "{src}/", "rsync://{dst_host}:{port}/bench/"]\n    daemon: { host: nas, argv: [sh, -c, "echo warming up; echo still warming; exec sleep 617"], ready: { tcp: ${port}, timeout: 1s } }\n` }));
    const r = await runCli(["--config", t.cfg], { env: env() });
    expect([1, 3]).toContain(r.code);
    const runs = readResults(t.results).scenarios[0].runs;
    const mute = runs.filter((x: any) => x.tool === "mute");
    expect(mute.map((x: any) => x.state)).toEqual(["failed", "failed"]);
    expect(mute[0].reason).toBe(`nas: daemon sh was not ready within 1000 ms (nothing accepting on 127.0.0.1:${port}); its log ends: warming up still warming`);
    expect(runs.filter((x: any) => x.tool === "rsync-ssh").map((x: any) => x.state)).toEqual(["completed", "completed"]);
    expect(Bun.spawnSync(["pgrep", "-f", "sleep 617"]).exitCode).toBe(1); // stopped, not left behind
  }, 120_000);

  test("a remote destination, or a folder on the way to it, that became a symlink is never followed by the reset: the link goes, its target stays", async () => {
    const port = await freePort();
    const t = setup((dir) => endpointConfig({ dir, f, direction: "push", port, runs: 1, warmup: 0, daemonTool: false, files: "5, size: 1KiB" }));
    expect((await runCli(["--config", t.cfg], { env: env() })).code).toBe(0);
    const scenarioDir = `${endsRoot()}/dst/push`;
    const dst = `${scenarioDir}/rsync-ssh`;
    const outside = path.join(t.dir, "outside");
    fs.mkdirSync(path.join(outside, "rsync-ssh"), { recursive: true });
    fs.writeFileSync(path.join(outside, "keep.txt"), "not ours");
    fs.writeFileSync(path.join(outside, "rsync-ssh", "keep.txt"), "not ours either");
    // The destination itself a link: removed as a link.
    fs.rmSync(dst, { recursive: true });
    fs.symlinkSync(path.join(outside, "rsync-ssh"), dst);
    expect((await runCli(["--config", t.cfg], { env: env() })).code).toBe(0);
    expect(fs.lstatSync(dst).isDirectory()).toBe(true);
    expect(files(dst)).toBe(5);
    // A folder on the way a link: named, removed as a link, never walked into.
    fs.rmSync(scenarioDir, { recursive: true });
    fs.symlinkSync(outside, scenarioDir);
    const r = await runCli(["--config", t.cfg], { env: env() });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`nas: warning: ${fs.realpathSync(endsRoot())}/dst/push was a symlink to ${outside}; removed the link (its target untouched)`);
    expect(fs.readdirSync(outside, { recursive: true }).sort()).toEqual(["keep.txt", "rsync-ssh", "rsync-ssh/keep.txt"]);
    expect(fs.readFileSync(path.join(outside, "rsync-ssh", "keep.txt"), "utf8")).toBe("not ours either");
    expect(fs.lstatSync(scenarioDir).isDirectory()).toBe(true);
    expect(files(dst)).toBe(5);
  }, 120_000);

  test("a copy whose manifest hash differs from the source's fails verification, naming both hashes", async () => {
    const port = await freePort();
    const t = setup((dir) => endpointConfig({ dir, f, direction: "push", port, runs: 1, warmup: 0, daemonTool: false, files: "5, size: 1KiB", extraIds: ["extra"], extraTools: `  extra: { shell: true, argv: "rsync -a -e {dst_rsh} {src}/ {dst_ssh}:{dst}/ && echo x > {dst}/stray" }\n` }));
    const r = await runCli(["--config", t.cfg], { env: env() });
    const runs = readResults(t.results).scenarios[0].runs;
    const bad = runs.find((x: any) => x.tool === "extra");
    expect(bad.state).toBe("failed");
    expect(bad.reason).toMatch(/^copy is wrong: manifest hash on nas is [0-9a-f]{12}, the source's is [0-9a-f]{12} \((\d+) entries, 6 files there; the source has (\d+) entries, 5 files\)$/);
    expect(runs.find((x: any) => x.tool === "rsync-ssh").state).toBe("completed");
    expect(r.code).not.toBe(0);
  }, 120_000);

  test("a remote source whose bytes changed since it was generated fails every run before it starts, and says how to fix it", async () => {
    const port = await freePort();
    const t = setup((dir) => endpointConfig({ dir, f, direction: "pull", port, runs: 1, warmup: 0, daemonTool: false, files: "5, size: 1KiB" }));
    expect((await runCli(["--config", t.cfg], { env: env() })).code).toBe(0); // one tool, nothing gated
    const datasets = `${endsRoot()}/datasets`;
    const tree = fs.readdirSync(datasets).map((h) => path.join(datasets, h, "tree")).find((p) => fs.existsSync(p) && files(p) === 5)!;
    const file = fs.readdirSync(tree, { recursive: true, withFileTypes: true }).find((e) => e.isFile())!;
    const abs = path.join(file.parentPath, file.name);
    const bytes = fs.readFileSync(abs);
    const st = fs.statSync(abs);
    bytes[0] = bytes[0]! ^ 0xff; // same size, same mtime, other bytes: the cache's quick check cannot see it
    fs.writeFileSync(abs, bytes);
    fs.utimesSync(abs, st.atime, st.mtime);
    const r = await runCli(["--config", t.cfg], { env: env() });
    const run = readResults(t.results).scenarios[0].runs.at(-1);
    expect(run.state).toBe("failed");
    expect(run.reason).toMatch(/^the source on nas is not the dataset: manifest hash [0-9a-f]{12} there, [0-9a-f]{12} here \(changed since generated\? remove \S+\/endpoints\/datasets\/[0-9a-f]{16} there\)$/);
    expect(r.code).not.toBe(0);
  }, 120_000);
});
