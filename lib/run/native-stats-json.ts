// Parser for a tool's JSON summary: the last JSON object on its stdout (log lines before or after tolerated), blit's fields mapped.

import type { NativeStats, NativeStatsResult } from "./native-stats-types";

/** Only the tail is searched: a verbose tool's stdout can be large, its summary comes last. */
export const JSON_TAIL_CHARS = 1 << 20;
/** Bound on JSON.parse attempts, so a tail full of braces cannot make this quadratic. */
const MAX_ATTEMPTS = 2000;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * The last complete JSON object in `text`. Tries, from the end, each '{' up to the text's last '}' (so
 * pretty-printed objects work and an inner '{' never parses on its own: the slice would carry the outer
 * object's closing braces); when the text ends with non-JSON lines, the same is done for each earlier
 * line that ends with '}'. null when there is none.
 */
export function lastJsonObject(text: string): Record<string, unknown> | null {
  const tail = text.length > JSON_TAIL_CHARS ? text.slice(-JSON_TAIL_CHARS) : text;
  let attempts = 0;
  // Candidate ends: the last '}' of the text, then the last '}' of each earlier line, latest first.
  const ends: number[] = [];
  const lines = tail.split("\n");
  const starts: number[] = [];
  let pos = 0;
  for (const l of lines) {
    starts.push(pos);
    pos += l.length + 1;
  }
  for (let i = lines.length - 1; i >= 0 && ends.length < 64; i--) {
    const trimmed = lines[i]!.trimEnd();
    if (trimmed.endsWith("}")) ends.push(starts[i]! + trimmed.length - 1);
  }
  for (const end of ends) {
    for (let start = tail.lastIndexOf("{", end); start >= 0; start = start > 0 ? tail.lastIndexOf("{", start - 1) : -1) {
      if (++attempts > MAX_ATTEMPTS) return null;
      try {
        const v = JSON.parse(tail.slice(start, end + 1));
        if (isObject(v)) return v;
      } catch {
        // not an object starting here
      }
    }
  }
  return null;
}

/** snake_case / kebab-case / camelCase key → "tool" + PascalCase: duration_ms → toolDurationMs. */
export function toolFieldName(key: string): string {
  const words = key.split(/[_\-\s.]+|(?=[A-Z])/).filter(Boolean);
  return "tool" + words.map((w) => w[0]!.toUpperCase() + w.slice(1).toLowerCase()).join("");
}

/**
 * Keys read for the headline figures, first present wins. blit prints files_transferred, total_bytes and
 * duration_ms with --json; its remote runs print bytes_transferred instead of total_bytes.
 */
export const JSON_HEADLINE_KEYS = {
  files: ["files_transferred"],
  bytes: ["total_bytes", "bytes_transferred"],
  durationMs: ["duration_ms"],
} as const;

/** Every numeric leaf, nested keys joined ("summary.total_bytes" → toolSummaryTotalBytes); at most 2 levels deep. */
function numericFields(obj: Record<string, unknown>, prefix = "", depth = 0, into: Record<string, number> = {}): Record<string, number> {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}_${k}` : k;
    if (typeof v === "number" && Number.isFinite(v)) into[toolFieldName(key)] = v;
    else if (isObject(v) && depth < 1) numericFields(v, key, depth + 1, into);
  }
  return into;
}

function pick(obj: Record<string, unknown>, keys: readonly string[]): { key: string; value: number } | { key: string; bad: unknown } | null {
  for (const key of keys) {
    if (!(key in obj)) continue;
    const v = obj[key];
    return typeof v === "number" && Number.isFinite(v) && v >= 0 ? { key, value: v } : { key, bad: v };
  }
  return null;
}

export function parseJsonStats(stdout: string): NativeStatsResult {
  const obj = lastJsonObject(stdout);
  if (!obj) return { ok: false, kind: "json", reason: "no JSON object in the tool's output (does it print one, e.g. with --json?)" };
  const notes: string[] = [];
  const read = (what: string, keys: readonly string[]) => {
    const p = pick(obj, keys);
    if (!p) {
      notes.push(`no ${keys.join(" / ")} in the tool's JSON`);
      return null;
    }
    if ("bad" in p) {
      notes.push(`${p.key} is ${JSON.stringify(p.bad)}, not a count (${what})`);
      return null;
    }
    return p;
  };
  const files = read("files", JSON_HEADLINE_KEYS.files);
  const bytes = read("bytes", JSON_HEADLINE_KEYS.bytes);
  const dur = read("ms", JSON_HEADLINE_KEYS.durationMs);
  const stats: NativeStats = {
    kind: "json",
    toolFilesTransferred: files?.value ?? null,
    toolBytes: bytes?.value ?? null,
    toolBytesFrom: bytes?.key ?? null,
    toolDurationMs: dur?.value ?? null,
    fields: numericFields(obj),
    notes,
  };
  return { ok: true, stats };
}
