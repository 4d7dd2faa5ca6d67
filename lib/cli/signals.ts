// Ctrl-C, SIGTERM and SIGHUP during a run: inside a scenario's runs, finish it (kill the tool tree, write what was measured); otherwise stop at once.

import { EXIT } from "../errors";
import type { Log } from "../log";
import type { Executor } from "../run/executor";
import { Aborted, type Interleaved } from "../run/timing";

/** A closed terminal or ssh session (SIGHUP) finishes like Ctrl-C: exit 130. */
export const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** What the watch needs of the process; tests pass an EventEmitter and a fake exit. */
export interface SignalSource {
  on(signal: string, handler: () => void): unknown;
  off(signal: string, handler: () => void): unknown;
}

export interface SignalWatch {
  /** Set once a signal arrived while a scenario's runs were going on. */
  readonly interrupted: boolean;
  /** The interleaver of the scenario now running, or null between scenarios. */
  running(il: Interleaved | null): void;
  /** Stops listening; safe to call twice. */
  release(): void;
}

export interface SignalOptions {
  log: Log;
  executor: Executor;
  /** Releases what the run holds (log, lock, workspace) before an immediate exit. */
  cleanup: () => void;
  source?: SignalSource;
  exit?: (code: number) => void;
}

export function watchSignals(o: SignalOptions): SignalWatch {
  const source = o.source ?? process;
  const exit = o.exit ?? ((code: number) => process.exit(code));
  let interrupted = false;
  let il: Interleaved | null = null;
  const onSignal = () => {
    if (interrupted || !il) {
      // Not inside a scenario's runs (generating data, or a second Ctrl-C): nothing to finish, so stop now.
      // Results of finished scenarios are already on disk; a half-generated dataset is never marked complete.
      o.executor.killAll("SIGKILL");
      o.log.error("interrupted: stopped before or between measured runs; finished scenarios are in the results file");
      watch.release();
      o.cleanup();
      exit(EXIT.interrupted);
      return;
    }
    interrupted = true;
    o.log.error("interrupted: stopping the running tool and writing what was measured");
    il.abort(new Aborted("interrupted"));
    o.executor.killAll("SIGKILL");
  };
  for (const s of STOP_SIGNALS) source.on(s, onSignal);
  let released = false;
  const watch: SignalWatch = {
    get interrupted() {
      return interrupted;
    },
    running(next) {
      il = next;
    },
    release() {
      if (released) return;
      released = true;
      for (const s of STOP_SIGNALS) source.off(s, onSignal);
    },
  };
  return watch;
}
