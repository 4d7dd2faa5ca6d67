// What a person sees while datasets are prepared: the old script's "Generating …" lines, then a bar on a terminal or a line at the start and the end.
import fs from "node:fs";
import path from "node:path";
import { DEFAULTS } from "../defaults";
import { oldLines, type Log } from "../log";
import { datasetPaths, specHash } from "../paths";
import { plural, truncateToWidth } from "../text";
import type { ScenarioSpec } from "../types";
import { formatBytes } from "../units";

export interface Progress {
  start(label: string, totalFiles: number, totalBytes: number): void;
  /** Increments since the previous tick (not running totals). */
  tick(files: number, bytes: number): void;
  end(): void;
}

/** On a terminal, one bar redrawn with `\r`, cut to the terminal's width − 1 (a wider line would wrap and leave copies behind); off one, a line at the start and at the end. */
export function consoleProgress(stream: NodeJS.WriteStream | { isTTY?: boolean; columns?: number; write(s: string): any }): Progress {
  let label = "";
  let totalFiles = 0;
  let totalBytes = 0;
  let files = 0;
  let bytes = 0;
  let t0 = 0;
  let lastDrawMs = 0;
  const tty = !!stream.isTTY;
  const draw = (final: boolean) => {
    const elapsedS = (performance.now() - t0) / 1000;
    const frac = totalBytes > 0 ? bytes / totalBytes : totalFiles > 0 ? files / totalFiles : 1;
    const width = 24;
    const filled = Math.min(width, Math.round(frac * width));
    const rate = elapsedS > 0 ? bytes / elapsedS : 0;
    const eta = frac > 0 && !final ? elapsedS * (1 / frac - 1) : 0;
    const bar = "#".repeat(filled) + "-".repeat(width - filled);
    const text = `${label} [${bar}] ${files.toLocaleString("en-US")}/${plural(totalFiles, "file")}, ${formatBytes(bytes)}/${formatBytes(totalBytes)}, ${formatBytes(rate)}/s, ETA ${eta.toFixed(0)}s`;
    const cols = Math.max(10, (stream.columns ?? 80) - 1);
    stream.write(`\r${truncateToWidth(text, cols)}\x1b[K` + (final ? "\n" : ""));
  };
  return {
    start(l, f, b) {
      label = l;
      totalFiles = f;
      totalBytes = b;
      files = 0;
      bytes = 0;
      t0 = performance.now();
      if (tty) draw(false);
      else stream.write(`Generating ${l}: ${plural(f, "file")}, ${(b / 1048576).toFixed(1)} MiB...\n`);
    },
    tick(f, b) {
      files += f;
      bytes += b;
      const now = performance.now();
      if (tty && now - lastDrawMs > 100) {
        lastDrawMs = now;
        draw(false);
      }
    },
    end() {
      const s = (performance.now() - t0) / 1000;
      if (tty) draw(true);
      else stream.write(`Generated ${label}: ${plural(files, "file")}, ${(bytes / 1048576).toFixed(1)} MiB in ${s.toFixed(3)}s\n`);
    },
  };
}

/** Before a scenario's dataset is prepared: the old script's generating lines, or that a cached one is reused. */
export function announce(s: ScenarioSpec, datasetsRoot: string, log: Log): void {
  const p = datasetPaths(datasetsRoot, specHash(s.workload.dataset));
  // The old script's "Generating …" lines only when we will generate; a cached dataset says so instead.
  if (fs.existsSync(p.complete)) {
    log.line(`Reusing cached dataset ${path.basename(p.dir)} (quick check of sizes and mtimes)`);
    return;
  }
  for (const g of s.workload.dataset.groups) {
    const each = g.minBytes === g.maxBytes ? String(g.minBytes) : `${g.minBytes}-${g.maxBytes}`;
    if (g.count === 1) log.line(oldLines.generatingPayload(Math.round(g.minBytes / 1048576)));
    else if (g.maxBytes <= DEFAULTS.smallFileMaxBytes) log.line(oldLines.generatingSmall(g.count, each));
    else log.line(`Generating ${g.count} files (${each} bytes each)...`);
  }
}
