// A scenario with a remote end or a daemon: the dataset generated on the source's host (manifest hashes compared), the remote harness, the settle on both ends, the daemons kept.

import { BenchError } from "../errors";
import type { ScenarioSource } from "../datasets/sources";
import { specHash } from "../paths";
import { DaemonKeeper } from "../run/daemons";
import type { RunHarness } from "../run/harness";
import { remoteHarness, syncRemote, type RemoteEnd } from "../run/remote-harness";
import { localSteps } from "../run/steps";
import type { Inspection, RunSteps } from "../run/steps";
import type { ToolBinary } from "../results/provenance";
import type { ScenarioPlan } from "../types";
import { manifestHashOf } from "./agent-ops";
import type { EndpointHost } from "./endpoints";
import type { Session } from "./session";

const short = (h: string) => h.slice(0, 12);

/** The harness and steps of a scenario whose ends or daemons are remote; null when everything is on this machine. */
export async function endpointHarness(s: Session, sp: ScenarioPlan, source: ScenarioSource, hosts: Map<string, EndpointHost>, inspection?: Inspection): Promise<(RunHarness & RunSteps) | null> {
  const sc = sp.scenario;
  if (!sc.sourceHost && !sc.destinationHost && !sp.runs.some((r) => r.daemon)) return null;
  const { config, platform, log } = s;
  const host = (name: string) => {
    const h = hosts.get(name);
    if (!h) throw new BenchError(`host ${name} was not opened for this run`);
    return h;
  };
  // Only a remote end is compared by hash; a daemon beside two local ends needs no pass over the manifest.
  const manifestHash = sc.sourceHost || sc.destinationHost ? manifestHashOf(source.manifest) : "";
  let blocked: string | null = null;
  let src: (RemoteEnd & { tree: string }) | undefined;
  if (sc.sourceHost) {
    const h = host(sc.sourceHost);
    const tree = `${h.workspace}/datasets/${specHash(sc.workload.dataset)}/tree`;
    src = { agent: h.agent, workspace: h.workspace, tree };
    // Same seed, same bytes: generated (or reused) on the source's host, then the two manifest hashes compared.
    const a = await h.agent.call("generate", [], { root: `${h.workspace}/datasets`, spec: sc.workload.dataset, workspace: h.workspace });
    log.line(`${h.agent.name}: dataset ${a.reused ? "reused" : `generated in ${((a.generateMs as number) / 1000).toFixed(1)} s`} at ${a.dir}: ${a.files} files; manifest hash ${short(String(a.manifestHash))} there, ${short(manifestHash)} here${a.manifestHash === manifestHash ? " (same bytes)" : ""}`);
    if (a.manifestHash !== manifestHash) blocked = `the dataset generated on ${h.agent.name} is not the local one: manifest hash ${short(String(a.manifestHash))} there, ${short(manifestHash)} here (same spec, different bytes: a different mirrorbench build on the host?)`;
    else if (a.dir !== tree) blocked = `the dataset on ${h.agent.name} is at ${a.dir}, not where the plan put {src} (${tree})`;
    else {
      // A reused dataset is trusted by its manifest there; its tree is hashed once too, so bytes changed since are caught before any run.
      const t = await h.agent.call("manifest-hash", ["--path", tree]);
      if (t.manifestHash !== manifestHash) blocked = `the source on ${h.agent.name} is not the dataset: manifest hash ${short(String(t.manifestHash))} there, ${short(manifestHash)} here (changed since generated? remove ${tree.replace(/\/tree$/, "")} there)`;
    }
  }
  const dst = sc.destinationHost ? { agent: host(sc.destinationHost).agent, workspace: host(sc.destinationHost).workspace } : undefined;
  // Same-work checks need the destination here: a pull or a daemon's local ends get them, a push does not.
  const harness = remoteHarness({ workspace: config.workspace, source, platform, verify: sc.verify, log, manifestHash, ...(inspection && !sc.destinationHost ? { inspection } : {}), ...(src ? { src } : {}), ...(dst ? { dst } : {}) });
  const steps = localSteps({ workspace: config.workspace, srcDir: source.srcDir, platform, settle: sc.settle ?? { sync: true, wait: null }, log });
  const remoteEnd = src ?? dst;
  // Provenance on both ends: the binary a daemon runs, hashed on its host, beside this host's own tools.
  const onBinary = (h: string, tool: string, b: ToolBinary) => {
    const list = (s.results.remoteProvenance ??= []);
    let entry = list.find((p) => p.host === h);
    if (!entry) list.push((entry = { host: h, tools: {} }));
    entry.tools[tool] = b;
  };
  const keeper = new DaemonKeeper((name) => ({ ssh: host(name).ssh, daemonsDir: host(name).daemonsDir, agent: host(name).agent }), log, onBinary);
  return {
    ...harness,
    ...steps,
    async before(run, step) {
      if (blocked) throw new BenchError(blocked);
      return harness.before(run, step);
    },
    async settle(run) {
      const rec = await steps.settle!(run);
      if (remoteEnd && (sc.settle?.sync ?? true)) await syncRemote(remoteEnd, run, log);
      return rec;
    },
    daemonUp: (run) => keeper.up(run),
    daemonCheck: (run) => keeper.check(run),
    close: () => keeper.closeAll(),
  };
}
