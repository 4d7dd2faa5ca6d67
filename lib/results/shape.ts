// The shape of a stored results file: every field a reader (report, compare, history, exports, HTML) touches, checked once, the first bad one named.

import { BenchError } from "../errors";

type Check = (v: unknown, at: string) => void;

class ShapeError extends Error {}

const got = (v: unknown) => (v === undefined ? "nothing" : JSON.stringify(v) ?? String(v));
const wrong = (at: string, want: string, v: unknown): never => {
  throw new ShapeError(`${at}: expected ${want}, got ${got(v)}`);
};

const num: Check = (v, at) => {
  if (typeof v !== "number" || !Number.isFinite(v)) wrong(at, "a number", v);
};
const str: Check = (v, at) => {
  if (typeof v !== "string") wrong(at, "a string", v);
};
const bool: Check = (v, at) => {
  if (typeof v !== "boolean") wrong(at, "true or false", v);
};
const nullable = (c: Check): Check => (v, at) => {
  if (v !== null) c(v, at);
};
const optional = (c: Check): Check => (v, at) => {
  if (v !== undefined) c(v, at);
};
const oneOf = (...options: string[]): Check => (v, at) => {
  if (typeof v !== "string" || !options.includes(v)) wrong(at, `one of ${options.join(", ")}`, v);
};
const list = (c: Check): Check => (v, at) => {
  if (!Array.isArray(v)) wrong(at, "a list", v);
  (v as unknown[]).forEach((x, i) => c(x, `${at}[${i}]`));
};
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const obj = (fields: Record<string, Check>): Check => (v, at) => {
  if (!isObject(v)) wrong(at, "an object", v);
  for (const [k, c] of Object.entries(fields)) c((v as Record<string, unknown>)[k], at ? `${at}.${k}` : k);
};
const record = (c: Check): Check => (v, at) => {
  if (!isObject(v)) wrong(at, "an object", v);
  for (const [k, x] of Object.entries(v as object)) c(x, `${at}.${k}`);
};
/** A union keyed by `state`: the common fields, then the fields of that state. */
const byState = (common: Record<string, Check>, states: Record<string, Record<string, Check>>): Check => (v, at) => {
  obj({ state: oneOf(...Object.keys(states)) })(v, at);
  obj({ ...common, ...states[(v as { state: string }).state]! })(v, at);
};

const summary = obj({ n: num, meanNs: num, stddevNs: num, medianNs: num, minNs: num, maxNs: num });
const stats = obj({
  time: summary,
  userMsMean: nullable(num),
  systemMsMean: nullable(num),
  cpuUtilMean: nullable(num),
  maxRssMedianBytes: nullable(num),
  mibPerSec: num,
  filesPerSec: num,
  warnings: list(str),
});
const tool = byState({ tool: str, label: str }, { completed: { stats }, failed: { reason: str, stats: nullable(stats) }, skipped: { reason: str } });
const measure = obj({ wallNs: num, userUs: nullable(num), systemUs: nullable(num), maxRssBytes: nullable(num) });
const durable = obj({ durableNs: nullable(num), flushNs: nullable(num), method: str, timedBy: oneOf("meter", "harness") });
const settle = obj({ syncMs: nullable(num), waitedMs: num, samples: num, reason: str });
const run = byState(
  {
    tool: str, phase: oneOf("warmup", "measured"), index: num, round: num, cache: str, residentFraction: optional(nullable(num)),
    returnedNs: optional(num), durable: optional(durable), settle: optional(settle), clone: optional(obj({ state: oneOf("copied", "cloned", "unknown") })),
    sameWork: optional(list(obj({ kind: str, checked: num, differing: num, examples: list(str) }))), preflight: optional(str),
  },
  { completed: { exitCode: num, measure }, failed: { exitCode: nullable(num), measure: nullable(measure), reason: str }, skipped: { reason: str } },
);
const interval = obj({ estimate: num, low: num, high: num });
const paired = obj({
  ratios: list(obj({ round: num, ratio: num })),
  medianRatio: nullable(num),
  interval: nullable(obj({ low: num, high: num, confidence: num })),
  state: oneOf("FASTER", "SLOWER", "EQUIVALENT", "UNCLEAR"),
});
const control = obj({ tool: str, state: oneOf("CLEAN", "NOT-CLEAN"), band: obj({ low: num, high: num }), method: str });
const verdict = obj({
  candidate: str, baseline: str, verdict: oneOf("PASS", "FAIL", "UNDECIDED", "NO-VERDICT"), timeRatio: nullable(interval), memoryRatio: nullable(num), withinNoise: bool, reasons: list(str),
  gate: optional(oneOf("bootstrap", "paired")), gateOn: optional(oneOf("returned", "durable")), paired: optional(nullable(paired)), control: optional(nullable(control)), flags: optional(list(str)),
});
const scenario = obj({
  name: str,
  baseName: str,
  parameters: record(str),
  workload: obj({ kind: str, files: num, bytes: num, datasetHash: optional(nullable(str)) }),
  cache: str,
  verified: bool,
  baseline: nullable(str),
  candidates: list(str),
  tools: list(tool),
  verdicts: list(verdict),
  runs: list(run),
  timings: list(obj({})),
  thresholds: obj({ maxTimeRatio: num, maxMemoryRatio: num, requireSignificance: bool }),
  runOptions: optional(obj({ settle: obj({ sync: bool }), gate: oneOf("bootstrap", "paired"), gateOn: oneOf("returned", "durable"), durable: list(str), control: nullable(str) })),
  preflight: optional(str),
});
const regression = obj({ scenario: str, tool: str, label: str, verdict: oneOf("regression", "improvement", "ok", "no-verdict"), meanNs: num, message: str });
// A diagnosis as the Why section and the HTML report read it: each part a union keyed by state.
const part = (value: Check): Check => byState({}, { completed: { value }, failed: { reason: str }, skipped: { reason: str } });
const flameGraph = obj({ svg: str, speedscope: nullable(str), samples: num });
const toolDiagnosis = obj({ tool: str, label: str, syscalls: part(obj({})), perfStat: part(obj({ counters: list(obj({ event: str, value: nullable(num) })) })), flameGraph: part(flameGraph) });
const side = obj({ calls: num, errors: num });
const syscallDiff = obj({
  candidate: str, baseline: str, workload: obj({ files: num, bytes: num }),
  rows: list(obj({ name: str, candidate: side, baseline: side })), totals: obj({ candidate: side, baseline: side }),
  ioSizes: list(obj({ family: str, target: str })), zeroCopy: list(obj({ call: str })), findings: list(str),
});
const scaling = obj({ tool: str, points: list(obj({ files: num, peakBytes: num })), fixedBytes: nullable(num), bytesPerFile: nullable(num), verdict: str });
const diagnosis = obj({
  scenario: str, trigger: oneOf("gate-failed", "gate-undecided", "all"), gateReasons: list(str),
  candidate: toolDiagnosis, baseline: toolDiagnosis, workload: obj({ files: num, bytes: num }), cache: str,
  diff: part(syscallDiff), memory: part(list(scaling)), instruments: list(obj({ id: str, state: oneOf("available", "missing", "refused") })),
  outDir: optional(str), elapsedNs: num,
});
const resultsShape = obj({
  startedAt: str,
  finishedAt: nullable(str),
  interrupted: bool,
  host: obj({ id: str }),
  environment: obj({ user: obj({}) }),
  tools: record(obj({ available: bool })),
  scenarios: list(scenario),
  decision: nullable(obj({ decision: str, exitCode: num })),
  regressions: optional(list(regression)),
  diagnoses: optional(list(diagnosis)),
  timedBy: optional(str),
  provenance: optional(obj({ host: str, tools: record(obj({ path: str, sha256: nullable(str), version: nullable(str) })) })),
  remoteProvenance: optional(list(obj({ host: str, tools: record(obj({ path: str, sha256: nullable(str), version: nullable(str) })) }))),
  fleet: optional(obj({ host: str, initiator: str })),
  preflight: optional(obj({ off: optional(str), reports: list(obj({ ok: bool, where: str, checks: list(obj({ name: str, ok: bool, measured: str, limit: str })) })) })),
});

/** Throws a BenchError naming the first field a reader would trip on, e.g. `scenarios[0].tools[1].stats.time.meanNs: expected a number, got "x"`. */
export function checkResultsShape(raw: unknown, file: string): void {
  try {
    resultsShape(raw, "");
  } catch (e) {
    if (!(e instanceof ShapeError)) throw e;
    throw new BenchError(`${file}: not a usable mirrorbench results file: ${e.message}`, {
      hint: "the file was edited or damaged; re-run the benchmark, or restore the file from a copy",
    });
  }
}
