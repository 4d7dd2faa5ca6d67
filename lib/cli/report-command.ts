// `report`: a stored result re-rendered without running anything — console tables, gate, history check, decision report; or only the files asked for (HTML, exports of a selection).

import path from "node:path";
import { parseArgs } from "node:util";
import { BenchError, EXIT, parseFlags, reportingErrors } from "../errors";
import { renderExports, writeExports, type ExportSelection } from "../export/write";
import { listResults, resolveResultsRef } from "../history/list";
import { regressionChecks, regressionLines, type Regression } from "../history/regressions";
import { consoleOnStderr, type CliIO } from "../io";
import { resultsConsoleLines } from "../report/console";
import { writeDecisionReport } from "../report/decision";
import { renderHtml } from "../report/html";
import { writeAtomic, type ResultsFile } from "../results/file";
import { loadResults } from "../results/load";
import { resultsDirOf } from "./compare-command";
import { consoleStyle } from "./style";

export function reportUsage(prog = "bun run bench"): string {
  return `usage: ${prog} report [FILE|latest] [options]

Re-renders a stored results file without running anything. With no file output asked for: the
console tables, the gate, the history check and the decision report (<stem>.decision.md beside
the file, for gated runs). With --html or an export: only those files (add --console, --decision).

  FILE | latest          a results JSON file, or the newest one in the results folder (default: latest)
  --results-dir DIR      results folder (default: results_dir of the config, else ./results)
  --config FILE          config whose results_dir to use (default: bench.config.yaml if present)
  --html                 write the HTML report (current result + this host's history)
  --out FILE             where --html writes (default: <stem>.html beside the results file; - = stdout)
  --export-json FILE     hyperfine-compatible JSON
  --export-csv FILE      hyperfine-compatible CSV
  --export-markdown FILE hyperfine-style Markdown tables
                         (FILE - = stdout, one of them; the console then goes to stderr)
  --scenario GLOB        exports hold only matching scenarios (repeatable; name or sweep base name)
  --tool ID              exports hold only these tools (repeatable; id or label)
  --pair CAND,BASE       exports hold exactly this pair from one scenario (for hyperfine's welch_ttest.py)
  --console              also print the console report (default when no file output is asked for)
  --decision             also (re)write the decision report (default when no file output is asked for)
  --no-decision          do not (re)write the decision report
  --wide                 tables with every column, however narrow the terminal
  -h, --help             this text`;
}

function selectionOf(v: { scenario?: string[]; tool?: string[]; pair?: string }): ExportSelection {
  const sel: ExportSelection = {};
  if (v.scenario?.length) sel.scenarios = v.scenario;
  if (v.tool?.length) sel.tools = v.tool;
  if (v.pair !== undefined) {
    const p = v.pair.split(",").map((x) => x.trim());
    if (p.length !== 2 || !p[0] || !p[1]) throw new BenchError(`--pair takes two tools, CAND,BASE; got "${v.pair}"`, { key: "--pair", hint: "e.g. --pair blit,rsync" });
    sel.pair = [p[0], p[1]];
  }
  return sel;
}

export async function runReport(args: string[], io0: CliIO): Promise<number> {
  const usage = reportUsage(io0.prog);
  return reportingErrors(io0.err, async () => {
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
        scenario: { type: "string", multiple: true },
        tool: { type: "string", multiple: true },
        pair: { type: "string" },
        console: { type: "boolean" },
        decision: { type: "boolean" },
        "no-decision": { type: "boolean" },
        wide: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }), usage.split("\n")[0]!);
    if (v.help) {
      io0.out(usage + "\n");
      return EXIT.go;
    }
    if (positionals.length > 1) throw new BenchError(`report takes one results file, got ${positionals.length}`, { hint: usage.split("\n")[0] });
    if (v.out && !v.html) throw new BenchError("--out is only meaningful with --html");
    const sel = selectionOf(v);
    const exportFlags = { json: v["export-json"], csv: v["export-csv"], markdown: v["export-markdown"] };
    const asked = Object.values(exportFlags).some(Boolean);
    if (Object.keys(sel).length && !asked) throw new BenchError("--scenario, --tool and --pair choose what an export holds: add --export-json, --export-csv or --export-markdown FILE");
    const toStdout = [...Object.entries(exportFlags).filter(([, f]) => f === "-").map(([k]) => `--export-${k}`), ...(v.html && v.out === "-" ? ["--out"] : [])];
    if (toStdout.length > 1) throw new BenchError(`${toStdout.join(" and ")} both write to stdout`, { hint: "send one output to stdout (-) and the others to files" });
    // Whatever goes to stdout owns it: the human console goes to stderr.
    const io = toStdout.length ? consoleOnStderr(io0) : io0;
    const stdout = io.stdout ?? io.out;

    const ref = positionals[0] ?? "latest";
    const needsDir = ref === "latest" || ref === "previous";
    const dir = needsDir || v["results-dir"] ? resultsDirOf(v, io) : null;
    const file = resolveResultsRef(ref, dir ?? io.cwd, io.cwd);
    const results = loadResults(file);
    // History lives beside the file unless told otherwise: a copied-in folder from another machine is its own history.
    const historyDir = v["results-dir"] ? dir! : path.dirname(file);
    const history = listResults(historyDir, { hostId: results.host.id }).map((e) => e.results);
    const files = Boolean(v.html) || asked;
    const showConsole = Boolean(v.console) || !files;
    const decision = v["no-decision"] ? false : Boolean(v.decision) || !files;

    // Exports first: a selection that matches nothing is a usage error before anything else is written.
    const abs = (f: string | undefined) => (f === "-" ? "-" : f ? path.resolve(io.cwd, f) : undefined);
    const targets = { json: abs(exportFlags.json), csv: abs(exportFlags.csv), markdown: abs(exportFlags.markdown) };
    const texts = asked ? renderExports(results, targets, sel) : [];

    if (showConsole) {
      io.out(`Results: ${file}\nStarted ${results.startedAt} on ${results.host.id}${results.interrupted ? " (interrupted)" : ""}\n`);
      for (const l of resultsConsoleLines(results, consoleStyle(io, Boolean(v.wide)), { resultsDir: path.dirname(file) })) io.out(l + "\n");
      const stored = (results as ResultsFile & { regressions?: Regression[] }).regressions;
      const regs = stored ?? regressionChecks(results, history);
      const lines = regressionLines(regs);
      if (lines.length) {
        io.out("\n" + lines.join("\n") + "\n");
        if (!stored) io.out("  (computed now from the results folder; the file itself stores no history check)\n");
      }
    }

    if (decision && results.scenarios.some((s) => s.verdicts.length)) {
      try {
        io.out(`Decision report: ${writeDecisionReport(results, path.dirname(file), { resultsFile: file })}\n`);
      } catch (e: any) {
        io.err(`warning: could not write the decision report beside ${file}: ${e.code ?? e.message}\n`);
      }
    }

    if (asked) {
      for (const f of writeExports(results, targets, sel)) io.out(`Exported: ${f}\n`);
      for (const [target, text] of texts) if (target === "-") stdout(text.endsWith("\n") ? text : `${text}\n`);
    }

    if (v.html) {
      const out = v.out === "-" ? null : path.resolve(io.cwd, v.out ?? file.replace(/\.json$/, "") + ".html");
      // Diagnosis files are stored relative to the results file; the page links to them from wherever it is written.
      const href = (p: string) => (out ? path.relative(path.dirname(out), path.resolve(path.dirname(file), p)) : path.resolve(path.dirname(file), p)).split(path.sep).join("/");
      const html = renderHtml(results, history, { href });
      if (!out) stdout(html);
      else {
        writeAtomic(out, html);
        io.out(`HTML report: ${out}\n`);
      }
    }
    return EXIT.go;
  });
}
