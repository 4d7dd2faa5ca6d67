// The A/A control arm: the baseline run a second time as its own arm, with its own id, label, run ids and destination.

import path from "node:path";
import { slug } from "../paths";

/** '@' is not allowed in tool names, so "rsync@control" can never be a real tool's id. */
export const CONTROL_SUFFIX = "@control";

export function controlToolId(baseline: string): string {
  return `${baseline}${CONTROL_SUFFIX}`;
}

export function isControlArm(id: string): boolean {
  return id.endsWith(CONTROL_SUFFIX);
}

/** The configured tool an arm runs: the baseline for its control arm, else the tool itself. */
export function toolOfArm(id: string): string {
  return isControlArm(id) ? id.slice(0, -CONTROL_SUFFIX.length) : id;
}

export function controlLabel(baselineLabel: string): string {
  return `${baselineLabel} (A/A)`;
}

/** The arm's name in run ids and shared state folders: a tool name cannot start with "_", so the control's cannot collide. */
export function armWord(id: string): string {
  return isControlArm(id) ? `_control_${toolOfArm(id)}` : id;
}

/** The control's destination, beside the baseline's: "<baseline>@control" (a slug never holds '@'). */
export function controlDst(baselineDst: string, baseline: string): string {
  return path.join(path.dirname(baselineDst), `${slug(baseline)}${CONTROL_SUFFIX}`);
}
