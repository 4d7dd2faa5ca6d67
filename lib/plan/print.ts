// The dry run's text: every scenario's gate and runs (argv, destination, cache policy), from the plan alone.

import { workloadBounds, type WorkloadBounds } from "../config/limits";
import { plural } from "../text";
import type { ResolvedConfig, ScenarioPlan } from "../types";
import { formatBytes } from "../units";

/** "settle: sync + wait < 2 MiB/s ×3 (max 30 s); time: returned; gate: bootstrap on returned; control: rsync (A/A)". */
export function runOptionsLine(sp: ScenarioPlan): string {
  const s = sp.scenario;
  const st = s.settle ?? { sync: true, wait: null };
  const settle = !st.sync && !st.wait ? "off" : [st.sync ? "sync" : "", st.wait ? `wait < ${st.wait.drainMibPerSec} MiB/s ×${st.wait.quietSamples} (every ${st.wait.sampleMs} ms, max ${st.wait.maxWaitMs / 1000} s)` : ""].filter(Boolean).join(" + ");
  const durable = sp.runs.filter((r) => r.durable).map((r) => r.label);
  const time = durable.length ? `returned, and durable (+ flush of dst) for ${[...new Set(durable)].join(", ")}` : "returned";
  const gate = s.baseline.length ? `; gate: ${s.gate ?? "bootstrap"} on ${s.gateOn ?? "returned"}` : "";
  const control = sp.runs.find((r) => r.control);
  return `settle: ${settle}; time: ${time}${gate}${control ? `; control: ${control.label}` : ""}`;
}

const n = (x: number) => x.toLocaleString("en-US");
const bytesRange = (b: WorkloadBounds) => (b.minBytes === b.maxBytes ? formatBytes(b.minBytes) : `${formatBytes(b.minBytes)}..${formatBytes(b.maxBytes)}`);

/** A workload's size by arithmetic on the spec (counts × sizes): what it needs before anything is generated. */
function sizeLine(b: WorkloadBounds, copies: number): string {
  return `   source: ${n(b.files)} files, ${n(b.entries)} entries, ${bytesRange(b)}; on disk at least ${formatBytes(b.minDiskBytes)} and ${n(b.inodes)} inodes, each of ${copies} destination(s) as much again\n`;
}

/** A scenario's remote ends and daemons, once each: where they live, how a daemon starts and when it is ready. */
function remoteLines(sp: ScenarioPlan): string[] {
  const s = sp.scenario;
  const out: string[] = [];
  if (s.sourceHost) out.push(`source on host ${s.sourceHost}: generated there by its agent (same seed), manifest hashes compared; cache dropped on both ends`);
  if (s.destinationHost) out.push(`destination on host ${s.destinationHost}: reset and verified there by its agent (manifest hash); cache dropped on both ends`);
  const seen = new Set<string>();
  for (const r of sp.runs) {
    if (!r.daemon || seen.has(r.tool)) continue;
    seen.add(r.tool);
    const d = r.daemon;
    out.push(`daemon of ${r.label} on host ${d.host}, one per ${d.per}, ready at ${"tcp" in d.ready ? `tcp ${d.ready.tcp}` : `log /${d.ready.log}/`}: ${JSON.stringify(d.argv)}${Object.keys(d.env).length ? ` env ${JSON.stringify(d.env)}` : ""} ({state}: a fresh state dir on the host)`);
  }
  return out;
}

/** What --dry-run prints: nothing is generated or spawned to write it. */
export function planText(plans: ScenarioPlan[], config: ResolvedConfig): string {
  const out: string[] = [];
  out.push(`Plan for ${config.file}\nWorkspace: ${config.workspace} (will be ${config.keepWorkspace ? "preserved" : "removed"} on exit)\n`);
  let total = 0;
  const sum: WorkloadBounds = { files: 0, entries: 0, inodes: 0, minBytes: 0, maxBytes: 0, minDiskBytes: 0 };
  for (const sp of plans) {
    const s = sp.scenario;
    const d = s.workload.dataset;
    const groups = d.groups.map((g) => `${g.count} × ${g.minBytes === g.maxBytes ? formatBytes(g.minBytes) : `${formatBytes(g.minBytes)}..${formatBytes(g.maxBytes)}`} (${g.content})`).join(" + ");
    out.push(`\n== ${s.name}  [${s.workload.kind}; ${groups}; seed ${d.seed}; cache ${s.cache}; verify ${s.verify.enabled ? "on" : "off"}; timeout ${s.timeoutMs / 1000}s]\n`);
    const b = workloadBounds(s.workload);
    for (const k of Object.keys(sum) as (keyof WorkloadBounds)[]) sum[k] += b[k];
    out.push(sizeLine(b, new Set(sp.runs.map((r) => r.dst)).size));
    if (sp.baseline || s.baseline.length) out.push(`   gate: baseline ${sp.baseline ?? `(none available of ${s.baseline.join(", ")})`}; candidates ${sp.candidates.join(", ") || "-"}; max_time_ratio ${s.thresholds.maxTimeRatio}, max_memory_ratio ${s.thresholds.maxMemoryRatio}\n`);
    out.push(`   ${runOptionsLine(sp)}\n`);
    for (const sk of sp.skipped) out.push(`   skipped ${sk.tool}: ${sk.reason}\n`);
    for (const l of remoteLines(sp)) out.push(`   ${l}\n`);
    for (const r of sp.runs) {
      const extra = [r.durable ? "durable" : "", r.stateDir ? `state=${r.stateDir} (${r.stateMode})` : "", r.stats ? `stats=${r.stats}` : ""].filter(Boolean).join("  ");
      out.push(`   ${r.phase === "warmup" ? "warmup  " : `round ${String(r.round).padStart(2)}`} ${r.label.padEnd(10)} ${r.index}/${r.total}  cache=${r.cache}  dst=${r.dst}${extra ? `  ${extra}` : ""}\n             argv: ${JSON.stringify(r.argv)}\n`);
    }
    total += sp.runs.length;
  }
  out.push(`\n${plural(plans.length, "scenario")}, ${plural(total, "run")}; sources ${plural(sum.files, "file")}, ${bytesRange(sum)} (counted from the spec, not listed). Nothing was generated or spawned.\n`);
  return out.join("");
}
