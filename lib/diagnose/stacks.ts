// Collapse `perf script` output (perfScriptArgv's fields) into folded stacks: "comm;root;…;leaf" → samples.

/** Folded stacks, root first, sorted by path so the same profile always folds to the same list. */
export interface Folded {
  stacks: { frames: string[]; samples: number }[];
  samples: number;
}

const KERNEL_DSO = /^\[kernel\.kallsyms\]$|^\[kernel\./;

/** A frame's name as stackcollapse-perf.pl shapes it: unknown symbols named by their object, kernel frames marked "_[k]". */
export function frameName(sym: string, dso: string): string {
  let name = sym.trim();
  const base = dso.split("/").pop() ?? dso;
  if (!name || name === "[unknown]") name = dso && dso !== "[unknown]" ? `[${base.replace(/^\[|\]$/g, "")}]` : "[unknown]";
  name = name.replace(/\+0x[0-9a-f]+$/i, "").replace(/;/g, ":");
  return KERNEL_DSO.test(dso) ? `${name}_[k]` : name;
}

/** "   ffffffff8172bb8b splice_direct_to_actor ([kernel.kallsyms])": address, symbol (may hold spaces and parens), object. */
function parseFrame(line: string): { sym: string; dso: string } | null {
  const m = /^\s+[0-9a-f]+\s+(.*)$/i.exec(line);
  if (!m) return null;
  const rest = m[1]!;
  const open = rest.lastIndexOf(" (");
  if (open < 0 || !rest.endsWith(")")) return { sym: rest, dso: "" };
  return { sym: rest.slice(0, open), dso: rest.slice(open + 2, -1) };
}

/**
 * Folds perf script text: a sample is a header line ("comm pid", no indent) and its frames (indented, leaf first)
 * up to a blank line. The process name is the root frame, so each program of a multi-process tool is its own tower;
 * pids are merged. A sample without frames counts as "comm;[no stack]".
 */
export function collapsePerfScript(text: string): Folded {
  const counts = new Map<string, number>();
  let comm: string | null = null;
  let frames: string[] = [];
  const flush = () => {
    if (comm === null) return;
    const path = [comm.replace(/;/g, ":"), ...(frames.length ? frames.reverse() : ["[no stack]"])].join(";");
    counts.set(path, (counts.get(path) ?? 0) + 1);
    comm = null;
    frames = [];
  };
  for (const line of text.split("\n")) {
    if (!line.trim()) {
      flush();
      continue;
    }
    if (!/^\s/.test(line)) {
      flush();
      // "comm pid" from our -F fields; perf's default header ("comm pid [cpu] time: period event:") parses too.
      const m = /^(.*?)\s+\d+(?:\/\d+)?(?:\s|$)/.exec(line);
      comm = (m ? m[1]! : line).trim() || "[unknown]";
      continue;
    }
    if (comm === null) continue;
    const f = parseFrame(line);
    if (f) frames.push(frameName(f.sym, f.dso));
  }
  flush();
  const stacks = [...counts.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([path, samples]) => ({ frames: path.split(";"), samples }));
  return { stacks, samples: stacks.reduce((s, x) => s + x.samples, 0) };
}

/** Brendan Gregg's folded text ("a;b;c 12" per line), for flamegraph.pl, speedscope and inferno. */
export function foldedText(f: Folded): string {
  return f.stacks.map((s) => `${s.frames.join(";")} ${s.samples}`).join("\n") + (f.stacks.length ? "\n" : "");
}

/** Speedscope's file format (a "sampled" profile): opens in speedscope.app or its offline build, no network needed. */
export function speedscopeJson(f: Folded, name: string): string {
  const index = new Map<string, number>();
  const frames: { name: string }[] = [];
  const samples: number[][] = [];
  const weights: number[] = [];
  for (const s of f.stacks) {
    samples.push(
      s.frames.map((fr) => {
        let i = index.get(fr);
        if (i === undefined) {
          i = frames.length;
          index.set(fr, i);
          frames.push({ name: fr });
        }
        return i;
      }),
    );
    weights.push(s.samples);
  }
  return JSON.stringify({
    $schema: "https://www.speedscope.app/file-format-schema.json",
    shared: { frames },
    profiles: [{ type: "sampled", name, unit: "none", startValue: 0, endValue: f.samples, samples, weights }],
    name,
    exporter: "mirrorbench",
  });
}
