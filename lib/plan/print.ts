// The dry run's text: every scenario's gate and runs (argv, destination, cache policy), from the plan alone.

import { plural } from "../text";
import type { ResolvedConfig, ScenarioPlan } from "../types";
import { formatBytes } from "../units";

/** What --dry-run prints: nothing is generated or spawned to write it. */
export function planText(plans: ScenarioPlan[], config: ResolvedConfig): string {
  const out: string[] = [];
  out.push(`Plan for ${config.file}\nWorkspace: ${config.workspace} (will be ${config.keepWorkspace ? "preserved" : "removed"} on exit)\n`);
  let total = 0;
  for (const sp of plans) {
    const s = sp.scenario;
    const d = s.workload.dataset;
    const groups = d.groups.map((g) => `${g.count} × ${g.minBytes === g.maxBytes ? formatBytes(g.minBytes) : `${formatBytes(g.minBytes)}..${formatBytes(g.maxBytes)}`} (${g.content})`).join(" + ");
    out.push(`\n== ${s.name}  [${s.workload.kind}; ${groups}; seed ${d.seed}; cache ${s.cache}; verify ${s.verify.enabled ? "on" : "off"}; timeout ${s.timeoutMs / 1000}s]\n`);
    if (sp.baseline || s.baseline.length) out.push(`   gate: baseline ${sp.baseline ?? `(none available of ${s.baseline.join(", ")})`}; candidates ${sp.candidates.join(", ") || "-"}; max_time_ratio ${s.thresholds.maxTimeRatio}, max_memory_ratio ${s.thresholds.maxMemoryRatio}\n`);
    for (const sk of sp.skipped) out.push(`   skipped ${sk.tool}: ${sk.reason}\n`);
    for (const r of sp.runs) {
      out.push(`   ${r.phase === "warmup" ? "warmup  " : `round ${String(r.round).padStart(2)}`} ${r.label.padEnd(10)} ${r.index}/${r.total}  cache=${r.cache}  dst=${r.dst}\n             argv: ${JSON.stringify(r.argv)}\n`);
    }
    total += sp.runs.length;
  }
  out.push(`\n${plural(plans.length, "scenario")}, ${plural(total, "run")}. Nothing was generated or spawned.\n`);
  return out.join("");
}
