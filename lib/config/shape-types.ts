// The vocabulary the config's shape is declared in: maps, records, lists, scalars, patterns, in-map rules (shape.ts uses it, check.ts and schema.ts read it).

export type Path = (string | number)[];

/** A check a value of a map must pass that involves another key of the same map (JSON Schema: if/then, oneOf, dependencies). */
export type MapRule =
  /** Exactly one of the keys is present; reported at the map. */
  | { kind: "exactlyOne"; keys: [string, string]; message: string }
  /** `key` may be present only when `when` equals `equals` (default value `whenDefault`); reported at `key`. */
  | { kind: "onlyWhen"; key: string; when: string; equals: string; whenDefault: string; message: (whenValue: string) => string }
  /** `key` must be present when `when` equals `equals`; reported at `when`. */
  | { kind: "requiredWhen"; key: string; when: string; equals: string; message: string; hint: string }
  /** `key` must be present unless one of `unless` is; reported at `key`. */
  | { kind: "requiredUnless"; key: string; unless: string[]; message: string; hint: string }
  /** `key` needs `needs` beside it (a path into this map); reported at `key`. */
  | { kind: "needs"; key: string; needs: string[]; message: string; hint: string };

interface Doc {
  description?: string;
  /** Name under `definitions` in the JSON Schema (shared shapes); inline when absent. */
  def?: string;
  /** The loader's own words when the value has the wrong type (default: by kind). */
  message?: (v: unknown) => string;
}

export type Shape = Doc &
  (
    | { kind: "map"; what: string | ((p: Path) => string); keys: Record<string, Shape>; required?: string[]; rules?: MapRule[] }
    | { kind: "record"; what: string; values: Shape; keyPattern?: { source: string; message: (k: string) => string } }
    | { kind: "list"; items: Shape; minItems?: number; hint?: string }
    | { kind: "int"; min?: number; max?: number }
    | { kind: "number"; min?: number; why?: string }
    | { kind: "bool" }
    | { kind: "string"; minLength?: number; patterns?: { source: string; message: (v: string) => string; hint?: string }[] }
    /** A list element that names something: a string, where YAML's unquoted true / null / 1 get a hint to quote them. */
    | { kind: "name"; number?: boolean }
    | { kind: "enum"; values: readonly string[] }
    | { kind: "const"; value: number | boolean | string }
    | { kind: "pattern"; source: string; number?: "integer" | "positive" }
    | { kind: "anyOf"; options: Shape[] }
    /** Mentions both placeholders, as a string or anywhere in a list. */
    | { kind: "argv"; mentions: { text: string; message: string; hint: string }[] }
  );
