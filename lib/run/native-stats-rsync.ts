// Parser for `rsync --stats` (protocol 29–32 layouts, rsync 3.0 … 3.4): commas, human-readable K/M/G forms, per-kind file counts.

import type { NativeStats, NativeStatsResult } from "./native-stats-types";

/**
 * How rsync writes a number:
 * - "int": a count or byte figure; plain ("6000054"), grouped ("6,000,054", "6.000.054" in some locales), or with -h a
 *   2-decimal mantissa and a unit letter ("6.00M", "6,00M"). Counts of files keep grouping even with -h.
 * - "fixed": printed with %.Nf ("12,006,702.00" bytes/sec, "0.001" seconds); the last separator is the decimal point.
 */
type NumberForm = "int" | "fixed";

const UNIT_POWER: Record<string, number> = { K: 1, M: 2, G: 3, T: 4, P: 5 };

/**
 * One rsync number → a JS number, plus whether -h rounded it. `base` is 1000 for one -h (rsync ≥ 3.0:
 * "units of 1000"), 1024 for -hh. null when it is not a number rsync would print.
 */
export function parseRsyncNumber(raw: string, form: NumberForm, base: 1000 | 1024 = 1000): { value: number; rounded: boolean } | null {
  const s = raw.trim();
  const human = /^(\d+(?:[.,]\d+)?)([KMGTP])$/.exec(s);
  if (human) {
    const mantissa = Number(human[1]!.replace(",", "."));
    return { value: Math.round(mantissa * base ** UNIT_POWER[human[2]!]!), rounded: true };
  }
  if (!/^\d{1,3}(?:[.,]?\d{3})*(?:[.,]\d+)?$/.test(s) && !/^\d+(?:[.,]\d+)?$/.test(s)) return null;
  if (form === "fixed") {
    const m = /^(.*?)(?:[.,](\d+))?$/.exec(s)!;
    const whole = m[1]!.replace(/[.,]/g, "");
    return { value: Number(m[2] === undefined ? whole : `${whole}.${m[2]}`), rounded: false };
  }
  const digits = s.replace(/[.,]/g, "");
  return /^\d+$/.test(digits) ? { value: Number(digits), rounded: false } : null;
}

/** rsync's human-readable base from its argv: one -h (or --human-readable) → 1000, two or more → 1024 (rsync(1), --human-readable). */
export function humanBaseFromArgv(argv: readonly string[]): 1000 | 1024 {
  let level = 0;
  for (const a of argv) {
    if (a === "--human-readable") level++;
    else if (/^-[A-Za-z0-9]+$/.test(a) && !a.startsWith("--")) level += [...a.slice(1)].filter((c) => c === "h").length;
    else if (/^--no-h(uman-readable)?$/.test(a)) level = 0;
  }
  return level >= 2 ? 1024 : 1000;
}

interface LineRule {
  re: RegExp;
  /** Field name(s) for the captured number(s), each carrying its unit. */
  fields: string[];
  form: NumberForm;
  /** Multiply the value (seconds → ms). */
  scale?: number;
}

const NUM = "([\\d.,]+[KMGTP]?)";
const RULES: LineRule[] = [
  { re: new RegExp(`^Number of files: ${NUM}`), fields: ["toolFiles"], form: "int" },
  { re: new RegExp(`^Number of created files: ${NUM}`), fields: ["toolFilesCreated"], form: "int" },
  { re: new RegExp(`^Number of deleted files: ${NUM}`), fields: ["toolFilesDeleted"], form: "int" },
  // 3.1+: "regular files"; 3.0 and older: "files".
  { re: new RegExp(`^Number of (?:regular )?files transferred: ${NUM}`), fields: ["toolFilesTransferred"], form: "int" },
  { re: new RegExp(`^Total file size: ${NUM} bytes`), fields: ["toolTotalFileBytes"], form: "int" },
  { re: new RegExp(`^Total transferred file size: ${NUM} bytes`), fields: ["toolTransferredFileBytes"], form: "int" },
  { re: new RegExp(`^Literal data: ${NUM} bytes`), fields: ["toolLiteralBytes"], form: "int" },
  { re: new RegExp(`^Matched data: ${NUM} bytes`), fields: ["toolMatchedBytes"], form: "int" },
  { re: new RegExp(`^File list size: ${NUM}`), fields: ["toolFileListBytes"], form: "int" },
  { re: new RegExp(`^File list generation time: ${NUM} seconds`), fields: ["toolFileListGenerationMs"], form: "fixed", scale: 1000 },
  { re: new RegExp(`^File list transfer time: ${NUM} seconds`), fields: ["toolFileListTransferMs"], form: "fixed", scale: 1000 },
  { re: new RegExp(`^Total bytes sent: ${NUM}`), fields: ["toolSentBytes"], form: "int" },
  { re: new RegExp(`^Total bytes received: ${NUM}`), fields: ["toolReceivedBytes"], form: "int" },
  { re: new RegExp(`^sent ${NUM} bytes\\s+received ${NUM} bytes\\s+${NUM} bytes/sec`), fields: ["toolSentBytes", "toolReceivedBytes", "toolRateBytesPerSec"], form: "fixed" },
  { re: new RegExp(`^total size is ${NUM}\\s+speedup is ${NUM}`), fields: ["toolTotalFileBytes", "toolSpeedup"], form: "fixed" },
];

const KIND_NAMES: Record<string, string> = { reg: "Regular", dir: "Dir", link: "Link", dev: "Dev", special: "Special" };

/** "(reg: 1,500, dir: 1)" after a count → toolFilesReg, toolFilesDir … (prefix "toolFiles", "toolFilesCreated", "toolFilesDeleted"). */
function kindCounts(rest: string, prefix: string, base: 1000 | 1024, into: Record<string, number>): void {
  const m = /^\s*\((.*)\)\s*$/.exec(rest);
  if (!m) return;
  for (const part of m[1]!.split(/,\s+(?=[a-z]+:)/)) {
    const kv = /^([a-z]+):\s*([\d.,]+[KMGTP]?)$/.exec(part.trim());
    if (!kv) continue;
    const n = parseRsyncNumber(kv[2]!, "int", base);
    if (n) into[`${prefix}${KIND_NAMES[kv[1]!] ?? kv[1]![0]!.toUpperCase() + kv[1]!.slice(1)}`] = n.value;
  }
}

/**
 * Reads the --stats block (and the "sent … received …" / "total size is …" lines that -v also prints) from
 * a run's stdout; file lists printed by -v before it are skipped. Integer fields and the three headline
 * figures are filled; ok:false when no stats line was found (the tool was not run with --stats).
 */
export function parseRsyncStats(stdout: string, opts: { humanBase?: 1000 | 1024 } = {}): NativeStatsResult {
  const base = opts.humanBase ?? 1000;
  const fields: Record<string, number> = {};
  const notes: string[] = [];
  let rounded = false;
  let matched = 0;
  for (const raw of stdout.split(/\r?\n/)) {
    const line = raw.trim();
    for (const rule of RULES) {
      const m = rule.re.exec(line);
      if (!m) continue;
      matched++;
      rule.fields.forEach((name, i) => {
        // The speedup and the rate are %.2f; everything else on the summary lines is an integer figure.
        const form: NumberForm = name === "toolSpeedup" || name === "toolRateBytesPerSec" || rule.scale ? "fixed" : "int";
        const n = parseRsyncNumber(m[i + 1]!, form, base);
        if (!n) {
          notes.push(`could not read ${name} from "${line}"`);
          return;
        }
        rounded ||= n.rounded;
        const v = n.value * (rule.scale ?? 1);
        // The block's own line wins over the summary line's repeat of the same figure (it is printed without -h rounding in 3.0).
        if (!(name in fields) || !n.rounded) fields[name] = v;
      });
      const prefix = rule.fields[0]!;
      if (prefix === "toolFiles" || prefix === "toolFilesCreated" || prefix === "toolFilesDeleted") kindCounts(line.slice(m[0].length), prefix, base, fields);
      break;
    }
  }
  if (!matched) return { ok: false, kind: "rsync", reason: "no rsync --stats lines in the tool's output (add --stats to its argv)" };
  if (rounded) notes.push(`human-readable figures (-h, units of ${base}) are rounded to 3 significant digits`);
  const stats: NativeStats = {
    kind: "rsync",
    toolFilesTransferred: fields.toolFilesTransferred ?? null,
    toolBytes: fields.toolTransferredFileBytes ?? null,
    toolBytesFrom: fields.toolTransferredFileBytes === undefined ? null : "Total transferred file size",
    toolDurationMs: null,
    fields,
    notes,
  };
  return { ok: true, stats };
}
