// The steps issue 12 adds around a run, outside the timed window: the {state} directory made and removed, the settle before the spawn, the same-work and clone checks after a verified copy.

import path from "node:path";
import type { Manifest, ManifestEntry } from "../datasets/manifest";
import type { Log } from "../log";
import type { Platform } from "../platform/index";
import { describeSettle } from "../platform/settle";
import { describeReplaced } from "../safe-fs";
import type { CloneLabel, DaemonRunRecord, KindCheck, PlannedRun, SameWorkSpec, SettleRecord, SettleSpec } from "../types";
import { inWorkspace, workspaceReal } from "../workspace";
import { cloneSample, detectClone, manifestCandidate, manifestCandidates, SamplePicker, type Candidate } from "./clone-check";
import { checkSameWork, SameWorkPass, srcEntryOf, type DstMeta, type SourceProfile } from "./same-work";
import type { VerifyOptions } from "./verify";
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
  log: Log;
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
  };
}

const describeCheck = (c: KindCheck) => (c.unavailable ? `${c.kind} not checked (${c.unavailable})` : `${c.kind} ${c.differing} differ of ${c.checked}`);

/** What verification feeds as it meets each entry pair: the same-work pass, and the scenario's clone sample while it is not drawn yet. */
export interface Feed {
  pass: SameWorkPass | null;
  picker: SamplePicker | null;
  onPair: NonNullable<VerifyOptions["onPair"]>;
}

/** The checks after a verified copy: the same-work pass verification feeds as it walks the copy, then its result and the clone label. */
export interface Inspection {
  /** A fresh same-work pass (and clone sample picker) and the verification hook that feeds them (run/verify.ts onPair), given the source's profile when it is known; null when there is nothing to feed. */
  feed(profile?: SourceProfile | null): Feed | null;
  /** After a verified copy: the fed pass's findings (without one, a check with its own walk: a copy verification did not walk) and the clone label. */
  inspect(run: PlannedRun, fed?: Feed | null): Promise<{ sameWork?: KindCheck[]; clone?: CloneLabel }>;
}

/**
 * The checks after a verified copy (the harness times them with its other steps): the same-work levels
 * over verification's own merge of the manifest with the copy (each entry's stat from that walk, a
 * file's from the fstat that hashed it), the clone label from a sample drawn from the manifest. Nothing
 * per file is held. Undefined when the scenario turned every level off.
 */
export function localInspect(o: { srcDir: string; manifest: Manifest; spec: SameWorkSpec; log: Log }): Inspection | undefined {
  const { links, xattrs, sparse, owner, clone } = o.spec;
  const any = links || xattrs || sparse || owner;
  if (!any && !clone) return undefined;
  const kinds = { links, xattrs, sparse, owner };
  // Taken by the first check: the scenario's source check fails any run that changed the source, so it holds for all.
  let profile: SourceProfile | null = null;
  // Depends on the manifest alone, so drawn once per scenario: along the first verification's walk (or, without one, a pass of its own).
  let sample: Candidate[] | null = null;
  // The first check reads the source per entry and takes the profile on the way: no separate pass over it.
  const options = () => ({ kinds, ...(profile ? { profile } : { onProfile: (p: SourceProfile) => (profile = p) }) });
  return {
    feed(known) {
      if (known) profile ??= known;
      const pass = any ? new SameWorkPass(options()) : null;
      const picker = clone && !sample ? new SamplePicker(o.manifest.fileCount) : null;
      if (!pass && !picker) return null;
      // The source side from the manifest (hard-link groups, sizes); the source itself only where the pass must look.
      const onPair = (e: ManifestEntry, abs: string | null, meta: DstMeta | null) => {
        pass?.entry(srcEntryOf(e), () => path.join(o.srcDir, e.path), abs, meta);
        const c = picker && manifestCandidate(e);
        if (c) picker!.add(c);
      };
      return { pass, picker, onPair };
    },
    async inspect(run, fed) {
      const out: { sameWork?: KindCheck[]; clone?: CloneLabel } = {};
      if (any) out.sameWork = fed?.pass ? fed.pass.result() : checkSameWork(o.srcDir, run.dst, { ...options(), manifest: o.manifest });
      // A verified copy met every manifest file in order, so the picker saw what a pass of its own would.
      if (clone) out.clone = detectClone(o.srcDir, run.dst, { sample: (sample ??= fed?.picker ? fed.picker.result() : cloneSample(manifestCandidates(o.manifest))) });
      const cl = out.clone;
      const cloneText = !cl ? "" : cl.state === "unknown" ? `clone: unknown (${cl.reason})` : `clone: ${cl.state} (${cl.state === "cloned" ? `${cl.clonedFiles} of ` : ""}${cl.sampledFiles} sampled files)`;
      o.log.file(`[${run.label}] same work${fed ? " (along verification)" : ""}: ${[...(out.sameWork ?? []).map(describeCheck), cloneText].filter(Boolean).join("; ")}`);
      return out;
    },
  };
}
