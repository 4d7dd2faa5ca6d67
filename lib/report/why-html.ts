// The HTML report's "Why" block per diagnosed pair: what was found, memory growth, and links to the flame graphs.

import { formatSecondsShort } from "../diagnose/format";
import { instrumentLines } from "../diagnose/instruments";
import { scalingLine } from "../diagnose/memory-scaling";
import type { ScenarioDiagnosis, ToolDiagnosis } from "../diagnose/types";
import { esc } from "./svg";

const TRIGGER = { "gate-failed": "the gate failed", "gate-undecided": "the gate could not decide", all: "of --diagnose all" } as const;

function flameLink(t: ToolDiagnosis, href: (p: string) => string): string {
  const f = t.flameGraph;
  if (f.state !== "completed") return `${esc(t.label)}: no flame graph (${esc(f.reason)})`;
  const speedscope = f.value.speedscope ? ` · <a href="${esc(href(f.value.speedscope))}">speedscope</a>` : "";
  return `<a href="${esc(href(f.value.svg))}">${esc(t.label)}</a> (${f.value.samples.toLocaleString("en-US")} samples)${speedscope}`;
}

/** One block per diagnosis of `scenario`; `href` turns a stored path (relative to the results file) into a link from the page. */
export function whyBlocks(diagnoses: readonly ScenarioDiagnosis[], scenario: string, href: (p: string) => string): string[] {
  return diagnoses.filter((d) => d.scenario === scenario).map((d) => {
    const c = d.candidate, b = d.baseline;
    const out = [`<div class="why"><h4>Why: ${esc(c.label)} vs ${esc(b.label)}</h4>`];
    out.push(`<p class="meta">Diagnosed because ${TRIGGER[d.trigger]}${d.gateReasons.length ? ` (${esc(d.gateReasons.join("; "))})` : ""}: one extra run of each tool per instrument (strace, perf stat, perf record) after the measured runs, outside the statistics; cache ${esc(d.cache)}; took ${esc(formatSecondsShort(d.elapsedNs / 1e9))}. The decision report has the syscall, I/O-size and counter tables.</p>`);
    const items: string[] = [];
    if (d.diff.state === "completed") items.push(...d.diff.value.findings.map((f) => `<li>${esc(f)}</li>`));
    else items.push(`<li>system calls: ${esc(d.diff.state)}: ${esc(d.diff.reason)}</li>`);
    if (d.memory.state === "completed") items.push(...d.memory.value.map((f) => `<li>memory: ${esc(scalingLine(f))}</li>`));
    else if (d.memory.state === "failed") items.push(`<li>memory growth: failed: ${esc(d.memory.reason)}</li>`);
    if (items.length) out.push(`<ul class="findings">${items.join("")}</ul>`);
    out.push(`<p>Flame graphs (perf record -g; open in a browser, hover a frame for its share): ${flameLink(c, href)} · ${flameLink(b, href)}</p>`);
    const missing = instrumentLines(d.instruments.filter((i) => i.state !== "available"));
    if (missing.length) out.push(`<p class="meta">Not used: ${missing.map(esc).join("; ")}</p>`);
    out.push(`</div>`);
    return out.join("");
  });
}
