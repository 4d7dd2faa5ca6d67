// The shape check: every value present in the document against SHAPE — unknown keys, types, enums, minimums, patterns, in-map rules — the first problem a located error.

import { isMap, isScalar, isSeq, type Node } from "yaml";
import { closest, type Reader } from "./reader";
import type { MapRule, Path, Shape } from "./shape";

const got = (v: unknown) => JSON.stringify(v);

/** Whether a plain value fits a shape (no error), for picking the branch of an anyOf and for list items. */
function fits(r: Reader, n: Node | null, s: Shape): boolean {
  try {
    checkValue(r, n, s, ["?"], () => {
      throw new Error("no");
    });
    return true;
  } catch {
    return false;
  }
}

type Fail = (p: Path, message: string, hint?: string) => never;

/** The hint for a YAML scalar that is not the string it looks like. */
function quoteHint(v: unknown): string | undefined {
  if (typeof v === "boolean" || v === null) return `YAML reads an unquoted ${got(v)} as ${v === null ? "null" : "a boolean"}: quote it, "${v}"`;
  if (typeof v === "number") return `YAML reads an unquoted ${v} as a number: quote it, "${v}"`;
  return undefined;
}

function plain(r: Reader, n: Node | null): unknown {
  return n === null ? null : isScalar(n) ? n.value : n.toJS(r.doc);
}

function checkValue(r: Reader, n: Node | null, s: Shape, p: Path, fail: Fail): void {
  const v = plain(r, n);
  const wrong = (fallback: string, hint?: string): never => fail(p, s.message ? s.message(v) : fallback, hint);
  switch (s.kind) {
    case "map": {
      const what = typeof s.what === "function" ? s.what(p) : s.what;
      if (!isMap(n)) return wrong(`${what} must be a mapping (key: value lines)`);
      const known = Object.keys(s.keys);
      const entries = r.entries(n);
      for (const e of entries) {
        if (known.includes(e.key)) continue;
        const near = closest(e.key, known);
        fail([...p, e.key], `unknown key "${e.key}" in ${what}`, `${near ? `did you mean "${near}"? ` : ""}known keys: ${known.join(", ")}`);
      }
      for (const e of entries) checkValue(r, e.value, s.keys[e.key]!, [...p, e.key], fail);
      for (const rule of s.rules ?? []) checkRule(r, entries, rule, p, fail);
      return;
    }
    case "record": {
      if (!isMap(n)) return wrong(`${s.what} must be a mapping`);
      for (const e of r.entries(n)) {
        if (s.keyPattern && !new RegExp(s.keyPattern.source).test(e.key)) fail([...p, e.key], s.keyPattern.message(e.key));
        checkValue(r, e.value, s.values, [...p, e.key], fail);
      }
      return;
    }
    case "list": {
      if (!isSeq(n) || n.items.length < (s.minItems ?? 0)) return wrong("must be a non-empty list", s.hint);
      n.items.forEach((item, i) => checkValue(r, r.deref(item), s.items, [...p, i], fail));
      return;
    }
    case "int":
      if (typeof v !== "number" || !Number.isInteger(v)) return wrong(`must be a whole number, got ${got(v)}`);
      if (!Number.isSafeInteger(v)) return fail(p, `${v} is too large to count exactly (more than 2^53)`);
      if (s.min !== undefined && v < s.min) return s.message ? wrong("") : fail(p, `must be at least ${s.min}, got ${v}`);
      if (s.max !== undefined && v > s.max) return fail(p, `must be at most ${s.max}, got ${v}`);
      return;
    case "number":
      if (typeof v !== "number" || !Number.isFinite(v)) return wrong(`must be a number, got ${got(v)}`);
      if (s.min !== undefined && v < s.min) fail(p, `must be at least ${s.min}, got ${v}`, s.why);
      return;
    case "bool":
      if (typeof v !== "boolean") wrong(`must be true or false, got ${got(v)}`);
      return;
    case "string":
      if (typeof v !== "string" || v.length < (s.minLength ?? 0)) return wrong(`must be a ${s.minLength ? "non-empty " : ""}string, got ${got(v)}`);
      for (const pat of s.patterns ?? []) if (!new RegExp(pat.source).test(v)) fail(p, pat.message(v), pat.hint);
      return;
    case "name":
      if (typeof v === "string" || (s.number && typeof v === "number")) return;
      return wrong(`must be a string, got ${got(v)}`, quoteHint(v));
    case "enum":
      if (typeof v !== "string" || !s.values.includes(v)) wrong(`must be one of ${s.values.join(", ")}, got ${got(v)}`);
      return;
    case "const":
      if (v !== s.value) wrong(`must be ${got(s.value)}, got ${got(v)}`);
      return;
    case "pattern": {
      const num = typeof v === "number" && (s.number === "integer" ? Number.isInteger(v) && v >= 0 : s.number === "positive" ? v > 0 : false);
      if (!num && !(typeof v === "string" && new RegExp(s.source).test(v))) wrong(`must match ${s.source}, got ${got(v)}`);
      return;
    }
    case "anyOf": {
      if (s.options.some((o) => fits(r, n, o))) return;
      // Report inside the option the value was meant for (a mapping for a mapping, a list for a list),
      // else in the anyOf's own words, else as its first plain option would.
      const meant = s.options.find((o) => (o.kind === "map" && isMap(n)) || (o.kind === "list" && isSeq(n)));
      if (meant) return checkValue(r, n, meant, p, fail);
      const scalar = s.options.find((o) => o.kind !== "map" && o.kind !== "list");
      if (s.message || !scalar) return wrong(`must be one of the accepted forms, got ${got(v)}`);
      return checkValue(r, n, scalar, p, fail);
    }
    case "argv": {
      const ok = typeof v === "string" || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "string" || typeof x === "number"));
      if (!ok) {
        if (isSeq(n)) n.items.forEach((item, i) => checkValue(r, r.deref(item), { kind: "name", number: true }, [...p, i], fail));
        return fail(p, "must be a non-empty list of strings");
      }
      const text = Array.isArray(v) ? v.join(" ") : (v as string);
      for (const m of s.mentions) if (!text.includes(m.text)) fail(p, m.message, m.hint);
      return;
    }
  }
}

function checkRule(r: Reader, entries: { key: string; value: Node | null }[], rule: MapRule, p: Path, fail: Fail): void {
  const has = (k: string) => entries.some((e) => e.key === k);
  const val = (k: string, def: string) => {
    const e = entries.find((x) => x.key === k);
    const v = e?.value ? plain(r, e.value) : undefined;
    return v === undefined || v === null ? def : String(v);
  };
  switch (rule.kind) {
    case "exactlyOne":
      if (has(rule.keys[0]) === has(rule.keys[1])) fail(p, rule.message);
      return;
    case "onlyWhen": {
      const w = val(rule.when, rule.whenDefault);
      if (has(rule.key) && w !== rule.equals) fail([...p, rule.key], rule.message(w));
      return;
    }
    case "requiredWhen":
      if (val(rule.when, "") === rule.equals && !has(rule.key)) fail([...p, rule.when], rule.message, rule.hint);
      return;
    case "requiredUnless":
      if (!has(rule.key) && !rule.unless.some(has)) fail([...p, rule.key], rule.message, rule.hint);
      return;
    case "needs":
      if (has(rule.key) && !r.has([...p, ...rule.needs])) fail([...p, rule.key], rule.message, rule.hint);
      return;
  }
}

/** The whole document against the shape; throws the first problem, located. */
export function checkShape(r: Reader, shape: Shape): void {
  checkValue(r, r.deref(r.doc.contents), shape, [], (p, message, hint) => r.fail(p, message, hint));
}
