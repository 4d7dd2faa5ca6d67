// `report`: a stored result re-rendered without running anything — console tables, gate, history check, decision report, exports, HTML.

import path from "node:path";
import { parseArgs } from "node:util";
import type { Decision } from "../analyze/verdicts";
import { BenchError, EXIT, parseFlags, reportingErrors } from "../errors";
import { writeExports } from "../export/write";
import { listResults, resolveResultsRef } from "../history/list";
import { regressionChecks, regressionLines, type Regression } from "../history/regressions";
import { colorOn, type CliIO } from "../io";
import { gateLines, scenarioLines } from "../report/console";
import { writeDecisionReport } from "../report/decision";
import { renderHtml } from "../report/html";
import { writeAtomic, type ResultsFile } from "../results/file";
import { loadResults } from "../results/load";
import { resultsDirOf } from "./compare-command";

export const REPORT_USAGE = `usage: bun run bench report [FILE|latest] [options]

Re-renders a stored results file without running anything: the console tables, the gate,
the history check, the decision report (<stem>.decision.md beside the file, for gated runs)
and any exports asked for.

  FILE | latest          a results JSON file, or the newest one in the results folder (default: latest)
  --results-dir DIR      results folder (default: results_dir of the config, else ./results)
  --config FILE          config whose results_dir to use (default: bench.config.yaml if present)
  --html                 write the HTML report (current result + this host's history)
  --out FILE             where --html writes (default: <stem>.html beside the results file)
  --export-json FILE     hyperfine-compatible JSON
  --export-csv FILE      hyperfine-compatible CSV
  --export-markdown FILE hyperfine-style Markdown tables
  --no-decision          do not (re)write the decision report
  -h, --help             this text`;

/** The console form of a stored result, the same lines a run prints at its end. */
export function renderConsole(results: ResultsFile, color: boolean): string[] {
  const out: string[] = [];
  for (const s of results.scenarios) out.push(...scenarioLines(s, { color }), "");
  if (results.decision && !results.interrupted) out.push(...gateLines(results.scenarios, results.decision.decision as Decision, { color }));
  if (results.interrupted) out.push("Decision: none (the run was interrupted)");
  return out;
}

export async function runReport(args: string[], io: CliIO): Promise<number> {
  return reportingErrors(io.err, async () => {
    const { values: v, positionals } = parseFlags(() => parseArgs({
      args,
      allowPositionals: true,
      options: {
        config: { type: "string" },
        "results-dir": { type: "string" },
        html: { type: "boolean" },
        out: { type: "string" },
        "export-json": { type: "string" },
        "export-csv": { type: "string" },
        "export-markdown": { type: "string" },
        "no-decision": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }), REPORT_USAGE.split("\n")[0]!);
    if (v.help) {
      io.out(REPORT_USAGE + "\n");
      return EXIT.go;
    }
    if (positionals.length > 1) throw new BenchError(`report takes one results file, got ${positionals.length}`, { hint: REPORT_USAGE.split("\n")[0] });
    if (v.out && !v.html) throw new BenchError("--out is only meaningful with --html");
    const ref = positionals[0] ?? "latest";
    const needsDir = ref === "latest" || ref === "previous";
    const dir = needsDir || v["results-dir"] ? resultsDirOf(v, io) : null;
    const file = resolveResultsRef(ref, dir ?? io.cwd, io.cwd);
    const results = loadResults(file);
    // History lives beside the file unless told otherwise: a copied-in folder from another machine is its own history.
    const historyDir = v["results-dir"] ? dir! : path.dirname(file);
    const history = listResults(historyDir, { hostId: results.host.id }).map((e) => e.results);
    const color = colorOn(io);

    io.out(`Results: ${file}\nStarted ${results.startedAt} on ${results.host.id}${results.interrupted ? " (interrupted)" : ""}\n`);
    for (const l of renderConsole(results, color)) io.out(l + "\n");

    const stored = (results as ResultsFile & { regressions?: Regression[] }).regressions;
    const regs = stored ?? regressionChecks(results, history);
    const lines = regressionLines(regs);
    if (lines.length) {
      io.out("\n" + lines.join("\n") + "\n");
      if (!stored) io.out("  (computed now from the results folder; the file itself stores no history check)\n");
    }

    if (!v["no-decision"] && results.scenarios.some((s) => s.verdicts.length)) {
      try {
        io.out(`Decision report: ${writeDecisionReport(results, path.dirname(file), { resultsFile: file })}\n`);
      } catch (e: any) {
        io.err(`warning: could not write the decision report beside ${file}: ${e.code ?? e.message}\n`);
      }
    }

    const abs = (f: string | undefined) => (f ? path.resolve(io.cwd, f) : undefined);
    const targets = { json: abs(v["export-json"]), csv: abs(v["export-csv"]), markdown: abs(v["export-markdown"]) };
    for (const f of writeExports(results, targets)) io.out(`Exported: ${f}\n`);

    if (v.html) {
      const out = path.resolve(io.cwd, v.out ?? file.replace(/\.json$/, "") + ".html");
      writeAtomic(out, renderHtml(results, history));
      io.out(`HTML report: ${out}\n`);
    }
    return EXIT.go;
  });
}
