// Retention: keep the newest N results files of one host (with their .decision.md companions); delete nothing else.

import fs from "node:fs";
import path from "node:path";
import { BenchError } from "../errors";
import { lstatOrNull, removeInside } from "../safe-fs";
import { listResults } from "./list";

/** `<stem>.decision.md` beside `<stem>.json`. */
export function decisionCompanion(resultsFile: string): string {
  return resultsFile.replace(/\.json$/, "") + ".decision.md";
}

/** `<stem>-diagnose/` beside `<stem>.json` (--diagnose's flame graphs and summaries). */
export function diagnoseCompanion(resultsFile: string): string {
  return resultsFile.replace(/\.json$/, "") + "-diagnose";
}

/**
 * Deletes all but the newest `keep` results files of `hostId` in `resultsDir` (newest by startedAt,
 * as recorded inside the file), plus each deleted file's decision report. A file is only ever
 * deleted after it parsed as a mirrorbench results file whose host.id is `hostId`: other hosts'
 * results in a merged folder, exports, notes and anything unreadable are never touched.
 * Returns the deleted paths.
 */
export function applyRetention(resultsDir: string, hostId: string, keep: number): string[] {
  if (!Number.isInteger(keep) || keep < 1) {
    throw new BenchError(`keep_results must be a whole number ≥ 1, got ${keep}`, { key: "keep_results", hint: "omit it to keep every result" });
  }
  const mine = listResults(resultsDir, { hostId, lean: true }).filter((e) => e.results.host.id === hostId);
  const doomed = mine.slice(0, Math.max(0, mine.length - keep));
  const deleted: string[] = [];
  for (const e of doomed) {
    for (const f of [e.file, decisionCompanion(e.file)]) {
      try {
        fs.unlinkSync(f);
        deleted.push(f);
      } catch (err: any) {
        if (err.code !== "ENOENT") throw new BenchError(`retention: cannot delete ${f}: ${err.code ?? err.message}`);
      }
    }
    // Its diagnosis folder, only when the file says a diagnosis made it, and only a real directory (never through a link).
    const dir = diagnoseCompanion(e.file);
    if (e.results.diagnoses?.length && lstatOrNull(dir)?.isDirectory()) {
      try {
        removeInside(fs.realpathSync(resultsDir), dir);
        deleted.push(dir);
      } catch (err: any) {
        throw new BenchError(`retention: cannot delete ${dir}: ${err.code ?? err.message}`);
      }
    }
  }
  return deleted;
}

export function retentionLines(deleted: readonly string[], keep: number): string[] {
  const n = deleted.filter((f) => f.endsWith(".json")).length;
  return n ? [`Retention: kept the newest ${keep} results of this host, deleted ${n} older (${deleted.map((f) => path.basename(f)).join(", ")})`] : [];
}
