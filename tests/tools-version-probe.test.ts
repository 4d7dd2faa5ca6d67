import { afterAll, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { selectPlatform } from "../lib/platform/index";
import { LocalExecutor } from "../lib/run/spawn";
import { probeVersion, probeVersions } from "../lib/run/tools";
import type { ToolAvailability, ToolSpec } from "../lib/types";
import { tmpDir } from "./helpers";

const dirs: string[] = [];
const executor = new LocalExecutor(selectPlatform());
afterAll(() => {
  dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
  executor.close();
});

function tool(argv0: string): ToolSpec {
  return { id: "t", label: "t", argv: [argv0, "{src}", "{dst}"], shell: false, env: {}, successCodes: [0], requires: [], versionArgv: null };
}
const avail = (p: string) => ({ id: "t", available: true, path: p, reason: null, version: null });

test("the version probe returns the first line a tool prints for --version", async () => {
  const dir = tmpDir();
  dirs.push(dir);
  const t = path.join(dir, "t.sh");
  fs.writeFileSync(t, "#!/bin/sh\n[ \"$1\" = --version ] && { echo; echo 'mytool 1.2.3'; echo more; exit 0; }\nexit 1\n", { mode: 0o755 });
  expect(await probeVersion(tool(t), avail(t), executor)).toBe("mytool 1.2.3");
});

test("a --version that leaves a setsid child holding its output neither hangs the probe nor leaves the child running", async () => {
  const dir = tmpDir();
  dirs.push(dir);
  const marker = `mb-version-${process.pid}-${Date.now()}`;
  const t = path.join(dir, "t.sh");
  fs.writeFileSync(t, `#!/bin/sh\nsetsid sleep 300 ${marker} &\necho 'sticky 9'\nexit 0\n`, { mode: 0o755 });
  const t0 = Date.now();
  const v = await probeVersion(tool(t), avail(t), executor);
  expect(Date.now() - t0).toBeLessThan(20_000);
  expect(v).toBe("sticky 9");
  await Bun.sleep(200);
  expect(Bun.spawnSync(["pgrep", "-f", marker]).stdout.toString().trim()).toBe("");
});

test("a --version that never returns is cut off at the probe timeout and gives no version", async () => {
  const dir = tmpDir();
  dirs.push(dir);
  const t = path.join(dir, "t.sh");
  fs.writeFileSync(t, "#!/bin/sh\nsleep 300\n", { mode: 0o755 });
  expect(await probeVersion(tool(t), avail(t), executor)).toBeNull();
});

test("version probes run side by side each get their own tool's exit status and version", async () => {
  const dir = tmpDir();
  dirs.push(dir);
  const tools: Record<string, ToolSpec> = {};
  const avails: Record<string, ToolAvailability> = {};
  for (let i = 0; i < 8; i++) {
    const t = path.join(dir, `t${i}.sh`);
    // The last one refuses --version (as dash does, exit 2): its status must not become the others'.
    fs.writeFileSync(t, i < 7 ? `#!/bin/sh\necho 'tool${i} ${i}.0'\n` : "#!/bin/sh\nexit 2\n", { mode: 0o755 });
    tools[`t${i}`] = { ...tool(t), id: `t${i}` };
    avails[`t${i}`] = { ...avail(t), id: `t${i}` };
  }
  await probeVersions(tools, avails, executor);
  expect(Object.values(avails).map((a) => a.version)).toEqual([...[0, 1, 2, 3, 4, 5, 6].map((i) => `tool${i} ${i}.0`), null]);
});
