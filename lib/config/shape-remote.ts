// The shapes of remote endpoints (a scenario's source: / destination: { host }) and of a tool's daemon:, for shape.ts.

import { DURATION_PATTERN } from "../units";
import type { Shape } from "./shape-types";

const got = (v: unknown) => JSON.stringify(v);
const hostName: Shape = { kind: "string", minLength: 1, description: "a key of hosts:" };

/** `source:` / `destination:` of a scenario: the host that holds that end. */
export const endpoint = (which: "source" | "destination"): Shape => ({
  kind: "map",
  what: which,
  required: ["host"],
  description: which === "source" ? "the source tree lives on this host: the dataset is generated there (same seed, same bytes; manifest hashes compared)" : "the destination lives on this host: reset, verified and cache-dropped there",
  keys: { host: hostName },
});

/** A tool's `daemon:`: started on a host beside each run (or each scenario), ready by TCP or by a log line. */
export const daemon: Shape = {
  kind: "map",
  what: (p) => `tool "${p[1]}".daemon`,
  required: ["host", "argv", "ready"],
  description: "a daemon the tool talks to (e.g. rsync --daemon): started with a fresh state dir ({state}), identity re-checked after every run, stopped after the run or the scenario",
  keys: {
    host: hostName,
    argv: { kind: "list", items: { kind: "name", number: true }, minItems: 1, message: () => "must be a non-empty list of strings", description: "the daemon's argv; {state} is its fresh state dir (also its working folder), {src} {dst} {port} are filled" },
    ready: {
      kind: "map",
      what: "ready",
      keys: {
        tcp: { kind: "int", min: 1, max: 65535, description: "ready when something accepts on this port of the daemon's host; {port} in argv" },
        log: { kind: "string", minLength: 1, description: "ready when the daemon's log has a line matching this regular expression" },
        timeout: { kind: "pattern", source: DURATION_PATTERN, number: "positive", description: "how long the daemon gets to be ready (default 15s); then the run fails with the end of its log", message: (v) => `must be a duration like 15s or 1m, got ${got(v)}` },
      },
      rules: [{ kind: "exactlyOne", keys: ["tcp", "log"], message: "needs exactly one of tcp: PORT or log: REGEX" }],
    },
    per: { kind: "enum", values: ["run", "scenario"], description: "run (default): a fresh daemon for every run; scenario: one per tool and scenario" },
    env: { kind: "record", what: "env", message: () => "must be a mapping of NAME: value", values: { kind: "anyOf", options: [{ kind: "string" }, { kind: "number" }, { kind: "bool" }], message: (v) => `must be a string, a number or true/false, got ${got(v)}` }, description: "environment of the daemon; {state}, {src}, {dst}, {port} are filled" },
  },
};
