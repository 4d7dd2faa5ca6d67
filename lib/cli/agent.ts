// Internal: `mirrorbench agent <op> --json`, what another mirrorbench asks of this host over ssh (probe, generate, manifest-hash, drop-cache); one JSON object on stdout, never prose.

import path from "node:path";
import { parseArgs } from "node:util";
import { EXIT, oneLine } from "../errors";
import type { CliIO } from "../io";
import type { Platform } from "../platform/index";
import { resetOp, verifyOp } from "./agent-endpoint-ops";
import { dropCacheOp, generateOp, manifestHashOp, probeOp } from "./agent-ops";

export const AGENT_USAGE = `usage: mirrorbench agent <op> --json [--path DIR]   (internal: called by another mirrorbench over ssh)

  probe          os, arch, uid, machine id, free space at --path (default: the temp folder), the meter
  generate       a dataset from {"root": "/abs/datasets", "spec": <DatasetSpec>} on stdin → its manifest hash
  manifest-hash  the manifest hash of the tree at --path (the same hash generate gives for the same bytes)
  drop-cache     drop the page cache (per-file eviction of --path where the whole cache cannot be)
  reset          empty the destination --path inside --workspace (claimed as ours; lstat, links never followed)
  verify         the destination --path inside --workspace against --expect <manifest hash> (notReal, match)

Each prints one JSON object on stdout: {"ok": true, "op": …, …} (exit 0), or {"ok": false, "op": …, "error": …}
(exit 2 for a bad request, 1 when the operation failed).`;

class BadRequest extends Error {}

export async function runAgent(args: string[], io: CliIO, platform: Platform): Promise<number> {
  const op = args[0] ?? "";
  const answer = (code: number, body: Record<string, unknown>) => {
    io.out(JSON.stringify({ ...body }) + "\n");
    return code;
  };
  if (op === "-h" || op === "--help") {
    io.out(AGENT_USAGE + "\n");
    return EXIT.go;
  }
  try {
    let v: { json?: boolean; path?: string; workspace?: string; expect?: string };
    try {
      v = parseArgs({ args: args.slice(1), options: { json: { type: "boolean" }, path: { type: "string" }, workspace: { type: "string" }, expect: { type: "string" } } }).values;
    } catch (e) {
      throw new BadRequest(oneLine(e).replace(/\. To specify.*$/, ""));
    }
    if (!v.json) throw new BadRequest("the agent speaks JSON only: add --json");
    const at = v.path === undefined ? undefined : path.resolve(io.cwd, v.path);
    const need = () => at ?? (() => { throw new BadRequest(`${op} needs --path DIR`); })();
    let out: Record<string, unknown>;
    if (op === "probe") out = probeOp(platform, at ?? (io.env.TMPDIR || "/tmp"));
    else if (op === "generate") {
      let input: any;
      try {
        input = JSON.parse((io.readStdin ?? (() => ""))());
      } catch (e) {
        throw new BadRequest(`stdin is not JSON: ${oneLine(e)}`);
      }
      out = await generateOp(input ?? {}).catch((e) => {
        throw /^not a dataset spec|^root must/.test(e.message) ? new BadRequest(e.message) : e;
      });
    } else if (op === "manifest-hash") out = await manifestHashOp(need());
    else if (op === "drop-cache") out = await dropCacheOp(platform, need());
    else if (op === "reset" || op === "verify") {
      const ws = v.workspace === undefined ? null : path.resolve(io.cwd, v.workspace);
      if (!ws) throw new BadRequest(`${op} needs --workspace DIR (a workspace of ours)`);
      if (op === "reset") out = resetOp(ws, need());
      else if (!v.expect) throw new BadRequest("verify needs --expect <manifest hash>");
      else out = await verifyOp(ws, need(), v.expect);
    } else throw new BadRequest(`unknown agent op ${JSON.stringify(op)}; ops: probe, generate, manifest-hash, drop-cache, reset, verify`);
    return answer(EXIT.go, { ok: true, op, ...out });
  } catch (e) {
    return answer(e instanceof BadRequest ? EXIT.usage : EXIT.noGo, { ok: false, op, error: oneLine(e) });
  }
}
