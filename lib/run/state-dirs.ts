// Each run's state directory, made before the run and removed after it (fresh), or kept per tool (shared); the placeholders themselves are plan-time (plan/run-values.ts).

import { ensureRealDir, removeInside, type Replaced } from "../safe-fs";
import type { StateMode } from "../types";

export { invocationId, makeRunId, placeholdersUsed, renderRun, stateDirFor, stateRoot } from "../plan/run-values";
export type { StateMode } from "../types";

/**
 * Makes the run's state directory ready before the run (outside the timed window). fresh: whatever an
 * earlier run left under that name is removed first, so the directory is new and empty; shared: it is
 * created when missing and otherwise kept. Links on the way are removed as entries, never followed.
 */
export function prepareStateDir(workspaceReal: string, dir: string, mode: StateMode): Replaced[] {
  const replaced: Replaced[] = [];
  if (mode === "fresh") replaced.push(...removeInside(workspaceReal, dir));
  replaced.push(...ensureRealDir(workspaceReal, dir));
  return replaced;
}

/** After the run: a fresh state directory is removed with everything the tool put in it (links unlinked, not followed); a shared one stays. */
export function releaseStateDir(workspaceReal: string, dir: string, mode: StateMode): Replaced[] {
  return mode === "fresh" ? removeInside(workspaceReal, dir) : [];
}
