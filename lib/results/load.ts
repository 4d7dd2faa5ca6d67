// Reading a stored results file: parsed, upgraded from older schema versions, normalized, its shape checked.

import fs from "node:fs";
import { BenchError } from "../errors";
import { hostId } from "../platform/host";
import { SCHEMA_VERSION, type ResultsFile } from "./file";
import { checkResultsShape } from "./shape";

/**
 * Upgrades, one place for all of them: step k turns a schemaVersion-k document into k+1, so every reader
 * works on old folders (history, compare, report) without branching on the version.
 */
export const UPGRADES: Record<number, (raw: any) => any> = {
  /**
   * 1 → 2: what a version-1 run was, said in version 2's words. Its verdicts were the bootstrap gate on returned
   * times; its runs were not settled (no sync), not flushed, not checked for same work; a run's returned time is
   * its wall time; no preflight ran.
   */
  1: (raw) => {
    for (const s of Array.isArray(raw.scenarios) ? raw.scenarios : []) {
      if (s === null || typeof s !== "object") continue;
      s.runOptions ??= { settle: { sync: false, wait: null }, gate: "bootstrap", gateOn: "returned", durable: [], control: null };
      for (const v of Array.isArray(s.verdicts) ? s.verdicts : []) {
        if (v === null || typeof v !== "object") continue;
        v.gate ??= "bootstrap";
        v.gateOn ??= "returned";
        v.paired ??= null;
        v.control ??= null;
        v.flags ??= [];
      }
      for (const r of Array.isArray(s.runs) ? s.runs : []) {
        if (r?.measure && typeof r.measure.wallNs === "number") r.returnedNs ??= r.measure.wallNs;
      }
    }
    raw.preflight ??= { off: "not recorded (written by a mirrorbench without preflight)", reports: [] };
    return raw;
  },
};

// Fields later added as optional are filled here so readers never branch on their absence.
function normalize(raw: any, file: string): ResultsFile {
  const bad = (what: string) => new BenchError(`${file}: not a usable mirrorbench results file: ${what}`);
  if (!Array.isArray(raw.scenarios)) throw bad("no scenarios array");
  if (typeof raw.startedAt !== "string" || Number.isNaN(Date.parse(raw.startedAt))) throw bad("no valid startedAt");
  if (!raw.host?.id) {
    if (!raw.environment) throw bad("neither host nor environment");
    raw.host = hostId(raw.environment, raw.environment.hostname ?? "unknown");
  }
  raw.finishedAt ??= null;
  raw.interrupted ??= false;
  raw.decision ??= null;
  raw.tools ??= {};
  for (const s of raw.scenarios) {
    if (s === null || typeof s !== "object") continue;
    s.baseName ??= s.name;
    s.parameters ??= {};
    s.tools ??= [];
    s.verdicts ??= [];
    s.runs ??= [];
    s.timings ??= [];
    s.candidates ??= [];
    s.baseline ??= null;
  }
  // Every nested field a reader touches, so a damaged file is a named error (exit 2), never a TypeError.
  checkResultsShape(raw, file);
  return raw as ResultsFile;
}

/** Parses and validates a results JSON text; schemaVersion above ours is refused (a newer mirrorbench wrote it). */
export function parseResults(text: string, file = "<results>"): ResultsFile {
  let raw: any;
  try {
    raw = JSON.parse(text);
  } catch (e: any) {
    throw new BenchError(`${file}: not JSON: ${e.message}`);
  }
  if (raw === null || typeof raw !== "object" || raw.schema !== "mirrorbench.results") {
    throw new BenchError(`${file}: not a mirrorbench results file (schema is ${JSON.stringify(raw?.schema)}, expected "mirrorbench.results")`);
  }
  const v = raw.schemaVersion;
  if (!Number.isInteger(v) || v < 1) throw new BenchError(`${file}: schemaVersion ${JSON.stringify(v)} is not a positive whole number`);
  if (v > SCHEMA_VERSION) {
    throw new BenchError(`${file}: schemaVersion ${v} is newer than this mirrorbench understands (${SCHEMA_VERSION})`, {
      hint: "update mirrorbench to read results written by a newer version",
    });
  }
  for (let k = v; k < SCHEMA_VERSION; k++) {
    const step = UPGRADES[k];
    if (!step) throw new BenchError(`${file}: no upgrade from schemaVersion ${k}`);
    raw = step(raw);
    raw.schemaVersion = k + 1;
  }
  return normalize(raw, file);
}

export function loadResults(file: string): ResultsFile {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e: any) {
    throw new BenchError(`cannot read results file ${file}: ${e.code ?? e.message}`);
  }
  return parseResults(text, file);
}
