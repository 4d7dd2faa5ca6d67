// The fast tier: every test file that starts no process, worker, sshd or browser (pure logic, the mock executor, small temp trees).
import fs from "node:fs";
import path from "node:path";

// A file that mentions one of these spawns something real and belongs to the end-to-end tier.
const SLOW = /runCli|Bun\.spawn|spawnSync|child_process|sshd|execFile|runTool|mb-run|meter|\$`|Worker|generateDataset|ensureDataset|chromium|strace/;

export function fastTestFiles(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".test.ts"))
    .sort()
    .filter((f) => !SLOW.test(fs.readFileSync(path.join(dir, f), "utf8")))
    .map((f) => path.join(dir, f));
}

if (import.meta.main) {
  const files = fastTestFiles(path.join(import.meta.dir, "..", "tests"));
  const p = Bun.spawnSync(["bun", "test", ...process.argv.slice(2), ...files], { stdio: ["inherit", "inherit", "inherit"] });
  process.exit(p.exitCode ?? 1);
}
