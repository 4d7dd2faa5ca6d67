// Opening a cached dataset's manifest whatever its format: v2 (manifest.bin) as is, a v1 JSON manifest (manifest.json) upgraded in place when small enough, else refused so the dataset is regenerated.
import fs from "node:fs";
import path from "node:path";
import { DEFAULTS } from "../defaults";
import { HASH_ALGORITHM, ManifestWriter, readManifest, type Manifest, type ManifestEntry } from "./manifest";
import { cmpTreeOrder, RecordFileError } from "./records";

interface ManifestV1 {
  version: 1;
  specHash: string;
  entries: ManifestEntry[];
  hashAlgorithm?: string;
  changeSummary?: unknown;
}

/**
 * The manifest of a dataset folder (`<dir>/manifest.bin`, or a v1 `<dir>/manifest.json` rewritten as
 * v2 beside it and then removed). Throws RecordFileError for anything it cannot trust — a damaged or
 * truncated file, a v1 manifest too large to parse in bounded memory, another hash algorithm — so the
 * caller regenerates instead of misreading.
 */
export function openManifest(dir: string): Manifest {
  const bin = path.join(dir, "manifest.bin");
  const json = path.join(dir, "manifest.json");
  if (fs.existsSync(bin)) return checked(readManifest(bin));
  if (!fs.existsSync(json)) throw new RecordFileError(bin, "missing");
  const size = fs.statSync(json).size;
  if (size > DEFAULTS.legacyManifestMaxBytes) throw new RecordFileError(json, `an old JSON manifest of ${size} bytes (upgraded only up to ${DEFAULTS.legacyManifestMaxBytes})`);
  let v1: ManifestV1;
  try {
    v1 = JSON.parse(fs.readFileSync(json, "utf8")) as ManifestV1;
  } catch {
    throw new RecordFileError(json, "an old JSON manifest that does not parse");
  }
  if (v1?.version !== 1 || !Array.isArray(v1.entries) || typeof v1.specHash !== "string") throw new RecordFileError(json, "not a mirrorbench manifest v1");
  if ((v1.hashAlgorithm ?? HASH_ALGORITHM) !== HASH_ALGORITHM) throw new RecordFileError(json, `hashes of another kind (${v1.hashAlgorithm})`);
  const entries = [...v1.entries].sort((a, b) => cmpTreeOrder(a.path, b.path));
  // v2 names the first name in tree order of each inode (v1 named the first in its own order).
  const first = new Map<string, string>();
  const names = new Map<string, number>();
  for (const e of entries) {
    if (e.type !== "file") continue;
    const root = e.linkOf ?? e.path;
    if (!first.has(root)) first.set(root, e.path);
    names.set(root, (names.get(root) ?? 0) + 1);
  }
  const tmp = `${bin}.tmp-${process.pid}`;
  fs.rmSync(tmp, { force: true });
  const w = new ManifestWriter(tmp);
  try {
    for (const e of entries) {
      const { linkOf: _l, linked: _k, ...rest } = e;
      const root = e.linkOf ?? e.path;
      if (e.type !== "file" || (names.get(root) ?? 1) < 2) w.add(rest);
      else if (first.get(root) === e.path) w.add({ ...rest, linked: true });
      else w.add({ ...rest, linkOf: first.get(root)! });
    }
    const meta = { specHash: v1.specHash, hashAlgorithm: HASH_ALGORITHM, ...(v1.changeSummary ? { changeSummary: v1.changeSummary } : {}) };
    w.finish(meta);
  } catch (e) {
    w.abort();
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.renameSync(tmp, bin);
  fs.unlinkSync(json);
  return checked(readManifest(bin));
}

function checked(m: Manifest): Manifest {
  if (m.hashAlgorithm !== HASH_ALGORITHM) throw new RecordFileError(m.file, `hashes of another kind (${m.hashAlgorithm})`);
  return m;
}
