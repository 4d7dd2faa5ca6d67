// The history on disk: the results files of a folder (per host, oldest first), and what `latest` / `previous` name.

import fs from "node:fs";
import path from "node:path";
import { BenchError } from "../errors";
import type { ResultsFile } from "../results/file";
import { loadResults } from "../results/load";

/** resultsPath() names: <YYYYMMDDTHHMMSS[.mmm]Z>_<host id>.json (older files lack the milliseconds). */
const RESULTS_NAME = /^(\d{8}T\d{6}(?:\.\d{3})?Z)_(.+)\.json$/;

export interface StoredResults {
  file: string;
  results: ResultsFile;
}

/**
 * Every readable results file directly in `dir`, oldest first (by startedAt, then name). Files
 * that are not results (exports, notes, a newer schema) are skipped, never an error: a results
 * folder is shared with other things. With hostId, files whose name says another host are not
 * even opened, and the content's host.id decides for the rest (names can be renamed, content not).
 */
export function listResults(dir: string, opts: { hostId?: string; lean?: boolean } = {}): StoredResults[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e: any) {
    if (e.code === "ENOENT") return [];
    throw new BenchError(`cannot read results folder ${dir}: ${e.code ?? e.message}`);
  }
  const out: StoredResults[] = [];
  for (const name of names) {
    if (!name.endsWith(".json")) continue;
    const m = RESULTS_NAME.exec(name);
    if (opts.hostId && m && m[2] !== opts.hostId) continue;
    const file = path.join(dir, name);
    try {
      if (!fs.statSync(file).isFile()) continue;
      const results = loadResults(file);
      if (opts.hostId && results.host.id !== opts.hostId) continue;
      out.push({ file, results: opts.lean ? lean(results) : results });
    } catch {
      /* not ours or unreadable: history simply does not include it */
    }
  }
  return out.sort((a, b) => cmp(a.results.startedAt, b.results.startedAt) || cmp(path.basename(a.file), path.basename(b.file)));
}

/**
 * What history needs of an earlier results file: its head and each tool's statistics. The runs (every
 * sample, a thousand records for a long nightly) are dropped once parsed wherever every completed tool
 * has its mean, so a long history holds means, not runs; a file without stats keeps its runs.
 */
function lean(r: ResultsFile): ResultsFile {
  const scenarios = r.scenarios.map((s) => {
    const meansKnown = s.tools.every((t) => t.state !== "completed" || t.stats?.time?.meanNs !== undefined);
    return meansKnown ? { ...s, runs: [] } : s;
  });
  return { ...r, scenarios };
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The name a result's host goes by across hosts: the fleet's name for it (hosts.<name> of the config that started the
 * fleet), else its host id. Two hosts: names for one machine stay apart this way; a by-hand run on a fleet host is
 * its own column under the host id.
 */
export function hostKey(r: ResultsFile): string {
  return r.fleet?.host ?? r.host.id;
}

/** The newest results file of every host in `dir` (see hostKey), in host order; `only` keeps the hosts named. */
export function latestPerHost(dir: string, only?: string[]): StoredResults[] {
  const latest = new Map<string, StoredResults>();
  // listResults is oldest first, so the last one seen per host is its newest.
  for (const e of listResults(dir)) latest.set(hostKey(e.results), e);
  const keys = [...latest.keys()].sort(cmp);
  if (only) {
    const missing = only.filter((k) => !latest.has(k));
    if (missing.length) throw new BenchError(`no results of host ${missing.join(", ")} in ${dir}`, { key: "--hosts", hint: `hosts with results: ${keys.join(", ") || "none"}` });
    return only.map((k) => latest.get(k)!);
  }
  return keys.map((k) => latest.get(k)!);
}

/**
 * `latest` = the newest results file of any host; `previous` = the newest one before it from the
 * same host as latest (comparing two machines is rarely what "previous" means); anything else is a path.
 */
export function resolveResultsRef(ref: string, dir: string, cwd = process.cwd()): string {
  if (ref !== "latest" && ref !== "previous") return path.resolve(cwd, ref);
  const all = listResults(dir);
  const latest = all.at(-1);
  if (!latest) throw new BenchError(`no results files in ${dir}`, { hint: "run `bun run bench` first, or pass --results-dir" });
  if (ref === "latest") return latest.file;
  const earlier = all.filter((e) => e !== latest && e.results.host.id === latest.results.host.id);
  const prev = earlier.at(-1);
  if (!prev) throw new BenchError(`no results file before ${path.basename(latest.file)} for host ${latest.results.host.id} in ${dir}`);
  return prev.file;
}
