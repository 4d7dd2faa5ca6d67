// The console summary: the old script's Average lines, one table per scenario, warnings, the gate.

import Table from "cli-table3";
import type { Decision } from "../analyze/verdicts";
import { oldLines } from "../log";
import type { ScenarioResult } from "../results/file";
import type { CandidateVerdict, ToolResult } from "../types";
import { formatBytes, formatDuration, formatSeconds } from "../units";

export interface Style {
  color: boolean;
}

const paint = (on: boolean, code: number, s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);

export function averageLines(s: ScenarioResult): string[] {
  const out: string[] = [];
  for (const t of s.tools) {
    if (t.state === "skipped" || !t.stats) continue;
    out.push(oldLines.average(t.label, t.stats.time.n, formatSeconds(t.stats.time.meanNs)));
  }
  return out;
}

function ratioCell(v: CandidateVerdict | undefined): string {
  if (!v?.timeRatio) return "";
  const r = v.timeRatio;
  return r.low === r.high ? r.estimate.toFixed(3) : `${r.estimate.toFixed(3)} [${r.low.toFixed(3)}–${r.high.toFixed(3)}]`;
}

function verdictCell(v: CandidateVerdict | undefined, st: Style): string {
  if (!v) return "";
  const word = v.verdict === "PASS" ? paint(st.color, 32, "PASS") : v.verdict === "FAIL" ? paint(st.color, 31, "FAIL") : paint(st.color, 33, "UNDECIDED");
  return v.withinNoise ? `${word} (within noise)` : word;
}

export function scenarioTable(s: ScenarioResult, st: Style): string {
  const head = ["tool", "mean ± σ", "median", "min … max", "MiB/s", "files/s", "CPU user/sys", "peak RSS", "ratio [95% CI]", "verdict"];
  const table = new Table({ head, style: { head: st.color ? ["cyan"] : [], border: st.color ? ["grey"] : [] } });
  for (const t of s.tools) {
    const role = t.tool === s.baseline ? " (baseline)" : "";
    const v = s.verdicts.find((x) => x.candidate === t.tool);
    if (t.state === "skipped") {
      table.push([`${t.label}${role}`, { colSpan: head.length - 1, content: `skipped: ${t.reason}` }]);
      continue;
    }
    const x = t.stats;
    if (!x) {
      table.push([`${t.label}${role}`, { colSpan: head.length - 2, content: `failed: ${t.state === "failed" ? t.reason : ""}` }, verdictCell(v, st)]);
      continue;
    }
    const cpu = x.userMsMean !== null && x.systemMsMean !== null ? `${x.userMsMean.toFixed(0)}/${x.systemMsMean.toFixed(0)} ms (${((x.cpuUtilMean ?? 0) * 100).toFixed(0)}%)` : "n/a";
    table.push([
      `${t.label}${role}${t.state === "failed" ? " (FAILED runs)" : ""}`,
      `${formatDuration(x.time.meanNs)} ± ${formatDuration(x.time.stddevNs)}`,
      formatDuration(x.time.medianNs),
      `${formatDuration(x.time.minNs)} … ${formatDuration(x.time.maxNs)}`,
      x.mibPerSec.toFixed(1),
      x.filesPerSec >= 100 ? Math.round(x.filesPerSec).toLocaleString("en-US") : x.filesPerSec.toFixed(1),
      cpu,
      x.maxRssMedianBytes === null ? "n/a" : formatBytes(x.maxRssMedianBytes),
      t.tool === s.baseline ? "1.000" : ratioCell(v),
      verdictCell(v, st),
    ]);
  }
  return table.toString();
}

/** How the cache was really treated, counted over the runs: "dropped 18/18" or "fadvise 12/18, not-dropped: … 6/18". */
export function cacheSummary(s: ScenarioResult): string {
  if (!s.runs.length) return s.cache;
  const counts = new Map<string, number>();
  for (const r of s.runs) counts.set(r.cache, (counts.get(r.cache) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${k} ${n}/${s.runs.length}`).join(", ");
}

export function scenarioHeader(s: ScenarioResult): string {
  const w = s.workload;
  const parts = [`${w.kind}`, `${w.files} file(s)`, formatBytes(w.bytes), `cache ${cacheSummary(s)}`, s.verified ? "copies verified" : "copies NOT verified"];
  return `== ${s.name}: ${parts.join(", ")}`;
}

export function warningLines(s: ScenarioResult): string[] {
  const out: string[] = [];
  for (const t of s.tools) {
    if (t.state === "failed") out.push(`  ! ${t.label}: ${t.reason}`);
    for (const w of t.state !== "skipped" ? (t.stats?.warnings ?? []) : []) out.push(`  ! ${t.label}: ${w}`);
  }
  for (const v of s.verdicts) for (const r of v.reasons) out.push(`  · ${v.candidate} vs ${v.baseline}: ${r}`);
  return out;
}

export function gateLines(scenarios: ScenarioResult[], decision: Decision, st: Style): string[] {
  const out: string[] = [];
  const gated = scenarios.filter((s) => s.verdicts.length);
  if (!gated.length) {
    out.push("Gate: none configured (no baseline in any scenario)");
    return out;
  }
  out.push("Gate:");
  for (const s of gated) {
    for (const v of s.verdicts) {
      const th = s.thresholds;
      const time = v.timeRatio ? `time ${v.timeRatio.estimate.toFixed(3)} (≤ ${th.maxTimeRatio})` : "time n/a";
      const mem = v.memoryRatio !== null ? `memory ${v.memoryRatio.toFixed(3)} (≤ ${th.maxMemoryRatio})` : "memory n/a";
      out.push(`  ${verdictCell(v, st).padEnd(st.color ? 9 + 9 : 9)} ${s.name}: ${v.candidate} vs ${v.baseline}: ${time}, ${mem}`);
    }
  }
  const word =
    decision === "GO" ? paint(st.color, 32, "GO") : decision === "NO-GO" ? paint(st.color, 31, "NO-GO") : paint(st.color, 33, "UNDECIDED (the baseline failed or is missing)");
  out.push(`Decision: ${word}`);
  return out;
}

/** One scenario's summary as a run prints it and `report` re-renders it: Average lines, header, table, warnings. */
export function scenarioLines(s: ScenarioResult, st: Style): string[] {
  return [...averageLines(s), "", scenarioHeader(s), ...scenarioTable(s, st).split("\n"), ...warningLines(s)];
}

export function toolList(tools: ToolResult[]): string {
  return tools.map((t) => t.label).join(", ");
}
