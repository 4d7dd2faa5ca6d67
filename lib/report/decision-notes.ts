// The decision document's sections about how each verdict was reached and how each time was taken: paired and bootstrap side by side, the A/A control, flags; settle, durable time, preflight, remote timing and daemon memory.

import type { ScenarioResult } from "../analyze/scenario";
import type { ResultsFile } from "../results/file";
import { controlLine, preflightLines, remoteLines, settleLine, timeLine, toolFlagLines, verdictDetail } from "./run-notes";

/** "## Paired Analysis and Controls": per verdict both intervals and which decided; the control; every flag. */
export function pairedSection(gated: readonly ScenarioResult[]): string[] {
  if (!gated.length) return [];
  const L = ["## Paired Analysis and Controls", ""];
  L.push(
    "Rounds rotate which tool starts, so each round gives a paired candidate/baseline ratio. Paired: the median of those ratios with an exact order-statistic (sign-test) interval and its coverage; FASTER (upper end < 1/limit), EQUIVALENT (upper end within [1/limit, limit]), SLOWER (lower end > limit), UNCLEAR (straddling, or fewer than 6 rounds). Bootstrap: the ratio of mean times with its 95% interval. `gate:` says which decides.",
    "",
  );
  for (const s of gated) {
    const label = (id: string) => s.tools.find((t) => t.tool === id)?.label ?? id;
    for (const v of s.verdicts) L.push(`- ${s.name}: ${verdictDetail(v, label)}`);
    const c = s.verdicts.find((v) => v.control)?.control;
    if (c) L.push(`- ${s.name}: ${controlLine(c, label, s.verdicts[0]!.baseline)}`);
    for (const v of s.verdicts) for (const f of v.flags ?? []) L.push(`- ${s.name} (${label(v.candidate)}): ${f}`);
    for (const l of toolFlagLines(s)) L.push(`- ${s.name}: ${l.replace(/^\s*⚑\s*/, "")}`);
  }
  L.push("");
  return L;
}

/** "## How the Times Were Taken": per scenario its time basis and settle; then preflight. */
export function measurementSection(results: ResultsFile): string[] {
  const L = ["## How the Times Were Taken", ""];
  for (const s of results.scenarios) {
    const settle = settleLine(s);
    L.push(`- ${s.name}: ${timeLine(s)}${settle ? `; ${settle}` : ""}`);
    for (const p of preflightLines(s)) L.push(`- ${s.name}: ${p.trim().replace(/^!\s*/, "")}`);
    // Which host timed the runs, and each daemon's part of the memory figure and how it was taken.
    for (const l of remoteLines(s)) L.push(`- ${s.name}: ${l.trim().replace(/^·\s*/, "")}`);
  }
  const pf = results.preflight;
  if (pf?.off) L.push(`- preflight: off (${pf.off})`);
  for (const r of pf?.reports ?? []) {
    L.push(`- preflight ${r.where}: ${r.ok ? "passed" : r.forced ? "FAILED (run with --force)" : "FAILED"} — ${r.checks.map((c) => `${c.name} ${c.measured} (${c.limit}) ${c.ok ? "ok" : "failed"}`).join("; ")}`);
  }
  L.push("");
  return L;
}
