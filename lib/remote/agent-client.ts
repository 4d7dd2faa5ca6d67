// Calling the mirrorbench agent on a host over its ssh connection: one op, one JSON object back, a failure as a BenchError naming the host and the op.

import { BenchError } from "../errors";
import { REMOTE_DEFAULTS } from "../defaults";
import type { SshHost } from "./ssh";

export interface AgentAnswer {
  ok: boolean;
  op: string;
  error?: string;
  [k: string]: unknown;
}

export class AgentClient {
  constructor(
    readonly host: SshHost,
    /** The staged executable on the host. */
    readonly exe: string,
    /** The host's cache drop goes through `sudo -n` (hosts: sudo: true, and the login user is not root). */
    readonly sudoDrop = false,
  ) {}

  get name(): string {
    return this.host.spec.name;
  }

  /** `<exe> agent <op> --json …` on the host; `input` goes to its stdin as JSON. Dispatch + work: never a measurement. */
  async call(op: string, args: string[] = [], input?: unknown, timeoutMs = REMOTE_DEFAULTS.transferTimeoutMs): Promise<AgentAnswer> {
    const stdin = input === undefined ? undefined : (new Response(JSON.stringify(input)).body as ReadableStream<Uint8Array>);
    const sudo = op === "drop-cache" && this.sudoDrop ? ["sudo", "-n"] : [];
    const r = await this.host.exec([...sudo, this.exe, "agent", op, "--json", ...args], { timeoutMs, ...(stdin ? { stdin } : {}) });
    if (r.sshFailed) throw new BenchError(`${this.name}: ssh failed during agent ${op}: ${r.stderr.trim().split("\n").at(-1) || "exit 255"}`);
    if (r.timedOut) throw new BenchError(`${this.name}: agent ${op} took longer than ${Math.round(timeoutMs / 1000)} s and was stopped`);
    const line = r.stdout.trim().split("\n").at(-1) ?? "";
    let a: AgentAnswer;
    try {
      a = JSON.parse(line) as AgentAnswer;
    } catch {
      throw new BenchError(`${this.name}: agent ${op} answered no JSON (exit ${r.code}): ${(r.stderr.trim() || line).slice(0, 300)}`);
    }
    if (!a.ok) throw new BenchError(`${this.name}: agent ${op} failed: ${a.error ?? `exit ${r.code}`}`);
    return a;
  }
}
