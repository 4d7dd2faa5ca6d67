// Live progress on a terminal: which run, which step, for how long, what the destination's file system gained, and "scenario s/S, run k/N, ETA" — one redrawn line on stderr.

import fs from "node:fs";
import path from "node:path";
import { DEFAULTS } from "../defaults";
import { loadResults } from "../results/load";
import type { RunEvent, RunStep } from "../run/execute";
import { displayWidth, truncateToWidth } from "../text";
import type { PlannedRun, ScenarioPlan } from "../types";
import { formatBytes } from "../units";
import type { StatusLine } from "./status-line";

/** "4.2 s" under a minute, then "1:05", "1:02:03". */
export function clockText(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const whole = Math.round(s);
  const [h, m, sec] = [Math.floor(whole / 3600), Math.floor((whole % 3600) / 60), whole % 60];
  const two = (n: number) => String(n).padStart(2, "0");
  return h ? `${h}:${two(m)}:${two(sec)}` : `${m}:${two(sec)}`;
}

/** A piece of the line; when the terminal is too narrow, pieces go lowest priority first, then the rest is cut. */
export interface Piece {
  text: string;
  priority: number;
}

export function fitPieces(pieces: readonly Piece[], width: number, sep = " · "): string {
  let kept = pieces.filter((p) => p.text);
  const join = () => kept.map((p) => p.text).join(sep);
  while (kept.length > 1 && displayWidth(join()) > width) {
    const lowest = Math.min(...kept.map((p) => p.priority));
    const i = kept.findLastIndex((p) => p.priority === lowest);
    kept = kept.filter((_, j) => j !== i);
  }
  return truncateToWidth(join(), width);
}

/**
 * Time left: each remaining run's expected slot (the mean of that tool's slots in that scenario so far,
 * else the same from this host's previous results); `partial` when some runs have neither.
 */
export function etaMs(remaining: readonly { key: string; elapsedMs?: number }[], estimateMs: (key: string) => number | undefined): { ms: number; partial: boolean } | null {
  let ms = 0;
  let known = 0;
  for (const r of remaining) {
    const e = estimateMs(r.key);
    if (e === undefined) continue;
    ms += Math.max(0, e - (r.elapsedMs ?? 0));
    known++;
  }
  if (!known) return null;
  return { ms, partial: known < remaining.length };
}

/** Used bytes and inodes of a file system (statfs: one system call, whatever the number of files). */
export interface FsUsage {
  usedBytes: number;
  usedInodes: number;
}

export function fsUsage(dir: string): FsUsage | null {
  try {
    const s = fs.statfsSync(dir);
    return { usedBytes: (s.blocks - s.bfree) * s.bsize, usedInodes: s.files - s.ffree };
  } catch {
    return null;
  }
}

/**
 * Mean slot time (harness steps and tool, ms) per scenario and tool in this host's newest results file,
 * for an ETA before a tool's first run of this invocation. Only that one file is read.
 */
export function priorSlotsMs(resultsDir: string, hostId: string): Map<string, number> {
  const out = new Map<string, number>();
  let names: string[];
  try {
    names = fs.readdirSync(resultsDir).filter((n) => n.endsWith(`_${hostId}.json`)).sort();
  } catch {
    return out;
  }
  const newest = names.at(-1);
  if (!newest) return out;
  try {
    const sums = new Map<string, number[]>();
    for (const s of loadResults(path.join(resultsDir, newest)).scenarios) {
      for (const r of s.runs) if ((r.slotNs ?? 0) > 0) sums.set(keyOf(r), [...(sums.get(keyOf(r)) ?? []), r.slotNs! / 1e6]);
    }
    for (const [k, xs] of sums) out.set(k, xs.reduce((a, b) => a + b, 0) / xs.length);
  } catch {
    /* an unreadable file only means no estimate */
  }
  return out;
}

const STEP_WORDS: Record<RunStep, string> = { reset: "resetting the destination", cache: "dropping caches", settle: "settling the disks", tool: "running", check: "checking source and destination", verify: "verifying the copy", inspect: "checking it did the same work" };

const keyOf = (r: { scenario: string; tool: string }) => `${r.scenario}\0${r.tool}`;

export interface LiveOptions {
  status: StatusLine;
  plans: readonly ScenarioPlan[];
  /** Mean slot time per scenario and tool from this host's previous results (keyed scenario\0tool). */
  prior?: ReadonlyMap<string, number>;
  now?: () => number;
  usage?: (dir: string) => FsUsage | null;
}

/** Follows executeScenario's events and keeps the status line current, redrawn on a timer while a step runs. */
export class LiveProgress {
  private readonly now: () => number;
  private readonly usage: (dir: string) => FsUsage | null;
  private scenarioIndex = 0;
  private run: PlannedRun | null = null;
  private step: RunStep | null = null;
  private stepAt = 0;
  private runAt = 0;
  private base: FsUsage | null = null;
  private readonly ended = new Set<PlannedRun>();
  private readonly slotsMs = new Map<string, number[]>();
  private timer: Timer | null = null;
  private readonly total: number;

  constructor(private readonly o: LiveOptions) {
    this.now = o.now ?? (() => performance.now());
    this.usage = o.usage ?? fsUsage;
    this.total = o.plans.reduce((n, sp) => n + sp.runs.length, 0);
  }

  /** A scenario begins: its dataset may be generated first, and that has its own bar. */
  scenario(index: number): void {
    this.scenarioIndex = index;
    this.stopTimer();
    this.o.status.pause();
  }

  onEvent(e: RunEvent): void {
    if (!this.o.status.enabled) return;
    const t = this.now();
    if (e.kind === "run-start") {
      this.o.status.resume();
      this.run = e.run;
      this.runAt = t;
      this.step = null;
      this.startTimer();
    } else if (e.kind === "step") {
      this.step = e.step;
      this.stepAt = t;
      this.base = e.step === "tool" ? this.usage(e.run.dst) : null;
    } else {
      this.ended.add(e.run);
      const k = keyOf(e.run);
      this.slotsMs.set(k, [...(this.slotsMs.get(k) ?? []), t - this.runAt]);
      this.run = null;
      this.step = null;
    }
    this.redraw();
  }

  /** The line as it stands now, fitted to `width`. */
  text(width: number): string {
    const r = this.run;
    if (!r) return "";
    const t = this.now();
    const pieces: Piece[] = [{ text: `[${r.label}] ${r.phase} ${r.index}/${r.total}`, priority: 9 }];
    if (this.step) {
      const word = this.step === "reset" && this.restores() ? "restoring the base mirror" : STEP_WORDS[this.step];
      pieces.push({ text: `${word} ${clockText(t - this.stepAt)}`, priority: 8 });
    }
    if (this.step === "tool" && this.base) {
      const now = this.usage(r.dst);
      const grew = now ? now.usedBytes - this.base.usedBytes : 0;
      const files = now ? now.usedInodes - this.base.usedInodes : 0;
      const secs = (t - this.stepAt) / 1000;
      if (grew > 0) pieces.push({ text: `dst fs +${formatBytes(grew)}${secs > 0.5 ? ` (${formatBytes(grew / secs)}/s)` : ""}${files > 0 ? `, +${files.toLocaleString("en-US")} inodes` : ""}`, priority: 3 });
    }
    const sp = this.o.plans[this.scenarioIndex];
    const done = this.ended.size;
    pieces.push({ text: `scenario ${this.scenarioIndex + 1}/${this.o.plans.length}${sp ? ` ${sp.scenario.name}` : ""}`, priority: 4 });
    pieces.push({ text: `run ${Math.min(done + 1, this.total)}/${this.total}`, priority: 7 });
    const eta = this.eta(t);
    if (eta) pieces.push({ text: `ETA ${eta.partial ? "> " : ""}${clockText(eta.ms)}`, priority: 6 });
    return fitPieces(pieces, width);
  }

  /** Stops the timer and erases the line (the end of a scenario's runs, or of the run). */
  stop(): void {
    this.stopTimer();
    this.o.status.done();
  }

  private restores(): boolean {
    const kind = this.o.plans[this.scenarioIndex]?.scenario.workload.kind;
    return kind === "incremental" || kind === "resync";
  }

  private eta(t: number): { ms: number; partial: boolean } | null {
    const remaining = this.o.plans.flatMap((sp) => sp.runs.filter((r) => !this.ended.has(r)).map((r) => ({ key: keyOf(r), elapsedMs: r === this.run ? t - this.runAt : 0 })));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    return etaMs(remaining, (k) => {
      const own = this.slotsMs.get(k);
      return own?.length ? mean(own) : this.o.prior?.get(k);
    });
  }

  private redraw(): void {
    const s = this.o.status;
    if (this.run) s.show(this.text(s.width()));
  }

  private startTimer(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.redraw(), DEFAULTS.progressRedrawMs);
    this.timer.unref?.();
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
