// How runs are made and judged, resolved and cross-checked: settle, durable, gate and gate_on, {state}, the A/A control, the same-work levels, preflight.

import { DEFAULTS } from "../defaults";
import type { GateMethod, GateOn, PreflightSpec, SameWorkSpec, ScenarioSpec, SettleSpec, StateMode, ToolSpec } from "../types";
import { parseDurationMs } from "../units";
import type { Reader } from "./reader";
import type { Path } from "./shape";

/** The options `defaults:` gives every scenario (gateOn: null = chosen per scenario from its tools). */
export interface RunOptionDefaults {
  settle: SettleSpec;
  durable: boolean;
  gate: GateMethod;
  gateOn: GateOn | null;
  state: StateMode;
  sameWork: SameWorkSpec;
}

const builtIn = (): RunOptionDefaults => ({
  settle: { sync: DEFAULTS.settle.sync, wait: null },
  durable: false,
  gate: DEFAULTS.gate,
  gateOn: null,
  state: DEFAULTS.state,
  sameWork: { ...DEFAULTS.sameWork },
});

const fullWait = () => ({ drainMibPerSec: DEFAULTS.settle.drainMibPerSec, quietSamples: DEFAULTS.settle.quietSamples, maxWaitMs: DEFAULTS.settle.maxWaitMs, sampleMs: DEFAULTS.settle.sampleMs });

/** settle: sync | true | false | { sync, drain_mib_s, quiet_samples, max_wait, sample_ms } (a mapping waits). */
export function resolveSettle(r: Reader, p: Path, def: SettleSpec): SettleSpec {
  const v = r.get(p);
  if (v === undefined) return def;
  if (v === "sync") return { sync: true, wait: null };
  if (v === false) return { sync: false, wait: null };
  if (v === true) return { sync: true, wait: fullWait() };
  const w = fullWait();
  return {
    sync: r.bool([...p, "sync"], true),
    wait: {
      drainMibPerSec: r.num([...p, "drain_mib_s"], w.drainMibPerSec),
      quietSamples: r.int([...p, "quiet_samples"], w.quietSamples),
      maxWaitMs: parseDurationMs(r.get([...p, "max_wait"])) ?? w.maxWaitMs,
      sampleMs: r.int([...p, "sample_ms"], w.sampleMs),
    },
  };
}

function resolveSameWork(r: Reader, p: Path, def: SameWorkSpec): SameWorkSpec {
  const v = r.get(p);
  // verify: false checks nothing, so nothing is compared either.
  if (v === false) return { links: false, xattrs: false, sparse: false, owner: false, clone: false };
  if (v === undefined || v === true || v === null) return def;
  const b = (k: keyof SameWorkSpec) => r.bool([...p, k], def[k]);
  return { links: b("links"), xattrs: b("xattrs"), sparse: b("sparse"), owner: b("owner"), clone: b("clone") };
}

/** Scenario options at `p` (a scenario, or `defaults`), over `def`. */
export function resolveRunOptions(r: Reader, p: Path, def: RunOptionDefaults = builtIn()): RunOptionDefaults {
  return {
    settle: resolveSettle(r, [...p, "settle"], def.settle),
    durable: r.bool([...p, "durable"], def.durable),
    gate: (r.get([...p, "gate"]) as GateMethod | undefined) ?? def.gate,
    gateOn: (r.get([...p, "gate_on"]) as GateOn | undefined) ?? def.gateOn,
    state: (r.get([...p, "state"]) as StateMode | undefined) ?? def.state,
    sameWork: resolveSameWork(r, [...p, "verify"], def.sameWork),
  };
}

/** Whether a tool's destination is flushed in this scenario: the scenario says so for all, or the tool for itself. */
export function isDurable(s: Pick<ScenarioSpec, "durable">, tool: Pick<ToolSpec, "durable"> | undefined): boolean {
  return !!s.durable || !!tool?.durable;
}

/** Where a key was set for this scenario: its own entry, else `defaults:`. */
function origin(r: Reader, p: Path, key: string): Path {
  return r.has([...p, key]) ? [...p, key] : ["defaults", key];
}

/**
 * The options of one scenario, cross-checked against its tools and runs: gate: paired needs ≥ 6 rounds for a
 * 95 % sign-test interval; gate_on: durable needs every gated tool durable; control: true needs a baseline. The
 * default gate_on is durable when every gated tool is durable, else returned.
 */
export function scenarioRunOptions(
  r: Reader,
  p: Path,
  def: RunOptionDefaults,
  s: Pick<ScenarioSpec, "runs" | "baseline" | "candidates" | "tools">,
  tools: Record<string, ToolSpec>,
  runsFrom: string | null,
): Required<Pick<ScenarioSpec, "settle" | "durable" | "gate" | "gateOn" | "state" | "control" | "sameWork">> {
  const o = resolveRunOptions(r, p, def);
  if (o.gate === "paired" && s.runs < DEFAULTS.pairedMinRuns) {
    const where = runsFrom ?? (r.has([...p, "runs"]) ? "runs" : r.has(["defaults", "runs"]) ? "defaults.runs" : "the default runs");
    r.fail(origin(r, p, "gate"), `the paired gate needs at least ${DEFAULTS.pairedMinRuns} rounds for a ${DEFAULTS.pairedConfidence * 100} % interval, and ${where} gives ${s.runs}`, `use runs: 10, or gate: bootstrap`);
  }
  const control = r.bool([...p, "control"], false);
  if (control && !s.baseline.length) r.fail([...p, "control"], "needs a baseline: the control runs the baseline against itself", "add baseline: <tool>");
  const gated = s.baseline.length ? [...s.baseline, ...(s.candidates.length ? s.candidates : s.tools.filter((t) => !s.baseline.includes(t)))] : [];
  const notDurable = gated.filter((t) => !isDurable(o, tools[t]));
  if (o.gateOn === "durable" && notDurable.length) {
    r.fail(origin(r, p, "gate_on"), `durable, but ${notDurable.join(", ")} ${notDurable.length === 1 ? "has" : "have"} no durable time`, "add durable: true to the scenario (or to each gated tool), or gate_on: returned");
  }
  const gateOn: GateOn = o.gateOn ?? (gated.length && !notDurable.length ? "durable" : "returned");
  return { settle: o.settle, durable: o.durable, gate: o.gate, gateOn, state: o.state, control, sameWork: o.sameWork };
}

/** preflight: true (default) | false | { max_load, forbid_processes }. */
export function resolvePreflight(r: Reader): PreflightSpec {
  const v = r.get(["preflight"]);
  const off = v === false;
  const map = v !== null && typeof v === "object";
  return {
    enabled: !off,
    maxLoad: map && r.has(["preflight", "max_load"]) ? r.num(["preflight", "max_load"], 0) : null,
    forbidProcesses: map && r.has(["preflight", "forbid_processes"]) ? ((r.get(["preflight", "forbid_processes"]) as unknown[]) ?? []).map(String) : [...DEFAULTS.preflight.forbidProcesses],
  };
}
