import { expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";

// The layout shows the pipeline: lib/ top holds shared leaves, each folder is a stage, and imports only point
// back along the stage order. Every lib file is parsed for its imports (static, re-exports, dynamic).

const LIB = path.join(import.meta.dir, "..", "lib");
/** Pipeline order; lib/ top ("") holds the shared leaves every stage may use. */
const STAGES = ["", "platform", "remote", "config", "plan", "datasets", "run", "analyze", "diagnose", "results", "history", "report", "export", "cli"];
const MAX_LINES = 300;
const MAX_IMPORTS = 12;

function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? listFiles(p) : [p];
  });
}

const all = listFiles(LIB).sort();
/** Written by a script, not by hand (`bun run schema`): the size rule is for modules people read and edit. */
const GENERATED = new Set(["config.schema.json"]);
const handWritten = all.filter((f) => !GENERATED.has(path.basename(f)));
const modules = all.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"));

function stageOf(file: string): string {
  const rel = path.relative(LIB, file).split(path.sep);
  return rel.length === 1 ? "" : rel[0]!;
}

/** lib files a module imports (resolved paths), from `import … from`, `export … from`, `import "…"` and `import("…")`. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, "utf8");
  const specs = [...text.matchAll(/(?:^|[;\s])(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|(?:^|[;\s])import\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/gm)].map(
    (m) => (m[1] ?? m[2] ?? m[3])!,
  );
  const out = new Set<string>();
  for (const spec of specs) {
    if (!spec.startsWith(".")) continue;
    const base = path.resolve(path.dirname(file), spec);
    const found = [base, `${base}.ts`, path.join(base, "index.ts")].find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
    if (!found) throw new Error(`${path.relative(LIB, file)}: cannot resolve ${spec}`);
    if (found.startsWith(LIB + path.sep)) out.add(found);
  }
  return [...out];
}

const graph = new Map(modules.map((f) => [f, importsOf(f)]));
const rel = (f: string) => path.relative(LIB, f);

function backwardImports(): string[] {
  const out: string[] = [];
  for (const [f, deps] of graph) {
    for (const d of deps) {
      if (!d.endsWith(".ts")) continue;
      if (STAGES.indexOf(stageOf(d)) > STAGES.indexOf(stageOf(f))) out.push(`${rel(f)} (${stageOf(f) || "leaf"}) → ${rel(d)} (${stageOf(d)})`);
    }
  }
  return out;
}

/** Every cycle found by a depth-first search, each reported once as the path that closes it. */
function cycles(): string[][] {
  const out: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, "open");
    stack.push(f);
    for (const d of graph.get(f) ?? []) {
      if (!graph.has(d)) continue;
      if (state.get(d) === "open") out.push([...stack.slice(stack.indexOf(d)), d].map(rel));
      else if (!state.has(d)) visit(d);
    }
    stack.pop();
    state.set(f, "done");
  };
  for (const f of graph.keys()) if (!state.has(f)) visit(f);
  return out;
}

const lines = (f: string) => fs.readFileSync(f, "utf8").split("\n").length - (fs.readFileSync(f, "utf8").endsWith("\n") ? 1 : 0);

test("every lib file lives at lib/ top (a shared leaf) or in one of the stage folders", () => {
  const strays = all.filter((f) => !STAGES.includes(stageOf(f))).map(rel);
  expect(strays).toEqual([]);
});

test("imports only point back along the stage order (leaves → platform → config → … → cli)", () => {
  expect(backwardImports()).toEqual([]);
});

test("no module imports itself through a cycle", () => {
  expect(cycles()).toEqual([]);
});

test(`no lib file imports more than ${MAX_IMPORTS} other lib files`, () => {
  const over = [...graph].filter(([, d]) => d.length > MAX_IMPORTS).map(([f, d]) => `${rel(f)}: ${d.length}`);
  expect(over).toEqual([]);
});

test(`every hand-written file under lib/ is at most ${MAX_LINES} lines`, () => {
  const over = handWritten.filter((f) => lines(f) > MAX_LINES).map((f) => `${rel(f)}: ${lines(f)}`);
  expect(over).toEqual([]);
});

test("the figures of the layout, printed for the record", () => {
  const largest = handWritten.map((f) => ({ f: rel(f), n: lines(f) })).sort((a, b) => b.n - a.n)[0]!;
  const most = [...graph].map(([f, d]) => ({ f: rel(f), n: d.length })).sort((a, b) => b.n - a.n)[0]!;
  const perStage = STAGES.map((s) => `${s || "(leaves)"} ${modules.filter((f) => stageOf(f) === s).length}`).join(", ");
  console.log(
    [
      `lib files: ${all.length} (${modules.length} modules: ${perStage})`,
      `files over ${MAX_LINES} lines: ${handWritten.filter((f) => lines(f) > MAX_LINES).length}; largest: ${largest.f} (${largest.n} lines)`,
      `most imports: ${most.f} (${most.n} lib files)`,
      `backward imports: ${backwardImports().length}; cycles: ${cycles().length}`,
    ].join("\n"),
  );
  expect(modules.length).toBeGreaterThan(0);
});
