// YAML keys that are not what they look like: a tool name YAML reads as a boolean, null or number; a key written twice.

import { type Document, isMap, isScalar, isSeq, type LineCounter, type Node } from "yaml";
import { BenchError } from "../errors";
import { keyPath } from "./reader";
import type { Path } from "./shape";

/** Plain scalars YAML 1.1 (and so many editors and tools) read as booleans or null. */
const YAML11_SPECIAL = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~)$/;

/** A tool name must be a string to every YAML reader: `true:`, `yes:`, `null:`, `1:` are not. */
export function checkNameKey(key: unknown, lc: LineCounter, file: string, what: string): void {
  if (!isScalar(key)) return;
  const src = String((key as any).source ?? key.value);
  const quoted = key.type === "QUOTE_DOUBLE" || key.type === "QUOTE_SINGLE";
  const v = key.value;
  const reads = typeof v === "boolean" ? "a boolean" : v === null ? "null" : typeof v === "number" ? "a number" : !quoted && YAML11_SPECIAL.test(src) ? "a boolean in YAML 1.1 (editors, other tools)" : null;
  if (!reads) return;
  const { line, col } = key.range ? lc.linePos(key.range[0]) : { line: undefined, col: undefined };
  throw new BenchError(`${what} ${src} is read by YAML as ${reads}, not as a name`, {
    file,
    line,
    col,
    key: `tools.${src}`,
    hint: `quote it: "${src}": — and quote it where scenarios name it, e.g. tools: ["${src}"]`,
  });
}

/** The duplicate key YAML refused at `offset`, named with its map's path and both lines. */
export function duplicateKeyError(doc: Document, lc: LineCounter, file: string, offset: number): BenchError | null {
  const walk = (node: Node | null | undefined, p: Path): BenchError | null => {
    if (isMap(node)) {
      for (const [i, pair] of node.items.entries()) {
        const k = pair.key as any;
        if (k?.range?.[0] === offset) {
          const name = String(k.source ?? k.value);
          const first = node.items.slice(0, i).find((q: any) => isScalar(q.key) && q.key.value === k.value) as any;
          const firstLine = first?.key?.range ? lc.linePos(first.key.range[0]).line : undefined;
          const where = p.length ? keyPath(p) : "the config file";
          const { line, col } = lc.linePos(offset);
          return new BenchError(`duplicate key "${name}" in ${where}`, {
            file,
            line,
            col,
            key: keyPath([...p, name]),
            hint: `${firstLine ? `the first "${name}" is on line ${firstLine}; ` : ""}YAML would keep only one of them: remove or rename one`,
          });
        }
        const found = walk(pair.value as Node, [...p, isScalar(k) ? String(k.value) : String(k)]);
        if (found) return found;
      }
    } else if (isSeq(node)) {
      for (const [i, item] of node.items.entries()) {
        const found = walk(item as Node, [...p, i]);
        if (found) return found;
      }
    }
    return null;
  };
  return walk(doc.contents as Node, []);
}
