// The diagnosis after the gate (--diagnose, diagnose:): run it, say it on the console, store it with the results; it never changes a verdict or the exit code.

import path from "node:path";
import { oneLine } from "../errors";
import { instrumentLines } from "../diagnose/instruments";
import { DIAGNOSE_DEFAULTS } from "../diagnose/options";
import { runDiagnoses } from "../diagnose/step";
import { whyConsoleLines } from "../diagnose/why";
import type { Plan } from "../types";
import { diagnoseDir } from "./outputs";
import { prose } from "./print";
import type { Session } from "./session";

/**
 * Runs after the decision is recorded (the measured results are on disk by then) and before the decision report,
 * which gains its Why section from what this stores. Anything that goes wrong is a warning: the gate stands.
 */
export async function diagnoseAfterGate(s: Session, plan: Plan): Promise<void> {
  const mode = s.config.diagnose ?? "off";
  if (mode === "off" || s.signals.interrupted || s.outputs.stopped) return;
  const { log, style } = s;
  const say = (l: string, stream: "out" | "err" = "out") => prose(log, l, style, stream);
  const outRoot = diagnoseDir(s.outputs.file);
  try {
    const diagnoses = await runDiagnoses({
      mode,
      plans: plan.scenarios,
      scenarios: s.results.scenarios,
      config: s.config,
      avail: s.results.tools,
      log,
      executor: s.executor,
      platform: s.platform,
      datasetsRoot: s.ws.datasets,
      isTTY: s.status.enabled,
      stopped: () => s.signals.interrupted,
      outRoot,
      relativeTo: path.dirname(s.outputs.resultsFile ?? s.outputs.file),
      on: {
        instruments: (list) => {
          for (const l of instrumentLines(list.filter((i) => i.state !== "available"))) say(`warning: diagnose: ${l}`, "err");
        },
        start: (t) => log.line(`Diagnosing [${t.scenario}] ${s.config.tools[t.candidate]?.label ?? t.candidate} vs ${s.config.tools[t.baseline]?.label ?? t.baseline}: strace, perf stat, perf record, outside the statistics...`),
        skip: (t, why) => say(`note: diagnose [${t.scenario}]: ${why}`),
        failed: (t, why) => say(`warning: diagnose [${t.scenario}] failed: ${why}; the measured results and the verdict stand`, "err"),
        done: (d, dir) => {
          for (const l of whyConsoleLines(d, dir, DIAGNOSE_DEFAULTS.consoleFindings)) say(l);
        },
      },
    });
    if (!diagnoses.length) return;
    s.results.diagnoses = diagnoses;
    s.outputs.saveResults(s.results);
  } catch (e) {
    say(`warning: the diagnosis stopped: ${oneLine(e)}; the measured results and the verdict stand`, "err");
  }
}
