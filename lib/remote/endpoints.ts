// Where a remote end's trees live on its host (pure): a mirrorbench workspace of ours under the host's .mirrorbench-host, and the placeholders a host gives.

import path from "node:path";
import { BenchError } from "../errors";
import type { SshHost } from "./ssh";

const slug = (name: string) => name.replace(/[^A-Za-z0-9._-]+/g, "_");

/**
 * <ws>/.mirrorbench-host/endpoints is a workspace of ours on the host (claimed with its .mirrorbench marker by the
 * agent before anything is removed there): datasets by spec hash, destinations per scenario and tool, daemon state dirs.
 */
export function endpointLayout(hostWorkspace: string) {
  if (!path.posix.isAbsolute(hostWorkspace)) throw new BenchError(`a host's workspace must be an absolute path, not ${JSON.stringify(hostWorkspace)}`);
  const root = path.posix.join(hostWorkspace, ".mirrorbench-host", "endpoints");
  return {
    root,
    datasets: `${root}/datasets`,
    tree: (specHash: string) => `${root}/datasets/${specHash}/tree`,
    dst: (scenario: string, tool: string) => `${root}/dst/${slug(scenario)}/${slug(tool)}`,
    daemons: `${root}/daemons`,
  };
}

/** {X_host} {X_port} {X_ssh} {X_rsh} of one host: what ssh really dials (ssh -G, no connection made), the ssh: string as written, rsync's -e value. */
export async function endpointValues(h: SshHost): Promise<{ host: string; port: string; ssh: string; rsh: string }> {
  const r = await h.resolved();
  return { host: r.hostname, port: String(r.port), ssh: h.spec.ssh, rsh: h.rsyncRsh() };
}

/** The values of an end on this machine: {X_host} is localhost, the others empty. */
export const LOCAL_ENDPOINT = { host: "localhost", port: "", ssh: "", rsh: "" };
