// The decision report: a Markdown record of one gated invocation in the form of the user's phase_2.5_decision.md.

import { plural } from "../text";
import path from "node:path";
import { medianRssOf, type ScenarioResult } from "../analyze/scenario";
import { completedRuns } from "../analyze/tool-stats";
import { decide } from "../analyze/verdicts";
import { renderWhySection } from "../diagnose/why";
import { resultsPath, writeAtomic, type Regression, type ResultsFile } from "../results/file";
import type { CandidateVerdict } from "../types";
import { formatBytes } from "../units";
import { measurementSection, pairedSection } from "./decision-notes";

const OK = "✓";
const NO = "✗";

function secondsOf(s: ScenarioResult, tool: string): string {
  const t = s.tools.find((x) => x.tool === tool);
  if (!t || t.state === "skipped") return "—";
  return t.stats ? (t.stats.time.meanNs / 1e9).toFixed(3) : "failed";
}

function ratioText(v: CandidateVerdict): string {
  const r = v.timeRatio;
  if (!r) return "—";
  const ci = r.low === r.high ? "" : ` [${r.low.toFixed(2)}–${r.high.toFixed(2)}]`;
  return `${r.estimate.toFixed(2)}${ci}${v.withinNoise ? " (within noise)" : ""}`;
}

function timePass(v: CandidateVerdict): string {
  if (v.verdict === "UNDECIDED" || v.verdict === "NO-VERDICT") return "?";
  if (!v.timeRatio && !v.paired) return NO;
  return v.reasons.some((r) => r.startsWith("time ratio") || r.startsWith("paired")) ? NO : OK;
}

function memPass(s: ScenarioResult, v: CandidateVerdict): string {
  if (v.memoryRatio === null) return v.verdict === "UNDECIDED" ? "?" : "n/a";
  return v.memoryRatio <= s.thresholds.maxMemoryRatio ? OK : NO;
}

/** "dropped on 12/12 measured runs", or each treatment with its count when they differ. */
export function cacheTreatment(s: ScenarioResult): string {
  const runs = s.runs.filter((r) => r.phase === "measured");
  if (!runs.length) return `policy ${s.cache}; no measured runs`;
  const counts = new Map<string, number>();
  for (const r of runs) counts.set(r.cache, (counts.get(r.cache) ?? 0) + 1);
  const parts = [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} on ${n}/${runs.length} measured runs`);
  return `policy ${s.cache}: ${parts.join("; ")}`;
}

const esc = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

export type GateStatus = "PASS" | "FAIL" | "UNDECIDED" | "NO GATE" | "INTERRUPTED";

/** The document's word for the run's decision (analyze's decide, the one gate rule). */
export function gateStatus(results: ResultsFile): GateStatus {
  if (results.interrupted) return "INTERRUPTED";
  const word: Record<ReturnType<typeof decide>["decision"], GateStatus> = { GO: "PASS", "NO-GO": "FAIL", UNDECIDED: "UNDECIDED", "NO-GATE": "NO GATE" };
  return word[decide(results.scenarios).decision];
}

export function renderDecisionReport(results: ResultsFile, opts: { resultsFile?: string } = {}): string {
  const status = gateStatus(results);
  const gated = results.scenarios.filter((s) => s.verdicts.length);
  const rows = gated.flatMap((s) => s.verdicts.map((v) => ({ s, v })));
  const L: string[] = [];
  L.push(`# Quality Gate Decision`, "");
  L.push(`**Date**: ${results.startedAt.slice(0, 10)} (started ${results.startedAt}${results.finishedAt ? `, finished ${results.finishedAt}` : ""})`);
  L.push(`**Status**: ${status}`);
  L.push(`**Config**: \`${results.invocation?.configFile ?? results.config?.file ?? "?"}\``);
  if (opts.resultsFile) L.push(`**Results file**: \`${opts.resultsFile}\``);
  L.push(`**Host**: ${results.host.id}`, "");

  L.push("## Benchmark Results", "");
  const th = gated[0]?.thresholds;
  if (th) {
    const paired = gated.some((s) => s.runOptions?.gate === "paired");
    const rule = paired
      ? `its median per-round time ratio is shown at most ${th.maxTimeRatio}× the baseline's by an exact sign-test interval (the interval's upper end ≤ ${th.maxTimeRatio}, i.e. ≥ ${(100 / th.maxTimeRatio).toFixed(0)}% of its speed at that confidence)`
      : `its mean time is at most ${th.maxTimeRatio}× the baseline's (≥ ${(100 / th.maxTimeRatio).toFixed(0)}% of its speed)`;
    L.push(`A candidate passes a scenario when ${rule}, its median peak memory at most ${th.maxMemoryRatio}× the baseline's, and every run completed${gated.some((s) => s.verified) ? " with a verified copy" : ""}. Ratio = candidate / baseline with its 95% bootstrap interval; the paired analysis is beside it below.`, "");
  }
  L.push("| Test | baseline (s) | candidate (s) | Ratio | Pass? |", "|------|--------------|---------------|-------|-------|");
  for (const { s, v } of rows) {
    L.push(`| ${esc(s.name)} (${esc(v.candidate)} vs ${esc(v.baseline)}) | ${secondsOf(s, v.baseline)} | ${secondsOf(s, v.candidate)} | ${ratioText(v)} | ${timePass(v)} |`);
  }
  if (!rows.length) L.push("| (no gated scenario) | | | | |");
  L.push("");

  L.push(...pairedSection(gated));

  L.push("## Memory Usage", "");
  L.push("| Metric | baseline | candidate | Ratio | Pass? |", "|--------|----------|-----------|-------|-------|");
  for (const { s, v } of rows) {
    const b = medianRssOf(s, v.baseline);
    const c = medianRssOf(s, v.candidate);
    L.push(`| Peak memory, ${esc(s.name)} (${esc(v.candidate)} vs ${esc(v.baseline)}) | ${b === null ? "n/a" : formatBytes(b)} | ${c === null ? "n/a" : formatBytes(c)} | ${v.memoryRatio === null ? "—" : v.memoryRatio.toFixed(2)} | ${memPass(s, v)} |`);
  }
  L.push("");

  L.push("## CPU Utilization", "");
  L.push("| Test | Tool | user (ms) | system (ms) | CPU / wall |", "|------|------|-----------|-------------|------------|");
  for (const s of gated) {
    for (const t of s.tools) {
      if (t.state === "skipped" || !t.stats) continue;
      const x = t.stats;
      L.push(`| ${esc(s.name)} | ${esc(t.label)} | ${x.userMsMean?.toFixed(0) ?? "n/a"} | ${x.systemMsMean?.toFixed(0) ?? "n/a"} | ${x.cpuUtilMean === null ? "n/a" : `${(x.cpuUtilMean * 100).toFixed(0)}%`} |`);
    }
  }
  L.push("");

  L.push("## Decision", "");
  const failing = rows.filter((r) => r.v.verdict === "FAIL");
  const undecided = rows.filter((r) => r.v.verdict === "UNDECIDED" || r.v.verdict === "NO-VERDICT");
  if (status === "INTERRUPTED") {
    L.push("**UNDECIDED**", "", "The run was interrupted before every scenario finished; no decision was taken.");
  } else if (status === "PASS") {
    L.push("**GO**", "", "The candidate meets the acceptance criteria in every gated scenario.");
  } else if (status === "FAIL") {
    L.push("**NO-GO**", "", "Performance gaps identified:");
    failing.forEach(({ s, v }, i) => L.push(`${i + 1}. ${s.name} (${v.candidate} vs ${v.baseline}): ${v.reasons.join("; ")}`));
    if (results.diagnoses?.length) L.push("", "The Why section below says what the diagnosis runs found (syscalls, I/O sizes, counters, flame graphs).");
  } else if (status === "UNDECIDED") {
    L.push("**UNDECIDED**", "", "No decision is possible because:");
    undecided.forEach(({ s, v }, i) => L.push(`${i + 1}. ${s.name} (${v.candidate} vs ${v.baseline}): ${v.reasons.join("; ") || "no reason recorded"}`));
  } else {
    L.push("**NO GATE**", "", "No scenario has a baseline, so there is nothing to decide.");
  }
  const notes = rows.flatMap(({ s, v }) => v.reasons.filter((r) => r.startsWith("memory not gated")).map((r) => `${s.name} (${v.candidate}): ${r}`));
  const noisy = rows.filter(({ v }) => v.withinNoise).map(({ s, v }) => `${s.name} (${v.candidate})`);
  if (notes.length || noisy.length) {
    L.push("", "Caveats:");
    for (const n of notes) L.push(`- ${n}`);
    for (const n of noisy) L.push(`- ${n}: the ratio's 95% interval straddles the threshold; a re-run may flip this verdict.`);
  }
  L.push("");

  // --diagnose: what the extra runs found, per diagnosed scenario; its links are relative to the results folder, this document's.
  L.push(...renderWhySection(results.diagnoses ?? []));

  const regs = (results as ResultsFile & { regressions?: Regression[] }).regressions;
  if (regs?.length) {
    L.push("## Against History", "");
    for (const r of regs) L.push(`- ${r.verdict === "regression" ? "**REGRESSION** " : r.verdict === "improvement" ? "improvement: " : ""}${r.scenario} / ${r.label}: ${r.message}`);
    L.push("");
  }

  L.push("## Environment", "");
  const e = results.environment;
  L.push(`- OS: ${e.os} (${e.platform}/${e.arch}), kernel ${e.kernel}`);
  L.push(`- CPU: ${e.cpuModel}, ${e.cores} cores`);
  L.push(`- Memory: ${formatBytes(e.memoryBytes)}`);
  L.push(`- Workspace file system: ${e.workspaceFs ?? "unknown"}`);
  L.push(`- mirrorbench ${e.mirrorbench}, Bun ${e.bun}, mitata ${e.mitata}; memory meter: ${results.meter?.kind ?? "?"}${results.meter?.memoryNote ? ` (${results.meter.memoryNote})` : ""}`);
  L.push(`- Running as ${e.user.root ? "root" : `uid ${e.user.uid ?? "?"}`}`);
  L.push("", "Tools:", "");
  for (const [id, a] of Object.entries(results.tools ?? {})) {
    L.push(`- ${id}: ${a.available ? `${a.path ?? "?"} — ${a.version ?? "version unknown"}` : `unavailable (${a.reason ?? "?"})`}`);
  }
  L.push("");

  L.push("## Cache Treatment", "");
  for (const s of results.scenarios) L.push(`- ${s.name}: ${cacheTreatment(s)}`);
  L.push("");

  L.push(...measurementSection(results));

  L.push("## Per-Scenario Runs", "");
  for (const s of results.scenarios) {
    const per = s.tools.map((t) => {
      if (t.state === "skipped") return `${t.label} skipped (${t.reason})`;
      const done = completedRuns(s.runs, t.tool).length;
      return `${t.label} ${plural(done, "measured run")}${t.state === "failed" ? ` — FAILED: ${t.reason}` : ""}`;
    });
    L.push(`- ${s.name} (${s.workload.kind}, ${plural(s.workload.files, "file")}, ${formatBytes(s.workload.bytes)}): ${per.join("; ")}`);
  }
  L.push("");

  L.push("## Optimizations Applied (if any)", "", "- _(fill in by hand)_", "");
  L.push("## Next Steps", "", status === "PASS" ? "- Proceed to the next phase." : "- _(fill in by hand)_", "");
  return L.join("\n");
}

/** `<results-file-stem>.decision.md` in `dir`; the stem is resultsPath()'s unless `resultsFile` names the actual file. */
export function decisionReportPath(results: ResultsFile, dir: string, resultsFile?: string): string {
  const file = resultsFile ?? resultsPath(dir, new Date(results.startedAt), results.host);
  return path.join(dir, path.basename(file).replace(/\.json$/, "") + ".decision.md");
}

export function writeDecisionReport(results: ResultsFile, dir: string, opts: { resultsFile?: string } = {}): string {
  const file = decisionReportPath(results, dir, opts.resultsFile);
  writeAtomic(file, renderDecisionReport(results, opts));
  return file;
}
