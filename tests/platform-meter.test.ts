import { afterAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildMeter } from "../lib/platform/meter";
import { bunRssIsTheTools } from "../lib/run/spawn";
import { fakeMeterSystem } from "./platform-fakes";

// Which meter measures memory on each platform, and what happens when the C compiler is missing or a stub.

const cacheDir = "/home/me/.cache/mirrorbench";

describe("the meter chosen per platform", () => {
  test("a compiler that builds mb-run: the mb-run meter, tree included, cached under the platform and arch", () => {
    const log: string[] = [];
    const m = buildMeter("linux", fakeMeterSystem({ log, onPath: ["/usr/bin/cc"], answers: { "/usr/bin/cc": {} } }));
    expect(m).toMatchObject({ kind: "mb-run", memoryNote: null, memory: { source: "mb-run", includesDescendants: true } });
    expect(m.wrapperPath).toMatch(new RegExp(`^${cacheDir}/mb-run-[0-9a-f]{12}-linux-arm64$`));
    expect(log[0]).toMatch(/^write .*\/mb-run-[0-9a-f]{12}\.c$/);
    expect(log[1]).toMatch(/^run \/usr\/bin\/cc -O2 -o .*\.tmp-\d+ .*\.c$/);
    expect(log[2]).toStartWith("rename ");
  });

  test("a meter built before is used without looking for a compiler", () => {
    const log: string[] = [];
    const first = buildMeter("darwin", fakeMeterSystem({ log: [], onPath: ["/opt/cc"], answers: { "/opt/cc": {} } }));
    const m = buildMeter("darwin", fakeMeterSystem({ log, cached: [first.wrapperPath!] }));
    expect(m.kind).toBe("mb-run");
    expect(log).toEqual([]);
  });

  test("macOS without the Command Line Tools: /usr/bin/cc is not run (it would open an installer), Bun's own figure is used", () => {
    const log: string[] = [];
    const m = buildMeter("darwin", fakeMeterSystem({ log, onPath: ["/usr/bin/cc"], answers: { "xcode-select -p": { ok: false, why: "exit 2: xcode-select: error: unable to get active developer directory" } } }));
    expect(log).toEqual(["run xcode-select -p"]);
    expect(m).toMatchObject({ kind: "bun", wrapperPath: null, memory: { source: "bun", includesDescendants: true } });
    expect(m.memoryNote).toContain("/usr/bin/cc is Apple's stub");
    expect(bunRssIsTheTools(m, "darwin", ["/bin/sh", "-c", "a | b"])).toBe(true);
  });

  test("macOS with a compiler that fails: falls back to Bun's figure, saying why", () => {
    const log: string[] = [];
    const m = buildMeter("darwin", fakeMeterSystem({ log, onPath: ["/usr/bin/cc"], answers: { "xcode-select -p": { stdout: "/Library/Developer/CommandLineTools\n" }, "/usr/bin/cc": { ok: false, why: "exit 1: xcrun: error: invalid active developer path" } } }));
    expect(m.kind).toBe("bun");
    expect(m.memory.source).toBe("bun");
    expect(m.memoryNote).toContain("building mb-run with /usr/bin/cc failed: exit 1: xcrun: error: invalid active developer path");
  });

  test("Linux without a working compiler measures no memory: Bun's figure would carry Bun's own pre-exec peak", () => {
    const none = buildMeter("linux", fakeMeterSystem({ log: [] }));
    expect(none).toMatchObject({ kind: "bun", memory: { source: null, includesDescendants: null } });
    expect(none.memoryNote).toStartWith("memory not measured: no C compiler (cc)");
    expect(bunRssIsTheTools(none, "linux", ["cp", "-a", "a", "b"])).toBe(false);
    const broken = buildMeter("linux", fakeMeterSystem({ log: [], onPath: ["/usr/bin/gcc"], answers: { "/usr/bin/gcc": { ok: false, why: "exit 1: cc1: fatal error" } } }));
    expect(broken.memory.source).toBeNull();
  });

  test("Windows never looks for a compiler", () => {
    const log: string[] = [];
    expect(buildMeter("win32", fakeMeterSystem({ log, onPath: ["/usr/bin/cc"] })).memory).toMatchObject({ source: "bun", includesDescendants: false });
    expect(log).toEqual([]);
  });
});

// A real stub compiler (a script that fails, like Apple's /usr/bin/cc without the tools) on PATH, the real meter builder.
describe.skipIf(process.platform === "win32")("a stub cc on this machine", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mb-stubcc-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("the macOS path falls back to Bun's figure instead of failing the run", () => {
    fs.mkdirSync(path.join(dir, "bin"));
    fs.writeFileSync(path.join(dir, "bin", "cc"), "#!/bin/sh\necho 'xcode-select: note: No developer tools were found, requesting install.' >&2\nexit 1\n", { mode: 0o755 });
    const script = `import { buildMeter } from ${JSON.stringify(path.join(import.meta.dir, "..", "lib", "platform", "meter.ts"))};
      console.log(JSON.stringify(buildMeter("darwin")));`;
    const p = Bun.spawnSync([process.execPath, "-e", script], { env: { PATH: `${path.join(dir, "bin")}:/bin`, XDG_CACHE_HOME: path.join(dir, "cache"), HOME: dir }, stderr: "pipe" });
    expect(p.stderr.toString()).toBe("");
    const m = JSON.parse(p.stdout.toString());
    expect(m).toMatchObject({ kind: "bun", wrapperPath: null, memory: { source: "bun" } });
    expect(m.memoryNote).toContain("No developer tools were found");
    expect(fs.readdirSync(path.join(dir, "cache", "mirrorbench")).filter((f) => !f.endsWith(".c"))).toEqual([]);
  });
});
