// The agent's operations on a remote end's trees: empty a destination inside a workspace of ours, check a destination against a manifest hash.

import path from "node:path";
import { describeReplaced } from "../safe-fs";
import { claimWorkspace, destinationNotReal, inWorkspace, resetDestination } from "../workspace";
import { manifestHashOp } from "./agent-ops";

/**
 * `reset`: the workspace claimed (created with its marker, or re-opened when it is ours; someone else's is refused),
 * then the destination emptied as a local run empties it: lstat, never through a link, nothing outside the workspace.
 */
export function resetOp(workspace: string, dst: string): Record<string, unknown> {
  const { created } = claimWorkspace(workspace);
  // The source guard: a destination may not hold the workspace's datasets.
  const replaced = resetDestination(workspace, dst, path.join(workspace, "datasets"));
  return { path: dst, workspace, workspaceCreated: created, replaced: replaced.map((x) => describeReplaced(x)) };
}

/** `verify`: why the destination is not a real copy (a symlink on the way, missing), else its manifest hash against the expected one. */
export async function verifyOp(workspace: string, dst: string, expected: string): Promise<Record<string, unknown>> {
  inWorkspace(workspace, dst);
  const notReal = destinationNotReal(workspace, dst);
  if (notReal) return { path: dst, notReal, match: false };
  const h = await manifestHashOp(dst);
  return { ...h, notReal: null, expected, match: h.manifestHash === expected };
}
