import { expect, test } from "bun:test";
import { BenchError } from "../lib/errors";
import { parseConfig } from "../lib/config/load";
import { buildPlan } from "../lib/plan/plan";
import { checkAvailability } from "../lib/run/tools";

// ${VAR} values and {src}/{dst} in a shell tool's command are quoted for its shell; argv tools get them verbatim.

const config = (tools: string) => `tools:
${tools}
scenarios:
  - name: s
    tools: [t]
    workload: { files: { count: 1, size: 1KiB } }
`;

test("a ${VAR} expanded into a shell tool's command is quoted for the shell", () => {
  const c = parseConfig(config(`  t: { shell: true, argv: "\${BLIT_BIN:-blit} mirror {src} {dst}" }`), "x.yaml", { env: { BLIT_BIN: "/opt/my tools/$(touch X)/blit" } });
  expect(c.tools.t!.argv).toEqual([`'/opt/my tools/$(touch X)/blit' mirror {src} {dst}`]);
});

test("a ${VAR} default in a shell tool's command is quoted too, and a plain $VAR is left to the shell", () => {
  const c = parseConfig(config(`  t: { shell: true, argv: "\${NOPE:-my blit} $HOME {src} {dst}" }`), "x.yaml", { env: {} });
  expect(c.tools.t!.argv).toEqual([`'my blit' $HOME {src} {dst}`]);
});

test("a ${VAR} in an argv tool is the value verbatim: no shell reads it", () => {
  const c = parseConfig(config(`  t: { argv: ["\${BLIT_BIN}", "{src}", "{dst}"] }`), "x.yaml", { env: { BLIT_BIN: "/opt/my tools/blit" } });
  expect(c.tools.t!.argv[0]).toBe("/opt/my tools/blit");
});

test("a shell tool whose command word came from a quoted ${VAR} is looked up unquoted on PATH", () => {
  const c = parseConfig(config(`  t: { shell: true, argv: "\${SH_BIN} -c : {src} {dst}" }`), "x.yaml", { env: { SH_BIN: "/bin/sh" } });
  expect(checkAvailability(c.tools.t!).available).toBe(true);
  const spaced = parseConfig(config(`  t: { shell: true, argv: "\${B} {src} {dst}" }`), "x.yaml", { env: { B: "/no such/blit" } });
  expect(checkAvailability(spaced.tools.t!).reason).toBe("/no such/blit not found or not executable");
});

test("the plan quotes {src} and {dst} in a shell tool's command and passes them verbatim to argv tools", () => {
  const c = parseConfig(config(`  t: { shell: true, argv: "cp -a {src}/. {dst}/" }\n  u: { argv: [cp, -a, "{src}/.", "{dst}/"] }`).replace("tools: [t]", "tools: [t, u]"), "x.yaml", { env: {} });
  const avail = { t: { id: "t", available: true, path: null, reason: null, version: null }, u: { id: "u", available: true, path: null, reason: null, version: null } };
  const runs = buildPlan({ ...c, workspace: "/w s" }, avail, () => "/src's").scenarios[0]!.runs;
  expect(runs.find((r) => r.tool === "t")!.argv).toEqual(["/bin/sh", "-c", `cp -a '/src'\\''s'/. '/w s/dst/s/t'/`]);
  expect(runs.find((r) => r.tool === "u")!.argv).toEqual(["cp", "-a", "/src's/.", "/w s/dst/s/u/"]);
});

test("a placeholder the shell quoting cannot reach (inside backticks) is a config error naming file, line and key", () => {
  let err: unknown;
  try {
    parseConfig(config("  t: { shell: true, argv: \"cp -a `echo {src}` {dst}\" }"), "x.yaml", { env: {} });
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(BenchError);
  const b = err as BenchError;
  expect([b.file, b.line, b.key]).toEqual(["x.yaml", 2, "tools.t.argv"]);
  expect(b.message).toContain("{src} stands inside backticks");
});
