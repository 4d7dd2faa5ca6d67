// What a scenario's table cannot hold, said under it: the cache treatment counted, which time and settle it used, a forced preflight, each tool's flags (cloned, different work, its own figures), and each verdict's paired and bootstrap intervals and control.

import type { ScenarioResult } from "../analyze/scenario";
import { median } from "../analyze/summary";
import { completedRuns } from "../analyze/tool-stats";
import { cloneFlag, sameWorkByTool } from "../analyze/verdicts";
import { claimedOverMeasured } from "../run/native-stats";
import { sameWorkFlags } from "../run/same-work";
import type { CandidateVerdict, ControlSummary, NativeStats, PairedSummary, RunRecord } from "../types";
import { plural } from "../text";
import { formatBytes, formatSeconds } from "../units";

/** "time: durable = returned + syncfs(dst) (mb-run: same clock, no gap) for cp, rsync" or "time: returned". */
export function timeLine(s: ScenarioResult): string {
  const o = s.runOptions;
  if (!o?.durable.length) return "time: returned (the tool exited)";
  const flushed = s.runs.find((r) => r.durable)?.durable;
  const how = !flushed ? "" : flushed.timedBy === "meter" ? ` (${flushed.method} by mb-run the instant the tool was reaped: one clock, no gap)` : ` (${flushed.method} after the meter returned: returned + flush, two intervals)`;
  const label = new Map(s.tools.map((t) => [t.tool, t.label]));
  return `time: returned, and durable = returned + flush of dst${how} for ${o.durable.map((t) => label.get(t) ?? t).join(", ")}; the gate uses ${o.gateOn}`;
}

/** "settle: sync + wait < 2 MiB/s ×3 (median wait 0.78 s; 0 of 18 runs hit max_wait)", "settle: sync (median 12 ms)", "settle: off". */
export function settleLine(s: ScenarioResult): string | null {
  const o = s.runOptions;
  if (!o) return null;
  const st = o.settle;
  const recs = s.runs.map((r) => r.settle).filter((x) => x !== undefined);
  if (!st.sync && !st.wait) return "settle: off";
  const syncMs = recs.map((r) => r.syncMs).filter((x): x is number => x !== null);
  const failed = recs.find((r) => r.syncError)?.syncError;
  const sync = st.sync ? `sync${syncMs.length ? ` (median ${median(syncMs).toFixed(0)} ms)` : ""}${failed ? ` [failed: ${failed}]` : ""}` : "";
  if (!st.wait) return `settle: ${sync}, no wait`;
  const waited = recs.map((r) => r.waitedMs);
  const maxed = recs.filter((r) => r.reason === "max-wait").length;
  const other = recs.find((r) => r.reason.startsWith("no device") || r.reason.startsWith("cannot sample"))?.reason;
  const wait = `wait < ${st.wait.drainMibPerSec} MiB/s ×${st.wait.quietSamples}`;
  const figures = other ? other : `median wait ${formatSeconds((waited.length ? median(waited) : 0) * 1e6)} s; ${maxed} of ${recs.length} runs hit max_wait`;
  return `settle: ${[sync, wait].filter(Boolean).join(" + ")} (${figures})`;
}

function medianOf(xs: (number | null)[]): number | null {
  const v = xs.filter((x): x is number => x !== null);
  return v.length ? median(v) : null;
}

/** "tool: 1,500 files, 6.0 MiB, 812 ms (claimed/measured 0.91)", medians over the measured runs; null when it reports nothing. */
export function toolStatsLine(s: ScenarioResult, tool: string): string | null {
  const runs = completedRuns(s.runs, tool).filter((r) => r.toolStats);
  if (!runs.length) return null;
  const ok = runs.map((r) => r.toolStats!).filter((t): t is { ok: true; stats: NativeStats } => t.ok);
  if (!ok.length) {
    const bad = runs[0]!.toolStats!;
    return `tool figures unreadable: ${bad.ok ? "" : bad.reason}`;
  }
  const files = medianOf(ok.map((t) => t.stats.toolFilesTransferred));
  const bytes = medianOf(ok.map((t) => t.stats.toolBytes));
  const ms = medianOf(ok.map((t) => t.stats.toolDurationMs));
  const ratio = medianOf(runs.map((r) => (r.toolStats?.ok ? claimedOverMeasured(r.toolStats.stats, r.measure.wallNs) : null)));
  const parts = [files !== null ? `${Math.round(files).toLocaleString("en-US")} files` : null, bytes !== null ? formatBytes(bytes) : null, ms !== null ? `${ms.toFixed(0)} ms` : null].filter(Boolean);
  return `tool says: ${parts.join(", ") || "nothing we read"}${ratio !== null ? ` (claimed/measured ${ratio.toFixed(2)})` : ""} — medians over ${ok.length} runs, from its own ${ok[0]!.stats.kind === "rsync" ? "--stats" : "JSON"}`;
}

/** One line per tool with something to flag: cloned, different work, its own figures. */
export function toolFlagLines(s: ScenarioResult): string[] {
  const out: string[] = [];
  const ids = s.tools.map((t) => t.tool);
  const different = sameWorkFlags(sameWorkByTool(s.runs, ids));
  for (const t of s.tools) {
    const flags = [cloneFlag(s.runs, t.tool), ...(different[t.tool] ?? []), toolStatsLine(s, t.tool)].filter((x): x is string => !!x);
    for (const f of flags) out.push(`  ⚑ ${t.label}: ${f}`);
  }
  return out;
}

const f3 = (x: number) => x.toFixed(3);

/** "0.912 [0.871, 0.950] 97.9 % FASTER" or "0.930 UNCLEAR (5 pairs: …)". */
export function pairedCell(p: PairedSummary): string {
  const est = p.medianRatio === null ? "—" : f3(p.medianRatio);
  if (!p.interval) return `${est} ${p.state} (${p.noInterval})`;
  return `${est} [${f3(p.interval.low)}, ${f3(p.interval.high)}] ${(p.interval.confidence * 100).toFixed(1)} % ${p.state}`;
}

export function controlLine(c: ControlSummary, label: (id: string) => string, baseline: string): string {
  const iv = c.interval ? `[${f3(c.interval.low)}, ${f3(c.interval.high)}]` : "no interval";
  return `control ${label(c.tool)} vs ${label(baseline)} (${c.method}): ${iv} ${c.state} (band [${f3(c.band.low)}, ${f3(c.band.high)}])${c.reason ? `: ${c.reason}` : ""}`;
}

/** Per verdict: "cp vs rsync: paired … · bootstrap … · gate: paired on durable → PASS"; then the control, once. */
export function verdictDetailLines(s: ScenarioResult): string[] {
  const label = (id: string) => s.tools.find((t) => t.tool === id)?.label ?? id;
  const out: string[] = [];
  for (const v of s.verdicts) {
    if (!v.paired && !v.timeRatio) continue;
    out.push(`  · ${verdictDetail(v, label)}`);
  }
  const c = s.verdicts.find((v) => v.control)?.control;
  if (c) out.push(`  · ${controlLine(c, label, s.verdicts[0]!.baseline)}`);
  return out;
}

export function verdictDetail(v: CandidateVerdict, label: (id: string) => string): string {
  const paired = v.paired ? `paired ${pairedCell(v.paired)}` : "paired —";
  const boot = v.timeRatio ? `bootstrap ${f3(v.timeRatio.estimate)} [${f3(v.timeRatio.low)}, ${f3(v.timeRatio.high)}]` : "bootstrap —";
  return `${label(v.candidate)} vs ${label(v.baseline)}: ${paired} · ${boot} · gate: ${v.gate ?? "bootstrap"} on ${v.gateOn ?? "returned"} → ${v.verdict}`;
}

/** Under every table of a forced run: "! preflight FAILED (--force): load 1.42 …". */
export function preflightLines(s: ScenarioResult): string[] {
  return s.preflight ? [`  ! ${s.preflight.replace(/^preflight failed/, "preflight FAILED (--force)")}`] : [];
}

/** How the cache was really treated, counted over the runs: "dropped 18/18" or "fadvise 12/18, not-dropped: … 6/18". */
export function cacheSummary(s: ScenarioResult): string {
  if (!s.runs.length) return s.cache;
  // A remote end: each end's own treatment ("local dropped 8/8; nas dropped 8/8").
  const hosts = [...new Set(s.runs.flatMap((r) => Object.keys(r.cacheByHost ?? {})))];
  if (hosts.length) {
    return hosts.map((h) => {
      const counts = new Map<string, number>();
      for (const r of s.runs) counts.set(r.cacheByHost?.[h] ?? "unknown", (counts.get(r.cacheByHost?.[h] ?? "unknown") ?? 0) + 1);
      return `${h} ${[...counts].map(([k, n]) => `${k} ${n}/${s.runs.length}`).join(", ")}`;
    }).join("; ");
  }
  const counts = new Map<string, number>();
  for (const r of s.runs) counts.set(r.cache, (counts.get(r.cache) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${k} ${n}/${s.runs.length}`).join(", ");
}

/** Under the table when an end or a daemon is remote: which host timed the runs, and each daemon's part of the memory figure. */
export function remoteLines(s: ScenarioResult): string[] {
  const out: string[] = [];
  const timedBy = [...new Set(s.runs.map((r) => r.timedBy).filter((x): x is string => !!x))];
  if (timedBy.length) out.push(`  · timed on ${timedBy.join(", ")} (the initiating host's meter; ssh dispatch, resets and checks outside the window)`);
  for (const t of s.tools) {
    const runs = s.runs.filter((r) => r.tool === t.tool && r.state === "completed" && r.memoryParts);
    if (runs.length) out.push(`  · ${t.label}: ${daemonMemoryText(runs)}`);
  }
  return out;
}

/** "peak RSS = client + daemon (largest: client …, daemon … on nas: largest process of its tree, …)", or why the daemon's part is missing. */
function daemonMemoryText(runs: RunRecord[]): string {
  const max = (k: "clientBytes" | "daemonBytes") => Math.max(...runs.map((r) => r.memoryParts![k] ?? 0));
  const d = runs[0]!.daemon!;
  const cpu = runs.reduce((a, r) => a + (r.daemon?.cpuUserMs ?? 0) + (r.daemon?.cpuSystemMs ?? 0), 0) / runs.length;
  const cpuText = `daemon CPU ${cpu.toFixed(0)} ms a run`;
  // Results written before daemons ran under a meter: the figure was VmHWM of the daemon's main process only.
  if (!d.memory) return `peak RSS = client + daemon (largest: client ${formatBytes(max("clientBytes"))}, daemon ${formatBytes(max("daemonBytes"))} on ${d.host}: its main process only (VmHWM), one per ${d.per}; ${cpuText})`;
  const unmeasured = runs.find((r) => r.daemon?.peakRssBytes === null);
  if (unmeasured) return `peak RSS = client only; daemon memory on ${d.host}: ${unmeasured.daemon!.memory.how}; ${cpuText}`;
  const source = d.memory.source === "gnu-time" ? "GNU time" : d.memory.source ?? "?";
  const scope = d.per === "run" ? "one daemon per run, its peak over that run" : `one daemon per scenario, one figure over the ${plural(d.memory.runs, "run")} it served${runs.length < d.memory.runs ? " (warmup or failed runs included)" : ""}`;
  return `peak RSS = client + daemon (largest: client ${formatBytes(max("clientBytes"))}, daemon ${formatBytes(max("daemonBytes"))} on ${d.host}: largest process of its tree, by ${source} as its parent there; ${scope}; ${cpuText})`;
}
