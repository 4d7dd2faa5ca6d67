// Number shapes shared by the diagnosis texts: counts with thousands separators, per-file rates, sizes.

import { formatBytes } from "../units";

/** 100000 → "100,000" (fixed locale so reports do not change with the host's). */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** A per-file or per-MiB rate: "2.00", "0.004", "1,234"; "—" when there is nothing to divide by. */
export function formatRate(v: number | null): string {
  if (v === null) return "—";
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1000) return formatCount(v);
  if (a >= 0.01) return v.toFixed(2);
  return v.toPrecision(2);
}

/** Bytes as "4.0 KiB"; "—" for null. */
export function formatSize(bytes: number | null): string {
  return bytes === null ? "—" : formatBytes(Math.round(bytes));
}

/** A ratio as "3.3×". */
export function formatTimes(r: number): string {
  return `${r >= 10 ? r.toFixed(0) : r.toFixed(1)}×`;
}

/** "1.234 s" / "12.3 ms" from seconds (strace's unit). */
export function formatSecondsShort(s: number | null): string {
  if (s === null) return "—";
  if (s >= 1) return `${s.toFixed(3)} s`;
  if (s >= 0.001) return `${(s * 1e3).toFixed(1)} ms`;
  return `${(s * 1e6).toFixed(0)} µs`;
}
