// What a person sees while a scenario's runs go on: the live progress line and each tool's own output (the tail under a failure, or --show-output), both fed by executeScenario's events.

import { DEFAULTS } from "../defaults";
import type { Log } from "../log";
import type { RunEvent } from "../run/execute";
import type { ScenarioPlan } from "../types";
import { LiveProgress, priorSlotsMs } from "./live";
import type { StatusLine } from "./status-line";
import { ToolOutput } from "./tool-output";

export interface RunWatch {
  /** Scenario `index` of the plan begins (its dataset may be generated first, with its own bar). */
  scenario(index: number): void;
  onEvent(e: RunEvent): void;
  /** The scenario's runs are over (or stopped): the line is erased, following stops. */
  stop(): void;
}

export function watchRuns(o: {
  log: Log;
  status: StatusLine;
  plans: readonly ScenarioPlan[];
  widthCols: number;
  showOutput: boolean;
  /** This host's results, for an ETA before a tool's first run (read only when the line is drawn). */
  history: { resultsDir: string; hostId: string };
}): RunWatch {
  const live = new LiveProgress({ status: o.status, plans: o.plans, prior: o.status.enabled ? priorSlotsMs(o.history.resultsDir, o.history.hostId) : undefined });
  const output = new ToolOutput({
    logPath: o.log.fd === "ignore" ? null : o.log.path,
    // Console only: the log has the tool's output already, in full.
    say: (l) => o.log.error(l, ""),
    widthCols: () => o.widthCols,
    tailLines: DEFAULTS.failureTailLines,
    showOutput: o.showOutput,
  });
  return {
    scenario: (i) => live.scenario(i),
    onEvent(e) {
      output.onEvent(e);
      live.onEvent(e);
    },
    stop() {
      live.stop();
      output.close();
    },
  };
}
