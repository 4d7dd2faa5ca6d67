// What can be known before anything runs and must be said first: a verdict that cannot be decided (a candidate or every baseline missing), and a --keep too small for the history check.

import { DEFAULTS } from "../defaults";
import { BenchError } from "../errors";
import type { ResolvedConfig, ScenarioPlan } from "../types";
import type { CliOptions } from "./args";

/** One sentence per cause, with the scenarios it hits: "candidate blit-v2 is missing (… not found) in large-file, small-files". */
function group(causes: { cause: string; scenario: string }[]): string[] {
  const by = new Map<string, string[]>();
  for (const c of causes) by.set(c.cause, [...(by.get(c.cause) ?? []), c.scenario]);
  return [...by].map(([cause, names]) => `${cause} in ${names.join(", ")}`);
}

/**
 * The gate cannot decide a scenario whose candidate or every baseline is missing on this machine: the run
 * ends UNDECIDED (exit 3) whatever is measured. Said before the first run (and by --dry-run), with the
 * reason each tool is missing. The scenario's other tools still run and are recorded.
 */
export function undecidedWarnings(plans: readonly ScenarioPlan[], config: ResolvedConfig): string[] {
  const label = (id: string) => config.tools[id]?.label ?? id;
  const causes: { cause: string; scenario: string }[] = [];
  for (const sp of plans) {
    if (!sp.scenario.baseline.length) continue;
    const missing = (id: string) => sp.skipped.find((k) => k.tool === id);
    for (const c of sp.candidates) {
      const m = missing(c);
      if (m) causes.push({ cause: `candidate ${label(c)} is missing (${m.reason})`, scenario: sp.scenario.name });
    }
    if (!sp.baseline) {
      const why = sp.scenario.baseline.map((b) => `${label(b)}: ${missing(b)?.reason ?? "not in the scenario's tools"}`).join("; ");
      causes.push({ cause: `no baseline is available (${why})`, scenario: sp.scenario.name });
    }
  }
  if (!causes.length) return [];
  return [
    ...group(causes).map((c) => `warning: this run will be UNDECIDED (exit 3) at best: ${c}`),
    "  the other tools of those scenarios still run and are recorded; fix the path (see --list) or leave the scenario out with --scenario",
  ];
}

/**
 * --keep N (keep_results) below the history check's minimum means no regression is ever judged on this
 * host: with --fail-on-regression that is a usage error (the flag could never fire), otherwise a warning.
 */
export function keepWarnings(config: ResolvedConfig, opts: Pick<CliOptions, "overrides" | "failOnRegression">): string[] {
  const keep = config.keepResults;
  const need = DEFAULTS.regression.minHistory;
  if (keep === null || keep >= need) return [];
  const what = opts.overrides.keepResults !== undefined ? `--keep ${keep}` : `keep_results: ${keep}`;
  const say = `${what} keeps fewer results than the history check needs (${need} earlier results of this host), so regressions are never judged`;
  if (opts.failOnRegression) {
    throw new BenchError(`${say}: --fail-on-regression could never fail`, { key: opts.overrides.keepResults !== undefined ? "--keep" : "keep_results", file: opts.overrides.keepResults !== undefined ? undefined : config.file, hint: `keep at least ${need} (the check compares with up to ${DEFAULTS.regression.window})` });
  }
  return [`warning: ${say}; keep at least ${need}`];
}
