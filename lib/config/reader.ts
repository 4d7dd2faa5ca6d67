// Reading the YAML document by key path, through anchors, aliases and `<<` merge keys, with every problem a BenchError at its file, line and key.

import YAML, { type Document, isAlias, isMap, isScalar, isSeq, type LineCounter, type Node, type Pair } from "yaml";
import { BenchError } from "../errors";
import type { Path } from "./shape";

/** "scenarios[0].workload.files" — the key as errors name it. */
export function keyPath(p: Path): string {
  return p.map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? k : `.${k}`)).join("");
}

/** The known key nearest to a typo (edit distance ≤ 2), for "did you mean". */
export function closest(word: string, options: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = 3;
  for (const o of options) {
    const d = editDistance(word, o);
    if (d < bestD) [best, bestD] = [o, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) dp[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      dp[i]![j] = Math.min(dp[i - 1]![j]! + 1, dp[i]![j - 1]! + 1, dp[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  return dp[a.length]![b.length]!;
}

/** The `<<` key of a merge (yaml gives it a symbol value when merge keys are on). */
function isMergeKey(k: unknown): boolean {
  return isScalar(k) && (k.value === "<<" || typeof k.value === "symbol");
}

export interface Entry {
  key: string;
  keyNode: Node | null;
  value: Node | null;
}

/** Reads typed values out of the YAML document; every problem becomes a located BenchError. */
export class Reader {
  constructor(
    readonly file: string,
    readonly doc: Document,
    readonly lc: LineCounter,
  ) {}

  /** An alias stands for its anchor's node. */
  deref(n: unknown): Node | null {
    let cur = n;
    for (let i = 0; i < 64 && isAlias(cur); i++) cur = cur.resolve(this.doc);
    return YAML.isNode(cur) ? cur : null;
  }

  /** A map's entries: its own keys first, then those it merges in (`<<: *anchor`, or a list of anchors), first one winning. */
  entries(map: Node | null): Entry[] {
    if (!isMap(map)) return [];
    const own: Entry[] = [];
    const merged: Entry[] = [];
    for (const pair of map.items as Pair[]) {
      if (isMergeKey(pair.key)) {
        const src = this.deref(pair.value);
        const sources = isSeq(src) ? src.items.map((x) => this.deref(x)) : [src];
        for (const s of sources) merged.push(...this.entries(s));
        continue;
      }
      const k = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      own.push({ key: k, keyNode: YAML.isNode(pair.key) ? pair.key : null, value: this.deref(pair.value) });
    }
    const seen = new Set(own.map((e) => e.key));
    for (const e of merged) {
      if (seen.has(e.key)) continue;
      seen.add(e.key);
      own.push(e);
    }
    return own;
  }

  /** The entry at `p` (its key node and value), or null when absent. */
  entry(p: Path): Entry | null {
    let cur: Entry = { key: "", keyNode: null, value: this.deref(this.doc.contents) };
    for (const seg of p) {
      if (typeof seg === "number") {
        if (!isSeq(cur.value)) return null;
        const item = cur.value.items[seg];
        if (item === undefined) return null;
        cur = { key: String(seg), keyNode: null, value: this.deref(item) };
      } else {
        const e = this.entries(cur.value).find((x) => x.key === seg);
        if (!e) return null;
        cur = e;
      }
    }
    return cur;
  }

  node(p: Path): Node | null {
    return this.entry(p)?.value ?? null;
  }

  /** Line and column of `p` (its key when present), else of the nearest enclosing entry that exists. */
  pos(p: Path): { line?: number; col?: number } {
    for (let n = p.length; n >= 0; n--) {
      const e = this.entry(p.slice(0, n));
      if (!e) continue;
      const at = (n === p.length && e.keyNode?.range) || e.value?.range || e.keyNode?.range;
      if (at) return this.lc.linePos(at[0]);
    }
    return {};
  }

  fail(p: Path, message: string, hint?: string): never {
    const { line, col } = this.pos(p);
    throw new BenchError(message, { file: this.file, line, col, key: keyPath(p), hint });
  }

  /** The plain value at `p` (aliases and merges resolved), or undefined when absent. */
  get(p: Path): unknown {
    const e = this.entry(p);
    if (!e) return undefined;
    const v = e.value;
    if (v === null) return null;
    return isScalar(v) ? v.value : v.toJS(this.doc);
  }

  has(p: Path): boolean {
    return this.entry(p) !== null;
  }

  /** A map's keys in order (the shape check has already refused unknown ones). */
  keys(p: Path): string[] {
    return this.entries(this.node(p)).map((e) => e.key);
  }

  int(p: Path, def?: number): number {
    const v = this.get(p);
    if (v !== undefined && v !== null) return v as number;
    if (def === undefined) this.fail(p, "is required", "give a whole number");
    return def;
  }

  num(p: Path, def: number): number {
    const v = this.get(p);
    return v === undefined || v === null ? def : (v as number);
  }

  bool(p: Path, def: boolean): boolean {
    const v = this.get(p);
    return v === undefined || v === null ? def : (v as boolean);
  }

  str(p: Path, def?: string): string {
    const v = this.get(p);
    if (v !== undefined && v !== null) return v as string;
    if (def === undefined) this.fail(p, "is required", "give a string");
    return def;
  }

  /** A string or a list of them, as a list (numbers in argv become strings). */
  strList(p: Path): string[] {
    const v = this.get(p);
    if (v === undefined || v === null) this.fail(p, "must be a non-empty list of strings");
    return (Array.isArray(v) ? v : [v]).map(String);
  }
}
