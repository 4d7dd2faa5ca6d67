// The tree a dataset spec describes, by arithmetic alone: names, directory layout, fixed modes and mtimes, and the limits a spec can break.
//
// Tree layout (decisions the issue left open):
// - Group g with count n, perDir p, depth d: L = ceil(n/p) leaf dirs. depth 0 puts the leaf dirs
//   directly in the group dir (g/d0/f0.dat); depth k adds k levels of intermediate dirs with the
//   smallest fan-out f such that f^k >= L. File i sits in leaf dir floor(i/p). Depth is therefore
//   never a capacity limit; checkSpec only reports path-length limits.
// - Name styles: short = "f0042.dat" / "d07" / "l3" (zero-padded so sorting = index order);
//   long = file and dir names padded to ~200 bytes; unicode = NFC names from several scripts
//   (incl. a non-BMP character); deep = a shared chain of DEEP_CHAIN_LEVELS extra 24-byte dirs between
//   the group dir and its tree (paths of ~1 KiB).
// - Extras live under "_extras/": empty/eN (empty dirs), symlinks/sN (relative links to group files),
//   hardlinks/hN (second names of group files). Executables (0755) and old mtimes (2001-01-01) are
//   applied to group files picked evenly through the file list.
// - Every file gets mtime FIXED_MTIME_MS (2020-01-01) unless it has an old mtime; dirs likewise.
// Read by config (limits), plan and datasets, so it sits among the shared leaves.
import { DEFAULTS } from "./defaults";
import { Rng } from "./prng";
import type { DatasetSpec, FileGroup } from "./types";

export const FIXED_MTIME_MS = Date.UTC(2020, 0, 1);
export const OLD_MTIME_MS = Date.UTC(2001, 0, 1);
export const EXTRAS_DIR = "_extras";
export const DEEP_CHAIN_LEVELS = 40;
export const FILE_MODE = 0o644;
export const EXEC_MODE = 0o755;
export const DIR_MODE = 0o755;
/** Linux PATH_MAX is 4096 including the root prefix; keep this much for where the tree is placed. */
const PATH_ROOM_BYTES = 512;

const UNICODE_WORDS = [
  "\u00e9t\u00e9", // été
  "na\u00efve",
  "\u00c5ngstr\u00f6m",
  "\u03a9\u03bc\u03ad\u03b3\u03b1", // Ωμέγα
  "\u041f\u0440\u0438\u0432\u0435\u0442", // Привет
  "\u65e5\u672c\u8a9e", // 日本語
  "\ud55c\uad6d\uc5b4", // 한국어
  "\u0639\u0631\u0628\u064a", // عربي
  "\u0939\u093f\u0928\u094d\u0926\u0940", // हिन्दी
  "\ud83c\udfb5music", // 🎵 (non-BMP)
  "Stra\u00dfe",
  "\u0161\u0165\u017e\u010d",
];
const LONG_NAME_BYTES = 200;

export function pad(i: number, width: number): string {
  return String(i).padStart(width, "0");
}
export function digits(n: number): number {
  return String(Math.max(0, n - 1)).length;
}

function longFiller(seedWord: number, a: number, b: number, bytes: number): string {
  const rng = new Rng(seedWord, 0x4c4f4e47, a, b);
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  let s = "";
  while (s.length < bytes) s += alphabet[rng.below(alphabet.length)];
  return s;
}

export function styledName(g: FileGroup, kind: "f" | "d" | "l", index: number, width: number, gi: number, ext: string): string {
  const base = kind + pad(index, width);
  switch (g.names) {
    case "short":
    case "deep":
      return base + ext;
    case "long":
      return base + "_" + longFiller(gi, kind.charCodeAt(0), index, LONG_NAME_BYTES - base.length - 1 - ext.length) + ext;
    case "unicode": {
      const w = UNICODE_WORDS[(index + gi) % UNICODE_WORDS.length]!;
      return `${w}_${base}${ext}`;
    }
  }
}

export function fileName(g: FileGroup, gi: number, i: number, width: number): string {
  return styledName(g, "f", i, width, gi, ".dat");
}

export interface GroupLayout {
  leafDirs: number;
  fanout: number;
  fileDigits: number;
  leafDigits: number;
  fanDigits: number;
  sampleDirNames: string[];
  chain: string[];
}

export function groupLayout(g: FileGroup, gi: number): GroupLayout {
  const leafDirs = Math.max(1, Math.ceil(g.count / Math.max(1, g.perDir)));
  let fanout = 1;
  if (g.depth > 0) {
    while (fanout ** g.depth < leafDirs) fanout++;
  }
  const chain: string[] = [];
  if (g.names === "deep") {
    for (let k = 0; k < DEEP_CHAIN_LEVELS; k++) chain.push(`deep${pad(k, 2)}_` + longFiller(gi, 0x44, k, 16));
  }
  const leafDigits = digits(leafDirs);
  const fanDigits = digits(fanout);
  return {
    leafDirs,
    fanout,
    fileDigits: digits(g.count),
    leafDigits,
    fanDigits,
    chain,
    sampleDirNames: [styledName(g, "d", leafDirs - 1, leafDigits, gi, ""), styledName(g, "l", fanout - 1, fanDigits, gi, ""), ...chain],
  };
}

/** Relative dir of leaf dir j (without the group name). */
export function leafDirPath(g: FileGroup, gi: number, lay: GroupLayout, j: number): string[] {
  const parts = [...lay.chain];
  if (g.depth > 0) {
    const ds: number[] = [];
    let rest = j;
    for (let k = 0; k < g.depth; k++) {
      ds.push(rest % lay.fanout);
      rest = Math.floor(rest / lay.fanout);
    }
    for (const dgt of ds.reverse()) parts.push(styledName(g, "l", dgt, lay.fanDigits, gi, ""));
  }
  parts.push(styledName(g, "d", j, lay.leafDigits, gi, ""));
  return parts;
}

/** The group's longest relative path: its last file in its last leaf directory. */
function samplePath(g: FileGroup): string {
  const lay = groupLayout(g, 0);
  const parts = [g.name, ...leafDirPath(g, 0, lay, lay.leafDirs - 1)];
  // The longest dir names sit at the highest indices.
  return parts.join("/") + "/" + fileName(g, 0, g.count - 1, lay.fileDigits);
}
/** Bytes of the group's longest relative path (the highest-numbered file), for limits computed without a plan. */
export function longestPathBytes(g: FileGroup): number {
  return Buffer.byteLength(samplePath(g));
}

/** A spec the generator cannot build, located by the group and the key at fault, so config load can point at its line. */
export interface SpecProblem {
  /** Index of the group at fault; null = the extras. */
  group: number | null;
  field: "name" | "count" | "per_dir" | "size" | "names" | "depth" | "extras";
  message: string;
}

/** What the generator cannot build (reserved or duplicate names, NAME_MAX / PATH_MAX, extras without files); [] when fine. */
export function checkSpec(spec: DatasetSpec): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const names = new Set<string>();
  const nameMax = DEFAULTS.nameMaxBytes;
  const pathMax = DEFAULTS.pathMaxBytes;
  spec.groups.forEach((g, gi) => {
    const at = (field: SpecProblem["field"], message: string) => problems.push({ group: gi, field, message });
    if (g.name === EXTRAS_DIR) at("name", `group name "${EXTRAS_DIR}" is reserved for dataset extras`);
    if (names.has(g.name)) at("name", "duplicate group name");
    names.add(g.name);
    if (g.count < 0 || !Number.isInteger(g.count)) at("count", "count must be a non-negative integer");
    if (g.perDir < 1) at("per_dir", "perDir must be >= 1");
    if (g.minBytes > g.maxBytes) at("size", "minBytes > maxBytes");
    if (g.count < 1 || g.perDir < 1) return;
    const lay = groupLayout(g, 0);
    const longestFile = Buffer.byteLength(fileName(g, 0, g.count - 1, lay.fileDigits));
    const longestDir = Math.max(...lay.sampleDirNames.map((n) => Buffer.byteLength(n)));
    if (Math.max(longestFile, longestDir, Buffer.byteLength(g.name)) > nameMax) {
      at("names", `names of style "${g.names}" would exceed NAME_MAX ${nameMax} bytes`);
    }
    const pathBytes = Buffer.byteLength(samplePath(g));
    if (pathBytes > pathMax - PATH_ROOM_BYTES) {
      at(
        "depth",
        `paths would be ${pathBytes} bytes long (names "${g.names}", depth ${g.depth}); ` +
          `PATH_MAX is ${pathMax} and ${PATH_ROOM_BYTES} bytes are kept for the dataset location — lower depth or use shorter names`,
      );
    }
  });
  const totalFiles = spec.groups.reduce((s, g) => s + Math.max(0, g.count), 0);
  const x = spec.extras;
  const extras = (message: string) => problems.push({ group: null, field: "extras", message });
  for (const k of ["symlinks", "hardlinks", "executables", "oldMtimes"] as const) {
    if (x[k] > 0 && totalFiles === 0) extras(`extras.${k}: ${x[k]} requested but the dataset has no files`);
  }
  if (x.executables > totalFiles && totalFiles > 0) extras(`extras.executables: ${x.executables} > ${totalFiles} files`);
  if (x.oldMtimes > totalFiles && totalFiles > 0) extras(`extras.oldMtimes: ${x.oldMtimes} > ${totalFiles} files`);
  return problems;
}
