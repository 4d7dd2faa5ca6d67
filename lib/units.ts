// Parsing and printing of sizes (bytes), size ranges and durations (ms).

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  k: 1024, kb: 1000, kib: 1024,
  m: 1024 ** 2, mb: 1000 ** 2, mib: 1024 ** 2,
  g: 1024 ** 3, gb: 1000 ** 3, gib: 1024 ** 3,
  t: 1024 ** 4, tb: 1000 ** 4, tib: 1024 ** 4,
};

// The spellings the parsers accept, as regular-expression sources: the config's JSON Schema is built from the same text.
const SIZE_BODY = "\\s*(\\d+(?:\\.\\d+)?)\\s*([bB]|[kKmMgGtT](?:[iI]?[bB])?)?\\s*";
/** A size: a number, then b / k / kb / kib / m / mb / mib / g … / t … in any case (kib = 1024, kb = 1000). */
export const SIZE_PATTERN = `^${SIZE_BODY}$`;
/** A size, or two joined by "..". */
export const SIZE_OR_RANGE_PATTERN = `^${SIZE_BODY.replace(/\((?!\?)/g, "(?:")}(?:\\.\\.${SIZE_BODY.replace(/\((?!\?)/g, "(?:")})?$`;
/** A duration above zero: a number with ms, s (default), m or h. */
export const DURATION_PATTERN = "^\\s*(\\d*[1-9]\\d*(?:\\.\\d+)?|\\d+\\.\\d*[1-9]\\d*)\\s*(ms|s|m|h)?\\s*$";
/** An exit-code range, low..high. */
export const EXIT_RANGE_PATTERN = "^\\d+\\.\\.\\d+$";

const SIZE_RE = new RegExp(SIZE_PATTERN);
const DURATION_RE = new RegExp(DURATION_PATTERN);

/** "512MiB" | "4GiB" | "1.5k" | 4096 → bytes; null when unparseable. */
export function parseBytes(v: unknown): number | null {
  if (typeof v === "number") return Number.isInteger(v) && v >= 0 ? v : null;
  if (typeof v !== "string") return null;
  const m = SIZE_RE.exec(v);
  if (!m) return null;
  const unit = SIZE_UNITS[(m[2] || "b").toLowerCase()];
  if (unit === undefined) return null;
  const bytes = Number(m[1]) * unit;
  return Number.isFinite(bytes) ? Math.round(bytes) : null;
}

/** "1KiB..10KiB" → {min,max}; a single size gives min === max. */
export function parseByteRange(v: unknown): { minBytes: number; maxBytes: number } | null {
  if (typeof v === "string" && v.includes("..")) {
    const [a, b, ...rest] = v.split("..");
    if (rest.length) return null;
    const minBytes = parseBytes(a);
    const maxBytes = parseBytes(b);
    return minBytes === null || maxBytes === null ? null : { minBytes, maxBytes };
  }
  const n = parseBytes(v);
  return n === null ? null : { minBytes: n, maxBytes: n };
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "90s" | "10m" | "1h" | "250ms" | 30 (seconds) → ms; null when unparseable. */
export function parseDurationMs(v: unknown): number | null {
  if (typeof v === "number") return v > 0 ? v * 1000 : null;
  if (typeof v !== "string") return null;
  const m = DURATION_RE.exec(v);
  if (!m) return null;
  const ms = Number(m[1]) * DURATION_UNITS[m[2] ?? "s"]!;
  return ms > 0 ? ms : null;
}

/** Human size in the old script's spirit: "256.0 MiB", "4.0 KiB", "512 B". */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

/** Seconds with 3 decimals, the old script's <s.sss>. */
export function formatSeconds(ns: number): string {
  return (ns / 1e9).toFixed(3);
}

/** A compact duration for tables: 812 µs, 12.3 ms, 1.234 s. */
export function formatDuration(ns: number): string {
  if (ns < 1e6) return `${(ns / 1e3).toFixed(0)} µs`;
  if (ns < 1e9) return `${(ns / 1e6).toFixed(1)} ms`;
  return `${(ns / 1e9).toFixed(3)} s`;
}
