import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { loadResults } from "../lib/results/load";
import { fleetExe, fleetExeSkipReason, type FleetExe } from "./fixtures/fleet-exe";
import { type SshdFixture, sshdSkipReason, startSshd } from "./fixtures/sshd";
import { BENCH, runCli, tmpDir, writeConfig } from "./helpers";

// A fleet through the real CLI and a real sshd on 127.0.0.1: two "hosts" (mb-a, mb-b: one machine, two ports, two
// workspaces), the compiled executable copied there, the benchmark run there, the results pulled back.

const SKIP = sshdSkipReason() ?? fleetExeSkipReason();
if (SKIP) test.skip(`fleet tests skipped: ${SKIP}`, () => {});

describe.skipIf(!!SKIP)("a fleet over a loopback sshd", () => {
  let f: SshdFixture;
  let exe: FleetExe;
  const dir = tmpDir("mb-fleet-");
  const results = path.join(dir, "results");
  const env = () => ({ MIRRORBENCH_DIST_DIR: exe.distDir });

  beforeAll(async () => {
    f = await startSshd();
    exe = fleetExe();
    console.log(exe.builtS === null ? `fleet executable reused: ${exe.file}` : `fleet executable built in ${exe.builtS.toFixed(1)} s: ${exe.file}`);
  });
  afterAll(async () => {
    await f?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const host = (name: string, which: "a" | "b", extra = "") =>
    `  ${name}: { ssh: ${which === "a" ? f.a.alias : f.b.alias}, identity: ${f.clientKey}, ssh_config: ${f.configFile}, workspace: ${which === "a" ? f.a.workspace : f.b.workspace}${extra} }\n`;
  function config(hosts: string, runOn: string | null, name = "bench.config.yaml"): string {
    const file = writeConfig(dir, `version: 1
workspace: ${dir}/ws
results_dir: results
defaults: { runs: 3, warmup: 1, cache: keep }
hosts:
${hosts}${runOn ? `run_on: ${runOn}\n` : ""}tools:
  cp: { argv: [cp, -a, "{src}/.", "{dst}/"] }
  rsync: { argv: [rsync, -a, "{src}/", "{dst}/"] }
scenarios:
  - name: tiny
    workload: { files: { count: 20, size: 1KiB..8KiB, per_dir: 10 } }
    tools: [cp, rsync]
    baseline: rsync
    candidate: cp
`);
    if (name === "bench.config.yaml") return file;
    fs.renameSync(file, path.join(dir, name));
    return path.join(dir, name);
  }
  const dead = () => `  dead: { ssh: 127.0.0.1, port: 1, ssh_config: ${f.configFile} }\n`;
  const pulled = () => (fs.existsSync(results) ? fs.readdirSync(results).filter((n) => n.endsWith(".json")) : []);

  test("--list names a host that cannot be reached with the fix, and exits 2 before anything runs", async () => {
    const cfg = config(host("mb-a", "a") + dead(), "[mb-a, dead]");
    const r = await runCli(["--config", cfg, "--list"], { env: env() });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("Hosts (this run uses mb-a, dead):");
    expect(r.stdout).toMatch(/ {2}host mb-a: ok \(Linux \S+, cache drop: \w+; \d+ ms round trip\)/);
    expect(r.stderr).toContain("  error: host dead: connection refused at 127.0.0.1 port 1 (no sshd listening there)");
    expect(r.stderr).toContain(`    fix: start sshd on the host, or correct hosts.dead.port; try: ssh -F ${f.configFile} -p 1 127.0.0.1`);
    expect(r.stderr).toContain("error: a host this run uses cannot be used as it is; fix it first (nothing was run)");
    expect(fs.existsSync(path.join(dir, "ws"))).toBe(false);
  });

  test("a declared host this run does not use is only a warning", async () => {
    const cfg = config(host("mb-a", "a") + dead(), null);
    const r = await runCli(["--config", cfg, "--list"], { env: env() });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("  warning: host dead: connection refused at 127.0.0.1 port 1 (no sshd listening there) (not used by this run)");
  });

  test("--dry-run of a fleet shows each host's ssh command, what would be copied where and the command it would run, and copies nothing", async () => {
    const cfg = config(host("mb-a", "a") + host("mb-b", "b"), "[mb-a, mb-b]");
    const r = await runCli(["--config", cfg, "--dry-run", "-r", "2"], { env: env() });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Fleet run on mb-a, mb-b (dry run: nothing is built, copied or run)");
    expect(r.stdout).toContain(`  ssh: ssh -F ${f.configFile} -o 'BatchMode=yes'`);
    const ws = `${f.a.workspace}/.mirrorbench-host`;
    expect(r.stdout).toContain(`  executable: ${exe.file} (linux-x64) → ${ws}/bin/mirrorbench: would be copied (absent or different there)`);
    expect(r.stdout).toContain(`  run: ${ws}/bin/mirrorbench --config ${ws}/config/bench.config.yaml --workspace ${ws}/bench --results-dir ${ws}/results --runs 2`);
    expect(r.stdout).toContain("  lane: the same machine as mb-b: they would run one after the other");
    expect(fs.existsSync(ws)).toBe(false);
  });

  test("a fleet run of two hosts copies the executable, runs there, and pulls both results into results/", async () => {
    const cfg = config(host("mb-a", "a") + host("mb-b", "b"), "[mb-a, mb-b]");
    const t0 = performance.now();
    const r = await runCli(["--config", cfg], { env: env() });
    const wallS = (performance.now() - t0) / 1000;
    console.log(`first fleet run: ${wallS.toFixed(1)} s; ${r.stdout.split("\n").filter((l) => / (executable|config) .*copied/.test(l)).join("\n")}`);
    expect(r.code).toBe(0);
    for (const h of ["mb-a", "mb-b"]) {
      expect(r.stdout).toMatch(new RegExp(`\\[${h}\\] executable ${exe.file} \\(linux-x64, [\\d.]+ MiB, sha256 [0-9a-f]{12}…\\) → \\S+/bin/mirrorbench: copied [\\d.]+ MiB in [\\d.]+ s \\(sha256 checked on both ends\\)`));
      expect(r.stdout).toContain(`[${h}] ---- mirrorbench 0.1.0 `);
      expect(r.stdout).toMatch(new RegExp(`\\[${h}\\] Average \\[cp\\] over 3 measured run\\(s\\): \\d+\\.\\d{3}s`));
      expect(r.stdout).toMatch(new RegExp(`\\nhost ${h}: completed in [\\d.]+ s: exit 0 \\(GO\\), ${results}/\\S+\\.json\\n`));
    }
    expect(r.stdout).toContain("Fleet: 2 hosts: 2 completed, 0 failed");
    expect(r.stdout).toContain("Exit 0: GO on every host.");
    const files = pulled();
    expect(files).toHaveLength(2);
    const local = (await runCli(["agent", "probe", "--json"])).stdout;
    for (const name of files) {
      const res = loadResults(path.join(results, name));
      expect(name).toEndWith(`_${res.host.id}.json`);
      expect(res.fleet!.initiator).toBe(res.host.id); // the initiating host is this same machine here
      expect(res.timedBy).toBe(res.host.id);
      expect(res.invocation.configFile).toContain("/.mirrorbench-host/config/bench.config.yaml");
      for (const t of ["cp", "rsync"]) expect(res.provenance!.tools[t]!.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(fs.existsSync(path.join(results, name.replace(".json", ".decision.md")))).toBe(true);
      expect(JSON.parse(local).hostname).toBe(res.host.hostname);
    }
    expect(files.map((n) => loadResults(path.join(results, n)).fleet!.host).sort()).toEqual(["mb-a", "mb-b"]);
    // each host's log stays on the host
    expect(fs.existsSync(`${f.a.workspace}/.mirrorbench-host/bench/bench.log`)).toBe(true);

    const cmp = await runCli(["compare", "--across-hosts", "--results-dir", results]);
    expect(cmp.code).toBe(0);
    expect(cmp.stdout).toMatch(/│ scenario │ tool +│ mb-a +│ mb-b +│/);
    expect(cmp.stdout).toMatch(/│ tiny +│ cp +│ [\d.]+ (µs|ms) · [\d.]+ MiB · PASS +│ [\d.]+ (µs|ms) \([\d.]+×\) · [\d.]+ MiB · PASS +│/);
  });

  test("a second fleet run copies nothing that is already there (sha256 on both ends)", async () => {
    const cfg = config(host("mb-a", "a") + host("mb-b", "b"), "[mb-a, mb-b]");
    const before = pulled().length;
    const t0 = performance.now();
    const r = await runCli(["--config", cfg, "-r", "2", "-w", "0"], { env: env() });
    console.log(`second fleet run (nothing copied): ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\[mb-a\] executable .* already there \(same sha256\), not copied/);
    expect(r.stdout).toMatch(/\[mb-b\] config bench\.config\.yaml → .* already there \(same sha256\), not copied|\[mb-b\] config .* already there/);
    expect(r.stdout).not.toMatch(/copied [\d.]+ MiB/);
    expect(pulled()).toHaveLength(before + 2);
  });

  test("a host that fails (its workspace refused) is one line, and the other host's results still arrive; the fleet is undecided", async () => {
    const cfg = config(host("mb-a", "a") + host("mb-b", "b", ", workspace: /proc/mb-refused").replace(`, workspace: ${f.b.workspace}`, ""), "[mb-a, mb-b]", "refused.yaml");
    const before = pulled().length;
    const r = await runCli(["--config", cfg, "-r", "2", "-w", "0"], { env: env() });
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/\nhost mb-a: completed in [\d.]+ s: exit 0 \(GO\), /);
    expect(r.stdout).toMatch(/\nhost mb-b: failed at copy: mb-b: upload of .* to \/proc\/mb-refused\/\.mirrorbench-host\/bin\/mirrorbench failed: /);
    expect(r.stdout).toContain("Fleet: 2 hosts: 1 completed, 1 failed");
    expect(r.stdout).toContain("Exit 3: UNDECIDED. 1 host did not complete");
    const fresh = pulled().length - before;
    expect(fresh).toBe(1);
  });

  test("--hosts chooses the fleet from hosts: (over run_on:), and an undeclared name is a usage error", async () => {
    const cfg = config(host("mb-a", "a") + host("mb-b", "b"), "[mb-a, mb-b]");
    const bad = await runCli(["--config", cfg, "--hosts", "mb-c"], { env: env() });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('error: --hosts: host "mb-c" is not declared in the config\'s hosts:');
    const before = pulled().length;
    const r = await runCli(["--config", cfg, "--hosts", "mb-b", "-r", "1", "-w", "0"], { env: env() });
    expect(r.stdout).toContain("Fleet: 1 host: 1 completed, 0 failed");
    expect(r.stdout).not.toContain("[mb-a]");
    expect(pulled().length).toBe(before + 1);
  });

  test("Ctrl-C stops the run on the host, which writes what it measured; that is pulled, nothing is left running there, exit 130", async () => {
    const slow = path.join(dir, "slow.sh");
    fs.writeFileSync(slow, `#!/bin/sh\nsleep 30\ncp -a "$1/." "$2/"\n`, { mode: 0o755 });
    const cfg = path.join(dir, "slow.yaml");
    fs.writeFileSync(cfg, `version: 1
results_dir: results
defaults: { runs: 2, warmup: 0, cache: keep }
hosts:
${host("mb-a", "a")}tools:
  cp: { argv: [cp, -a, "{src}/.", "{dst}/"] }
  slow: { argv: [${slow}, "{src}", "{dst}"], version: false }
scenarios:
  - name: tiny
    workload: { files: { count: 5, size: 1KiB } }
    tools: [cp, slow]
`);
    const before = pulled().length;
    const proc = Bun.spawn(["bun", BENCH, "--config", cfg, "--hosts", "mb-a", "--no-preflight"], { env: { ...process.env, ...env(), NO_COLOR: "1" }, stdout: "pipe", stderr: "pipe" });
    let out = "";
    const dec = new TextDecoder();
    const reader = proc.stdout.getReader();
    const deadline = Date.now() + 60_000;
    while (!out.includes("[mb-a] [slow] Measured run 1/2") && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      out += dec.decode(value, { stream: true });
    }
    expect(out).toContain("[mb-a] [slow] Measured run 1/2");
    const t0 = performance.now();
    proc.kill("SIGINT");
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      out += dec.decode(value, { stream: true });
    }
    const code = await proc.exited;
    const stopS = (performance.now() - t0) / 1000;
    console.log(`Ctrl-C to exit: ${stopS.toFixed(1)} s`);
    expect(code).toBe(130);
    expect(stopS).toBeLessThan(25); // the tool sleeps 30 s: it was stopped, not waited for
    expect(await new Response(proc.stderr).text()).toContain("interrupted: stopping the run on every host");
    expect(out).toMatch(/\nhost mb-a: failed at run: the run ended with exit 130 \(interrupted\) \(what it wrote was pulled: \S+\.json/);
    expect(out).toContain("Exit 130: interrupted");
    const mine = pulled().filter((n) => loadResults(path.join(results, n)).invocation.configFile.endsWith("slow.yaml"));
    expect(pulled().length).toBe(before + 1);
    expect(mine).toHaveLength(1);
    const res = loadResults(path.join(results, mine[0]!));
    expect(res.interrupted).toBe(true);
    expect(res.scenarios[0]!.runs.some((r) => r.tool === "cp" && r.state === "completed")).toBe(true);
    // nothing the remote run started is still there: no mirrorbench of that workspace, no sleep of the slow tool
    const alive = fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p)).filter((p) => {
      try {
        const cmd = fs.readFileSync(`/proc/${p}/cmdline`, "utf8");
        return cmd.includes(`${f.a.workspace}/.mirrorbench-host/bin/mirrorbench`) || cmd.includes(slow);
      } catch {
        return false;
      }
    });
    expect(alive).toEqual([]);
  });
});
