// One host of a fleet run: its executable and config copied only when changed (sha256), the benchmark run there with its console shown here as `[host] …`, its new results pulled into results/.

import fs from "node:fs";
import path from "node:path";
import { REMOTE_DEFAULTS } from "../defaults";
import { EXIT } from "../errors";
import { FLEET_ENV, FleetStepError, planCopies, pulledResultPath, remoteLayout, type StagedFile } from "../remote/fleet";
import type { ProbeReport } from "../remote/probe";
import type { SshHost } from "../remote/ssh";
import { download, remoteSha256, upload } from "../remote/transfer";
import { formatBytes } from "../units";
import { describeExe, targetOf, type ChosenExe, type ExecutablePicker } from "./fleet-exe";

export interface FleetContext {
  configFile: string;
  configSha256: string;
  /** Flags every host's run gets (--scenario, --runs …), and the old script's knobs as its environment. */
  args: string[];
  env: Record<string, string>;
  resultsDir: string;
  /** This host's id: recorded by each member as the one that started the fleet. */
  initiator: string;
  picker: ExecutablePicker;
  /** A line for the console, already prefixed; `err` for the remote stderr and our warnings. */
  say: (line: string, stream?: "out" | "err") => void;
  cwd: string;
  /** The console's width here: the host's tables are fitted to it, less the `[host] ` prefix. */
  widthCols: number;
  signal: AbortSignal;
  runTimeoutMs: number;
}

export interface HostRun {
  /** The remote run's own exit code: 0 GO, 1 NO-GO, 3 undecided, 4 regression (others make the host fail). */
  exitCode: number;
  pulled: string[];
  exe: ChosenExe;
}

/** Exit codes of a run that ended with a verdict; anything else (2, 5, 6, 130, a signal) means the host did not finish. */
const VERDICT_CODES: readonly number[] = [EXIT.go, EXIT.noGo, EXIT.undecided, EXIT.regression];

/** Splits a stream into whole lines; `flush` gives back a last line without its newline. */
export function lineSplitter(emit: (line: string) => void): { push(text: string): void; flush(): void } {
  let rest = "";
  return {
    push(text) {
      const parts = (rest + text).split("\n");
      rest = parts.pop()!;
      for (const l of parts) emit(l.replace(/\r$/, ""));
    },
    flush() {
      if (rest) emit(rest);
      rest = "";
    },
  };
}

/** Results files (and their decision documents) in the host's results folder. */
async function remoteResults(h: SshHost, dir: string): Promise<Set<string>> {
  const r = await h.sh(`[ -d "$1" ] || exit 0\nfor f in "$1"/*.json "$1"/*.decision.md; do [ -f "$f" ] && printf '%s\\n' "\${f##*/}"; done; exit 0`, [dir]);
  if (r.code !== 0) throw new FleetStepError("run", `cannot list ${dir} on the host: ${r.stderr.trim() || `exit ${r.code}`}`);
  return new Set(r.stdout.split("\n").filter(Boolean));
}

async function stage(h: SshHost, files: StagedFile[], ctx: FleetContext, label: Map<string, string>): Promise<void> {
  const there = new Map<string, string | null>();
  for (const f of files) there.set(f.remotePath, await remoteSha256(h, f.remotePath).catch((e) => { throw new FleetStepError("copy", (e as Error).message); }));
  const plan = planCopies(files, there);
  for (const f of plan.current) ctx.say(`${label.get(f.localPath)} → ${f.remotePath}: already there (same sha256), not copied`);
  for (const f of plan.copy) {
    const t0 = performance.now();
    try {
      const sent = await upload(h, f.localPath, f.remotePath, { expectSha256: f.sha256, mode: f.mode, timeoutMs: REMOTE_DEFAULTS.transferTimeoutMs });
      const s = (performance.now() - t0) / 1000;
      ctx.say(`${label.get(f.localPath)} → ${f.remotePath}: copied ${formatBytes(sent.bytes)} in ${s.toFixed(1)} s (sha256 checked on both ends)`);
    } catch (e) {
      throw new FleetStepError("copy", (e as Error).message);
    }
  }
}

async function pull(h: SshHost, names: string[], remoteDir: string, ctx: FleetContext): Promise<string[]> {
  const pulled: string[] = [];
  // A decision document has the name of its results file, so both are checked by the same rule.
  for (const name of names.sort()) {
    let local: string;
    try {
      local = pulledResultPath(ctx.resultsDir, h.spec.name, name.replace(/\.decision\.md$/, ".json"));
    } catch (e) {
      throw new FleetStepError("pull", (e as Error).message);
    }
    const dest = name.endsWith(".decision.md") ? local.replace(/\.json$/, ".decision.md") : local;
    if (fs.existsSync(dest)) throw new FleetStepError("pull", `${dest} already exists; not overwritten`);
    try {
      await download(h, `${remoteDir}/${name}`, dest, { timeoutMs: REMOTE_DEFAULTS.transferTimeoutMs });
    } catch (e) {
      throw new FleetStepError("pull", (e as Error).message);
    }
    pulled.push(dest);
  }
  return pulled;
}

/** The whole job of one host, after its probe passed. Throws FleetStepError naming the step that failed. */
export async function runOnHost(h: SshHost, workspace: string, probe: ProbeReport, ctx: FleetContext): Promise<HostRun> {
  const target = targetOf(probe.os, probe.arch);
  if (!target) throw new FleetStepError("copy", `no mirrorbench build for ${probe.os} ${probe.arch} (builds: linux-x64, linux-arm64, darwin-x64, darwin-arm64)`);
  const exe = await ctx.picker.pick(target);
  const note = ctx.picker.noteOnce(exe);
  if (note) ctx.say(`note: ${note}`, "err");
  const layout = remoteLayout(workspace, path.basename(ctx.configFile));
  const files: StagedFile[] = [
    { localPath: exe.file, remotePath: layout.exe, sha256: exe.sha256, mode: 0o755 },
    { localPath: ctx.configFile, remotePath: layout.config, sha256: ctx.configSha256, mode: 0o644 },
  ];
  const shownConfig = path.relative(ctx.cwd, ctx.configFile).startsWith("..") ? ctx.configFile : path.relative(ctx.cwd, ctx.configFile);
  await stage(h, files, ctx, new Map([[exe.file, `executable ${describeExe(exe, ctx.cwd)}`], [ctx.configFile, `config ${shownConfig}`]]));

  const before = await remoteResults(h, layout.results);
  if (ctx.signal.aborted) throw new FleetStepError("run", "not started: interrupted");
  const out = lineSplitter((l) => ctx.say(l));
  const err = lineSplitter((l) => ctx.say(l, "err"));
  const argv = [layout.exe, "--config", layout.config, "--workspace", layout.bench, "--results-dir", layout.results, ...ctx.args];
  const r = await h.exec(argv, {
    env: { ...ctx.env, [FLEET_ENV.host]: h.spec.name, [FLEET_ENV.initiator]: ctx.initiator, NO_COLOR: "1", COLUMNS: String(Math.max(40, ctx.widthCols - h.spec.name.length - 3)) },
    timeoutMs: ctx.runTimeoutMs,
    signal: ctx.signal,
    killGraceMs: REMOTE_DEFAULTS.fleetStopGraceMs,
    onStdout: (t) => out.push(t),
    onStderr: (t) => err.push(t),
  });
  out.flush();
  err.flush();
  if (r.sshFailed) throw new FleetStepError("run", `ssh failed: ${r.stderr.trim().split("\n").at(-1) || "exit 255"}`);
  // Whatever the run wrote is pulled, also after a failure, a timeout or Ctrl-C: a measurement is never left behind silently.
  const fresh = [...(await remoteResults(h, layout.results))].filter((n) => !before.has(n));
  const pulled = await pull(h, fresh, layout.results, ctx);
  for (const p of pulled) ctx.say(`pulled ${p}`);
  const kept = pulled.length ? ` (what it wrote was pulled: ${pulled.map((p) => path.basename(p)).join(", ")})` : "";
  if (r.timedOut) throw new FleetStepError("run", `the run took longer than ${Math.round(ctx.runTimeoutMs / 60_000)} min and was stopped${kept}`);
  if (!VERDICT_CODES.includes(r.code)) throw new FleetStepError("run", `the run ended with exit ${r.code}${r.aborted ? " (interrupted)" : ""}${kept}`);
  if (!pulled.some((p) => p.endsWith(".json"))) throw new FleetStepError("pull", `the run exited ${r.code} but wrote no results file in ${layout.results}`);
  return { exitCode: r.code, pulled, exe };
}
