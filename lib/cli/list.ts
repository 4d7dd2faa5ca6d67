// What a run would do, without doing it: `--list` (tools found here, with versions, and the scenarios) and `--dry-run` (the whole plan).

import type { CliIO } from "../io";
import { sourcePaths, workspacePaths } from "../paths";
import type { Platform } from "../platform/index";
import { buildPlan, type HostValues } from "../plan/plan";
import { invocationId } from "../plan/run-values";
import { planText } from "../plan/print";
import { LocalExecutor } from "../run/spawn";
import { probeVersions, resolveTools } from "../run/tools";
import { plural } from "../text";
import type { ResolvedConfig } from "../types";
import type { CliOptions } from "./args";
import { keepWarnings, undecidedWarnings } from "./preflight";

export async function listScenarios(config: ResolvedConfig, io: CliIO, platform: Platform): Promise<void> {
  const avail = resolveTools(config.tools, platform.name);
  const executor = new LocalExecutor(platform);
  try {
    await probeVersions(config.tools, avail, executor);
  } finally {
    executor.close();
  }
  io.out(`Config: ${config.file}\n\nTools:\n`);
  for (const [id, a] of Object.entries(avail)) {
    io.out(`  ${a.available ? "✓" : "✗"} ${id.padEnd(12)} ${a.available ? `${a.path}${a.version ? `  (${a.version})` : ""}` : `unavailable: ${a.reason}`}\n`);
  }
  io.out(`\nScenarios:\n`);
  for (const s of config.scenarios) {
    const tools = s.tools.map((t) => (avail[t]!.available ? t : `${t} (missing)`)).join(", ");
    const gate = s.baseline.length ? `baseline ${s.baseline.join(" → ")}${s.candidates.length ? `, candidate ${s.candidates.join(", ")}` : ""}` : "no gate";
    io.out(`  ${s.name}: ${s.workload.kind}, ${plural(s.runs, "run")} + ${s.warmup} warmup, cache ${s.cache}; tools: ${tools}; ${gate}\n`);
  }
}

/** Every run of every scenario (argv, destination, cache policy), each source at its exact path: nothing generated or spawned. Then what the run would warn about first. */
export function dryRun(config: ResolvedConfig, io: CliIO, platform: Platform, opts: Pick<CliOptions, "only" | "overrides" | "failOnRegression">, hostValues: HostValues = {}): void {
  const keep = keepWarnings(config, opts);
  const datasets = workspacePaths(config.workspace).datasets;
  const plan = buildPlan(config, resolveTools(config.tools, platform.name), (s) => sourcePaths(s.workload, datasets).srcDir, opts.only, platform.shell, invocationId(), hostValues);
  io.out(planText(plan.scenarios, config));
  for (const l of [...undecidedWarnings(plan.scenarios, config), ...keep]) io.err(l + "\n");
}
