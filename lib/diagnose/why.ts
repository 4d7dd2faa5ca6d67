// The decision document's "Why" section: Markdown lines from diagnosis records, nothing measured or read here.

import path from "node:path";
import { formatCount, formatRate, formatSecondsShort, formatSize } from "./format";
import { instrumentLines } from "./instruments";
import { counter, formatCounter, PERF_STAT_EVENTS } from "./perf";
import { scalingLine } from "./memory-scaling";
import type { FlameGraphFiles, Part, PerfStat, ScenarioDiagnosis, SyscallDiff, ToolDiagnosis } from "./types";

/** Syscall rows shown per scenario; the full list stays in the diagnosis JSON. */
export const WHY_MAX_ROWS = 12;

export interface WhyOptions {
  /** Directory of the document the lines go into: flame graph links are made relative to it. */
  documentDir?: string;
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
const row = (cells: string[]) => `| ${cells.map(cell).join(" | ")} |`;
const pair = (a: string, b: string) => `${a} / ${b}`;

function notDone(what: string, p: Part<unknown>): string | null {
  if (p.state === "failed") return `${what}: failed: ${p.reason}`;
  if (p.state === "skipped") return `${what}: not run: ${p.reason}${p.fix ? `; fix: ${p.fix}` : ""}`;
  return null;
}

function syscallLines(d: SyscallDiff): string[] {
  const c = d.candidate, b = d.baseline;
  const mib = d.workload.bytes / (1024 * 1024);
  const out = [
    "",
    `**System calls** (strace -f -c -w, one run each; per file = calls / ${formatCount(d.workload.files)} files, ` +
      `per MiB = calls / ${mib.toFixed(1)} MiB copied; time = ${d.timeKind === "wall" ? "syscall latency" : "system time"} under strace, ` +
      `inflated by tracing: compare, do not quote)`,
    "",
    row(["syscall", `calls ${c} / ${b}`, "per file", "per MiB", "failed", "time"]),
    row(["---", "---:", "---:", "---:", "---:", "---:"]),
  ];
  const line = (name: string, x: SyscallDiff["totals"]["candidate"], y: SyscallDiff["totals"]["baseline"]) =>
    row([
      name,
      pair(formatCount(x.calls), formatCount(y.calls)),
      pair(formatRate(x.perFile), formatRate(y.perFile)),
      pair(formatRate(x.perMiB), formatRate(y.perMiB)),
      pair(formatCount(x.errors), formatCount(y.errors)),
      pair(formatSecondsShort(x.seconds), formatSecondsShort(y.seconds)),
    ]);
  for (const r of d.rows.slice(0, WHY_MAX_ROWS)) out.push(line(r.name, r.candidate, r.baseline));
  if (d.rows.length > WHY_MAX_ROWS) out.push(row([`… ${d.rows.length - WHY_MAX_ROWS} more that differ`, "", "", "", "", ""]));
  out.push(line("**total**", d.totals.candidate, d.totals.baseline));

  if (d.ioSizes.length) {
    out.push(
      "",
      `**I/O sizes** (strace -f -y over the read/write/zero-copy syscalls; bytes = their return values; average over calls that moved data)`,
      "",
      row(["family", "on", `calls ${c} / ${b}`, `bytes ${c} / ${b}`, "average size"]),
      row(["---", "---", "---:", "---:", "---:"]),
    );
    for (const s of d.ioSizes) {
      out.push(row([
        s.family, s.target,
        pair(formatCount(s.candidate.calls), formatCount(s.baseline.calls)),
        pair(formatSize(s.candidate.bytes), formatSize(s.baseline.bytes)),
        pair(formatSize(s.candidate.avgBytes), formatSize(s.baseline.avgBytes)),
      ]));
    }
  }
  out.push("", `**Zero-copy** (calls, of which failed, and bytes moved; FICLONE clones a whole file and reports no bytes)`, "");
  out.push(row(["call", c, b]), row(["---", "---:", "---:"]));
  for (const z of d.zeroCopy) {
    const side = (s: typeof z.candidate) =>
      `${formatCount(s.calls)}${s.failed ? ` (${formatCount(s.failed)} failed)` : ""}${s.bytes ? `, ${formatSize(s.bytes)}` : ""}`;
    out.push(row([z.call, side(z.candidate), side(z.baseline)]));
  }
  return out;
}

function perfLines(c: ToolDiagnosis, b: ToolDiagnosis): string[] {
  if (c.perfStat.state !== "completed" && b.perfStat.state !== "completed") {
    return ["", `**CPU and scheduling**: ${notDone("perf stat", c.perfStat) ?? notDone("perf stat", b.perfStat)}`];
  }
  const get = (p: Part<PerfStat>, ev: string) =>
    p.state === "completed" ? formatCounter(counter(p.value, ev)) : p.state === "failed" ? "failed" : "not run";
  const out = [
    "",
    "**CPU and scheduling** (perf stat -x, over the tool and its children, one run each, not under strace)",
    "",
    row(["counter", c.label, b.label]),
    row(["---", "---:", "---:"]),
  ];
  for (const ev of PERF_STAT_EVENTS) out.push(row([ev, get(c.perfStat, ev), get(b.perfStat, ev)]));
  for (const t of [c, b]) {
    const why = notDone(`perf stat of ${t.label}`, t.perfStat);
    if (why) out.push("", `- ${why}`);
  }
  return out;
}

function flameLines(tools: ToolDiagnosis[], o: WhyOptions): string[] {
  const rel = (p: string) => (o.documentDir ? path.relative(o.documentDir, p) : p).split(path.sep).join("/");
  const link = (t: ToolDiagnosis, f: FlameGraphFiles) =>
    `- ${t.label}: [flame graph](${rel(f.svg)}) (${formatCount(f.samples)} samples)` +
    (f.speedscope ? ` · [speedscope profile](${rel(f.speedscope)})` : "");
  const out = ["", "**Profiles** (perf record -g, one run each; open the SVG in a browser, hover a frame for its share)", ""];
  for (const t of tools) {
    out.push(t.flameGraph.state === "completed" ? link(t, t.flameGraph.value) : `- ${notDone(t.label, t.flameGraph)}`);
  }
  return out;
}

/** One scenario's part of the Why section. */
export function renderWhy(d: ScenarioDiagnosis, o: WhyOptions = {}): string[] {
  const c = d.candidate, b = d.baseline;
  const trigger = { "gate-failed": "the gate failed", "gate-undecided": "the gate could not decide", all: "of --diagnose all" }[d.trigger];
  const out = [
    `### Why: ${d.scenario}`,
    "",
    `Diagnosed because ${trigger}${d.gateReasons.length ? ` (${d.gateReasons.join("; ")})` : ""}. ` +
      `${c.label} against ${b.label}, one extra run of each per instrument after the measured runs, outside the statistics, ` +
      `on the same source (${formatCount(d.workload.files)} files, ${formatSize(d.workload.bytes)}), cache: ${d.cache}. ` +
      `The instruments slow the tools down: nothing here is a timing figure. The diagnosis took ${formatSecondsShort(d.elapsedNs / 1e9)}.`,
  ];
  if (d.diff.state === "completed" && d.diff.value.findings.length) {
    out.push("", "**What stands out**", "", ...d.diff.value.findings.map((f) => `- ${f}`));
  }
  if (d.diff.state === "completed") out.push(...syscallLines(d.diff.value));
  else out.push("", `**System calls**: ${notDone("strace", d.diff)}`);
  out.push(...perfLines(c, b));
  out.push(...flameLines([c, b], o));
  if (d.memory.state === "completed") {
    const counts = [...new Set(d.memory.value.flatMap((f) => f.points.map((p) => p.files)))].sort((x, y) => x - y);
    out.push(
      "",
      `**Memory growth** (peak RSS of each tool at ${counts.map(formatCount).join(" / ")} files; least-squares fixed part + bytes per file)`,
      "",
      ...d.memory.value.map((f) => `- ${scalingLine(f)}`),
    );
  } else if (d.memory.state === "failed") {
    out.push("", `**Memory growth**: ${notDone("memory scaling", d.memory)}`);
  }
  const missing = d.instruments.filter((i) => i.state !== "available");
  if (missing.length) out.push("", "**Instruments not used**", "", ...instrumentLines(missing).map((l) => `- ${l}`));
  return out;
}

/** The whole "## Why" section for a decision document; no lines when nothing was diagnosed. */
export function renderWhySection(diagnoses: ScenarioDiagnosis[], o: WhyOptions = {}): string[] {
  if (!diagnoses.length) return [];
  const out = ["## Why", ""];
  for (const d of diagnoses) out.push(...renderWhy(d, o), "");
  return out;
}

/**
 * The console's lines for one diagnosed pair: what was compared and what it cost, the first findings, memory growth,
 * and where the flame graphs are (`outDir` as the reader should see it).
 */
export function whyConsoleLines(d: ScenarioDiagnosis, outDir: string, maxFindings: number): string[] {
  const c = d.candidate, b = d.baseline;
  const findings = d.diff.state === "completed" ? d.diff.value.findings : [];
  const out = [
    `Diagnosis [${d.scenario}] ${c.label} vs ${b.label} (one run of each per instrument, outside the statistics; took ${formatSecondsShort(d.elapsedNs / 1e9)}): ` +
      `${findings.length === 1 ? "1 finding" : `${formatCount(findings.length)} findings`}${findings.length > maxFindings ? `, the first ${maxFindings}` : ""}`,
  ];
  for (const f of findings.slice(0, maxFindings)) out.push(`  - ${f}`);
  if (d.diff.state !== "completed") out.push(`  - system calls: ${notDone("strace", d.diff)!.replace(/^strace: /, "")}`);
  else if (!findings.length) out.push("  - the two tools' system calls do not differ enough to name");
  if (d.memory.state === "completed") out.push(...d.memory.value.map((f) => `  - memory: ${scalingLine(f)}`));
  else if (d.memory.state === "failed") out.push(`  - memory growth: failed: ${d.memory.reason}`);
  const graphs = [c, b].filter((t) => t.flameGraph.state === "completed");
  if (graphs.length) out.push(`  Flame graphs: ${outDir}${outDir.endsWith("/") ? "" : "/"} (${graphs.map((t) => path.basename((t.flameGraph as { value: FlameGraphFiles }).value.svg)).join(", ")})`);
  else out.push(`  Flame graphs: none: ${notDone("perf record", c.flameGraph)?.replace(/^perf record: /, "") ?? "not made"}`);
  return out;
}
