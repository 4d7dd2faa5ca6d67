// --list and --dry-run: what would run, and every host it would use probed first (remote ends and daemons count as used).

import type { Platform } from "../platform/index";
import type { ResolvedConfig } from "../types";
import type { CliOptions } from "./args";
import type { CliIO } from "../io";
import { dryRunValues, usedHosts } from "./endpoints";
import { fleetDryRun } from "./fleet";
import { listHosts } from "./hosts";
import { dryRun, listScenarios } from "./list";

export async function survey(ctx: { config: ResolvedConfig; opts: CliOptions; io: CliIO; platform: Platform }, fleet: string[]): Promise<number> {
  const { config, opts, io, platform } = ctx;
  // A finding on any used host stops --list / --dry-run with exit 2, before anything runs.
  const ends = usedHosts(config, opts.only);
  const used = [...new Set([...fleet, ...ends])];
  if (opts.list) {
    await listScenarios(config, io, platform);
    return await listHosts(config, used, io);
  }
  if (fleet.length) return await fleetDryRun(ctx, fleet);
  dryRun(config, io, platform, opts, await dryRunValues(config, ends));
  return await listHosts(config, used, io);
}
