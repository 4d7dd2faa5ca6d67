// The harness steps when an end is on another host: reset, verify and source checks on the tree's host through its agent, the cache dropped on both ends, each end's treatment kept.

import type { ScenarioSource } from "../datasets/sources";
import type { Log } from "../log";
import type { Platform } from "../platform/index";
import type { AgentClient } from "../remote/agent-client";
import type { PlannedRun, VerifySpec } from "../types";
import { localHarness, sourceFiles, type RunHarness } from "./harness";
import { SourceGuard } from "./source-check";
import type { Inspection } from "./steps";

/** One remote end: its agent, the workspace of ours on its host, and the tree there (a destination's parent workspace, or the source). */
export interface RemoteEnd {
  agent: AgentClient;
  /** <host ws>/.mirrorbench-host/endpoints: claimed as ours by the agent before anything is removed. */
  workspace: string;
}

export interface RemoteHarnessOptions {
  workspace: string;
  source: ScenarioSource;
  platform: Platform;
  verify: VerifySpec;
  log: Log;
  /** The manifest hash of the local dataset: what a remote source must keep and a remote destination must match. */
  manifestHash: string;
  src?: RemoteEnd & { tree: string };
  dst?: RemoteEnd;
  /** The same-work checks after a verified copy, for a destination on this machine (fed by its verification's walk). */
  inspection?: Inspection;
}

const short = (h: string) => h.slice(0, 12);

/** The remote end's cache drop: the agent on its host (the whole cache, or the tree per file), its treatment as a word. */
async function dropRemote(end: RemoteEnd, at: string, log: Log, label: string): Promise<string> {
  try {
    const a = await end.agent.call("drop-cache", ["--path", at]);
    if (a.detail) log.file(`[${label}] cache on ${end.agent.name}: ${a.treatment} (${a.detail})`);
    return String(a.treatment);
  } catch (e) {
    return `not-dropped: ${(e as Error).message}`;
  }
}

/** A remote destination (push): the local source guarded here, the destination reset and checked on its host. */
function pushHarness(o: RemoteHarnessOptions, dst: RemoteEnd): RunHarness {
  const guard = new SourceGuard(o.source, o.log);
  const checked = new Map<string, { notReal: string | null; match: boolean; summary: string }>();
  return {
    async before(run, step) {
      step?.("reset");
      await guard.beforeReset();
      const r = await dst.agent.call("reset", ["--workspace", dst.workspace, "--path", run.dst]);
      for (const line of (r.replaced as string[]) ?? []) o.log.error(`${dst.agent.name}: ${line}`);
      guard.afterReset();
      if (run.cache !== "drop") return { cache: "kept", residentFraction: null, cacheByHost: { local: "kept", [dst.agent.name]: "kept" } };
      step?.("cache");
      const [d, remote] = await Promise.all([o.platform.dropCaches(o.source.srcDir, sourceFiles(o.source)), dropRemote(dst, run.dst, o.log, run.label)]);
      return { cache: d.treatment, residentFraction: null, cacheByHost: { local: d.treatment, [dst.agent.name]: remote } };
    },
    async after(run) {
      const a = await dst.agent.call("verify", ["--workspace", dst.workspace, "--path", run.dst, "--expect", o.manifestHash]);
      const notReal = (a.notReal as string | null) ? `${dst.agent.name}: ${a.notReal}` : null;
      const summary = a.match ? "" : `manifest hash on ${dst.agent.name} is ${short(String(a.manifestHash))}, the source's is ${short(o.manifestHash)} (${a.entries} entries, ${a.files} files there; the source has ${o.source.manifest.entryCount} entries, ${o.source.manifest.fileCount} files)`;
      checked.set(run.dst, { notReal, match: !!a.match, summary });
      // The local source is guarded as in a local run (no destination here to share its inodes).
      return { notReal, tampered: guard.afterRun(run.label, null, o.verify.allowSourceLinks) };
    },
    async verify(run) {
      if (!o.verify.enabled) return null;
      const c = checked.get(run.dst);
      return c ? { ok: c.match, summary: c.match ? "manifest hashes match" : c.summary } : { ok: false, summary: "the destination was never checked" };
    },
    abandon: () => undefined,
    finish: () => guard.finish(),
  };
}

/** A remote source (pull): the destination is local (the local harness), the source's host drops its cache and proves its tree unchanged. */
function pullHarness(o: RemoteHarnessOptions, src: RemoteEnd & { tree: string }): RunHarness {
  const local = localHarness(o);
  return {
    ...local,
    async before(run, step) {
      const b = await local.before(run, step);
      if (run.cache !== "drop") return { ...b, cacheByHost: { local: b.cache, [src.agent.name]: "kept" } };
      return { ...b, cacheByHost: { local: b.cache, [src.agent.name]: await dropRemote(src, src.tree, o.log, run.label) } };
    },
    async after(run) {
      const l = await local.after(run);
      const a = await src.agent.call("manifest-hash", ["--path", src.tree]);
      const changed = a.manifestHash === o.manifestHash ? null : `the source on ${src.agent.name} changed during the run: manifest hash ${short(String(a.manifestHash))}, generated as ${short(o.manifestHash)}`;
      return { notReal: l.notReal, tampered: l.tampered ?? changed };
    },
  };
}

export function remoteHarness(o: RemoteHarnessOptions): RunHarness {
  if (o.dst) return pushHarness(o, o.dst);
  if (o.src) return pullHarness(o, o.src);
  return localHarness(o);
}

/** Settle on the remote end too: sync(1) on its host after the local settle (its time goes to the log). */
export async function syncRemote(end: RemoteEnd, run: PlannedRun, log: Log): Promise<void> {
  const t0 = performance.now();
  const r = await end.agent.host.sh("sync", []);
  log.file(`[${run.label}] settle on ${end.agent.name}: sync ${r.code === 0 ? "done" : `failed (${r.stderr.trim() || `exit ${r.code}`})`} in ${(performance.now() - t0).toFixed(0)} ms (ssh dispatch included)`);
}
