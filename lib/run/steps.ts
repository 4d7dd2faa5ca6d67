// The steps issue 12 adds around a run, outside the timed window: the {state} directory made and removed, the settle before the spawn, the same-work and clone checks after a verified copy.

import type { Log } from "../log";
import type { Platform } from "../platform/index";
import { describeSettle } from "../platform/settle";
import { describeReplaced } from "../safe-fs";
import type { CloneLabel, DaemonRunRecord, KindCheck, PlannedRun, SameWorkSpec, SettleRecord, SettleSpec } from "../types";
import { inWorkspace, workspaceReal } from "../workspace";
import { prepareStateDir, releaseStateDir } from "./state-dirs";

/**
 * What executeScenario asks beside RunHarness; every step optional, so the fast tier's fake harness (and
 * a future remote one) may leave any of them out: then nothing is done and nothing is recorded for it.
 */
export interface RunSteps {
  /** Before the run, after the reset and the cache: a fresh (or the shared) {state} directory. */
  prepareState?(run: PlannedRun): void;
  /** The last step before the spawn: sync, and (when asked) wait for quiet disks. */
  settle?(run: PlannedRun): Promise<SettleRecord>;
  /** After the run, whatever its exit: a fresh {state} directory is removed. */
  releaseState?(run: PlannedRun): void;
  /** After a verified copy: did it do the same work (links, xattrs, holes, owners), was it cloned rather than copied? */
  inspect?(run: PlannedRun): Promise<{ sameWork?: KindCheck[]; clone?: CloneLabel }>;
  /** Before the settle: the tool's daemon up and ready (a throw fails the run, with the daemon's log). */
  daemonUp?(run: PlannedRun): Promise<void>;
  /** Right after the tool: is its daemon still the process started (gone = the run fails), and its figures over the run. */
  daemonCheck?(run: PlannedRun): Promise<{ gone: string | null; record?: DaemonRunRecord }>;
  /** After the scenario's last run: what is still up (daemons) is stopped. */
  close?(): Promise<void>;
}

export interface LocalStepsOptions {
  workspace: string;
  srcDir: string;
  platform: Platform;
  settle: SettleSpec;
  sameWork?: SameWorkSpec;
  log: Log;
  /** The same-work and clone checks (added to the local steps where they stream; absent = not checked). */
  inspect?: RunSteps["inspect"];
}

/** The real steps on this machine: state directories inside the workspace (never through a link), the platform's settle. */
export function localSteps(o: LocalStepsOptions): RunSteps {
  const stateDir = (run: PlannedRun) => (run.stateDir ? inWorkspace(o.workspace, run.stateDir) : null);
  return {
    prepareState(run) {
      const dir = stateDir(run);
      if (!dir) return;
      for (const r of prepareStateDir(workspaceReal(o.workspace), dir, run.stateMode ?? "fresh")) o.log.error(describeReplaced(r));
    },
    async settle(run) {
      const rec = await o.platform.settle({ path: [o.workspace, o.srcDir], sync: o.settle.sync, wait: o.settle.wait });
      o.log.file(`[${run.label}] ${describeSettle(rec)}`);
      return rec;
    },
    releaseState(run) {
      const dir = stateDir(run);
      if (!dir) return;
      for (const r of releaseStateDir(workspaceReal(o.workspace), dir, run.stateMode ?? "fresh")) o.log.error(describeReplaced(r));
    },
    ...(o.inspect ? { inspect: o.inspect } : {}),
  };
}
