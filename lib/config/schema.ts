// The JSON Schema editors use for bench.config.yaml, generated from the shape (`bun run schema` writes lib/config.schema.json; a test keeps the file equal to this text).

import type { MapRule, Shape } from "./shape";
import { SHAPE } from "./shape";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** The path bench.config.yaml's `# yaml-language-server: $schema=…` line points at, from the repository root. */
export const SCHEMA_FILE = "lib/config.schema.json";

/** Nested `required` for a path of keys: needs ["workload", "files"] → workload is required and has files. */
function requiredPath(keys: string[]): { [k: string]: Json } {
  const [first, ...rest] = keys;
  return rest.length ? { required: [first!], properties: { [first!]: requiredPath(rest) } } : { required: [first!] };
}

function rule(r: MapRule): { [k: string]: Json } {
  switch (r.kind) {
    case "exactlyOne":
      return { oneOf: r.keys.map((k) => ({ required: [k] })) };
    case "onlyWhen":
      return { if: { required: [r.key] }, then: { properties: { [r.when]: { const: r.equals } }, required: [r.when] } };
    case "requiredWhen":
      return { if: { properties: { [r.when]: { const: r.equals } }, required: [r.when] }, then: { required: [r.key] } };
    case "requiredUnless":
      return { anyOf: [r.key, ...r.unless].map((k) => ({ required: [k] })) };
    case "needs":
      return { if: { required: [r.key] }, then: requiredPath(r.needs) };
  }
}

function convert(s: Shape, defs: Record<string, Json>, inline = false): Json {
  if (s.def && !inline) {
    if (!(s.def in defs)) {
      defs[s.def] = null; // reserve the name first: a definition may refer to itself
      defs[s.def] = convert(s, defs, true);
    }
    return { $ref: `#/definitions/${s.def}` };
  }
  const doc: { [k: string]: Json } = s.description ? { description: s.description } : {};
  switch (s.kind) {
    case "map": {
      const properties = Object.fromEntries(Object.entries(s.keys).map(([k, v]) => [k, convert(v, defs)]));
      const rules = (s.rules ?? []).map(rule);
      return { ...doc, type: "object", additionalProperties: false, ...(s.required ? { required: s.required } : {}), properties, ...(rules.length ? { allOf: rules } : {}) };
    }
    case "record":
      return { ...doc, type: "object", ...(s.keyPattern ? { propertyNames: { pattern: s.keyPattern.source } } : {}), additionalProperties: convert(s.values, defs) };
    case "list":
      return { ...doc, type: "array", items: convert(s.items, defs), ...(s.minItems ? { minItems: s.minItems } : {}) };
    case "int":
      return { ...doc, type: "integer", ...(s.min !== undefined ? { minimum: s.min } : {}), maximum: s.max ?? Number.MAX_SAFE_INTEGER };
    case "number":
      return { ...doc, type: "number", ...(s.min !== undefined ? { minimum: s.min } : {}) };
    case "bool":
      return { ...doc, type: "boolean" };
    case "string": {
      const patterns = (s.patterns ?? []).map((p) => ({ pattern: p.source }));
      return { ...doc, type: "string", ...(s.minLength ? { minLength: s.minLength } : {}), ...(patterns.length === 1 ? patterns[0] : patterns.length ? { allOf: patterns } : {}) };
    }
    case "name":
      return { ...doc, type: s.number ? ["string", "number"] : "string" };
    case "enum":
      return { ...doc, enum: [...s.values] };
    case "const":
      return { ...doc, const: s.value };
    case "pattern": {
      const num: Json = s.number === "integer" ? { type: "integer", minimum: 0 } : { type: "number", exclusiveMinimum: 0 };
      return { ...doc, anyOf: [num, { type: "string", pattern: s.source }] };
    }
    case "anyOf":
      return { ...doc, anyOf: s.options.map((o) => convert(o, defs)) };
    case "argv": {
      const mention = (m: { text: string }) => m.text.replace(/[{}]/g, "\\$&");
      return {
        ...doc,
        anyOf: [
          { type: "string", allOf: s.mentions.map((m) => ({ pattern: mention(m) })) },
          { type: "array", minItems: 1, items: { type: ["string", "number"] }, allOf: s.mentions.map((m) => ({ contains: { type: "string", pattern: mention(m) } })) },
        ],
      };
    }
  }
}

/** The JSON Schema (draft-07) of the config. */
export function configSchema(): { [k: string]: Json } {
  const definitions: Record<string, Json> = {};
  const top = convert(SHAPE, definitions) as { [k: string]: Json };
  return { $schema: "http://json-schema.org/draft-07/schema#", $id: "https://mirrorbench.invalid/config.schema.json", title: "mirrorbench config (bench.config.yaml)", ...top, definitions };
}

/** JSON with every object or list that fits on one line kept on one line, so the file reads like the hand-written one it replaced. */
function format(v: Json, indent: string): string {
  const flat = JSON.stringify(v, null, 1).replace(/\n\s*/g, " ").replace(/\[ /g, "[").replace(/ \]/g, "]");
  if (v === null || typeof v !== "object" || indent.length + flat.length <= 170) return flat;
  const inner = indent + "  ";
  if (Array.isArray(v)) return `[\n${v.map((x) => inner + format(x, inner)).join(",\n")}\n${indent}]`;
  return `{\n${Object.entries(v).map(([k, x]) => `${inner}${JSON.stringify(k)}: ${format(x, inner)}`).join(",\n")}\n${indent}}`;
}

/** The text of lib/config.schema.json. */
export function schemaText(): string {
  return format(configSchema(), "") + "\n";
}
