// `--dry-run` of a fleet run: per host its probe, the ssh command, which executable and config would be copied where (or are already there), the command it would run, where its results land; nothing copied or run.

import path from "node:path";
import { EXIT } from "../errors";
import { remoteLayout } from "../remote/fleet";
import { formatProbe } from "../remote/probe";
import { remoteSha256, sha256File } from "../remote/transfer";
import { quotePosix } from "../shellquote";
import type { Invocation } from "./args";
import { ExecutablePicker, targetOf } from "./fleet-exe";
import { forwardedArgs, lanes, refuseUnsupported } from "./fleet-args";
import { closeHosts, probeHosts } from "./hosts";

const shown = (cwd: string, f: string) => (path.relative(cwd, f).startsWith("..") ? f : path.relative(cwd, f));

export async function fleetDryRun(inv: Invocation, names: string[]): Promise<number> {
  const { config, opts, io } = inv;
  refuseUnsupported(inv);
  io.out(`Fleet run on ${names.join(", ")} (dry run: nothing is built, copied or run)\n`);
  const probed = await probeHosts(config, names);
  try {
    const picker = new ExecutablePicker(io.env);
    const laneOf = await lanes(probed);
    const { args, env } = forwardedArgs(opts);
    const localSha = new Map<string, Promise<string>>();
    const shaOf = (f: string) => localSha.get(f) ?? localSha.set(f, sha256File(f).then((x) => x.sha256)).get(f)!;
    const state = async (host: (typeof probed)[number]["host"], local: string, remote: string) =>
      (await remoteSha256(host, remote)) === (await shaOf(local)) ? "already there (same sha256), would not be copied" : "would be copied (absent or different there)";
    let bad = 0;
    for (const { host, report } of probed) {
      for (const l of formatProbe(report)) (report.ok ? io.out : io.err)(l + "\n");
      io.out(`  ssh: ${host.sshArgv(null).map(quotePosix).join(" ")}\n`);
      const target = targetOf(report.os, report.arch);
      if (!report.ok || !target) {
        if (report.ok) io.err(`  error: no mirrorbench build for ${report.os} ${report.arch}\n`);
        bad++;
        continue;
      }
      const layout = remoteLayout(config.hosts![report.host]!.workspace, path.basename(config.file));
      const exe = picker.preview(target);
      if (exe.file === null) {
        io.err(`  error: ${exe.why}\n`);
        bad++;
      } else if (exe.how === "built") io.out(`  executable: none in ${path.dirname(exe.file)} for ${target}: build:all would build ${shown(io.cwd, exe.file)}, then copy it to ${layout.exe}\n`);
      else io.out(`  executable: ${shown(io.cwd, exe.file)} (${target}${exe.how === "self" ? ", this executable" : ""}) → ${layout.exe}: ${await state(host, exe.file, layout.exe)}\n`);
      io.out(`  config: ${shown(io.cwd, config.file)} → ${layout.config}: ${await state(host, config.file, layout.config)}\n`);
      const envWords = Object.entries(env).map(([k, v]) => `${k}=${v}`);
      const argv = [...envWords, layout.exe, "--config", layout.config, "--workspace", layout.bench, "--results-dir", layout.results, ...args];
      io.out(`  run: ${argv.map(quotePosix).join(" ")}\n`);
      io.out(`  results: the new files in ${layout.results} are pulled into ${config.resultsDir}; the run's log stays in ${layout.bench}/bench.log\n`);
      const sharing = names.filter((n) => n !== report.host && laneOf.get(n) === laneOf.get(report.host));
      if (sharing.length) io.out(`  lane: the same machine as ${sharing.join(", ")}: they would run one after the other\n`);
    }
    if (bad) io.err(`error: ${bad === 1 ? "a host" : `${bad} hosts`} of the fleet cannot be used as ${bad === 1 ? "it is" : "they are"}; fix ${bad === 1 ? "it" : "them"} first\n`);
    return bad ? EXIT.usage : EXIT.go;
  } finally {
    await closeHosts(probed);
  }
}
