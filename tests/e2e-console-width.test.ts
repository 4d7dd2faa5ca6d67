import { afterAll, expect, test } from "bun:test";
import fs from "node:fs";
import { copyScript, runCli, tmpDir, writeConfig } from "./helpers";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function setup() {
  const dir = tmpDir();
  dirs.push(dir);
  const cand = copyScript(dir, "candidate.sh", { delayS: 0.05 });
  const config = writeConfig(dir, `version: 1
workspace: ${dir}/ws
results_dir: ${dir}/results
defaults: { runs: 3, warmup: 0, cache: keep }
tools:
  cand: { label: candidate, argv: [${cand}, "{src}", "{dst}"] }
  base: { label: baseline, argv: [cp, -a, "{src}/.", "{dst}/"] }
scenarios:
  - name: tiny
    workload: { files: { count: 20, size: 1KiB..4KiB, per_dir: 10 } }
    tools: [cand, base]
    baseline: base
    candidate: cand
`);
  return { dir, config };
}

const tableLines = (out: string) => out.split("\n").filter((l) => /^[┌│├└]/.test(l));

test("piped with no COLUMNS the tables fit 100 columns and say what they hid", async () => {
  const { config } = setup();
  const r = await runCli(["--config", config], { env: { COLUMNS: "" } });
  expect(r.stderr).toBe("");
  const table = tableLines(r.stdout);
  expect(table.length).toBeGreaterThan(3);
  for (const l of table) expect(Bun.stringWidth(l)).toBeLessThanOrEqual(100);
  expect(r.stdout).toMatch(/\(hidden to fit 100 columns: [^)]*\)/);
});

test("COLUMNS=200 shows every column, and the console's ratio is the Markdown export's", async () => {
  const { dir, config } = setup();
  const r = await runCli(["--config", config, "--export-markdown", `${dir}/out.md`], { env: { COLUMNS: "200" } });
  expect(r.stderr).toBe("");
  const table = tableLines(r.stdout);
  for (const l of table) expect(Bun.stringWidth(l)).toBeLessThanOrEqual(200);
  expect(table[1]).toContain("ratio [95% CI]");
  const row = table.find((l) => l.startsWith("│ candidate"))!;
  const ratio = /(\d+\.\d{3} \[\d+\.\d{3}–\d+\.\d{3}\])/.exec(row)![1]!;
  const md = fs.readFileSync(`${dir}/out.md`, "utf8");
  expect(md).toContain("Relative: time ÷ `baseline` (baseline) [95% CI] |");
  expect(md).toMatch(new RegExp(`\\| \`candidate\` \\|[^\\n]*\\| ${ratio.replace(/[.[\]]/g, "\\$&")} \\|`));
});
