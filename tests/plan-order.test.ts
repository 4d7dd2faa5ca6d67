import { expect, test } from "bun:test";
import { parseConfig } from "../lib/config/load";
import { buildPlan, runOrder } from "../lib/plan/plan";
import type { ToolAvailability } from "../lib/types";

test("warmups of every tool come first, then rounds rotate which tool starts", () => {
  const order = runOrder(["a", "b", "c"], 1, 4).map((o) => `${o.tool}${o.phase === "warmup" ? "w" : o.round}`);
  expect(order).toEqual(["aw", "bw", "cw", "a1", "b1", "c1", "b2", "c2", "a2", "c3", "a3", "b3", "a4", "b4", "c4"]);
});

const CONFIG = `tools:
  cp:
    argv: [cp, -a, "{src}/.", "{dst}/"]
  blit:
    argv: ["\${BLIT_BIN:-blit}", mirror, "{src}", "{dst}"]
  rsync:
    argv: [rsync, -a, "{src}/", "{dst}/"]
  tar:
    shell: true
    argv: "tar -C {src} -cf - . | tar -C {dst} -xf -"
scenarios:
  - name: s
    tools: [cp, blit, rsync, tar]
    baseline: [rsync, tar]
    candidate: cp
    runs: 2
    warmup: 1
    workload: { files: { count: 1, size: 1KiB } }
`;

const avail = (present: string[]): Record<string, ToolAvailability> =>
  Object.fromEntries(["cp", "blit", "rsync", "tar"].map((id) => [id, { id, available: present.includes(id), path: null, reason: present.includes(id) ? null : `${id} not found on PATH`, version: null }]));

test("the plan expands every run with its argv, destination and cache policy", () => {
  const c = parseConfig(CONFIG, "x.yaml", { env: {} });
  const plan = buildPlan({ ...c, workspace: "/ws" }, avail(["cp", "rsync", "tar"]), () => "/ws/src");
  const sp = plan.scenarios[0]!;
  expect(sp.tools).toEqual(["cp", "rsync", "tar"]);
  expect(sp.skipped).toEqual([{ tool: "blit", reason: "blit not found on PATH" }]);
  expect(sp.runs.length).toBe(3 * (1 + 2));
  const first = sp.runs[0]!;
  expect(first).toMatchObject({ tool: "cp", phase: "warmup", dst: "/ws/dst/s/cp", cache: "drop" });
  expect(first.argv).toEqual(["cp", "-a", "/ws/src/.", "/ws/dst/s/cp/"]);
  expect(sp.runs.find((r) => r.tool === "tar")!.argv).toEqual(["/bin/sh", "-c", "tar -C /ws/src -cf - . | tar -C /ws/dst/s/tar -xf -"]);
});

test("the first available baseline is used, as the user's proxy fallback", () => {
  const c = parseConfig(CONFIG, "x.yaml", { env: {} });
  expect(buildPlan(c, avail(["cp", "rsync", "tar"]), () => "/src").scenarios[0]!.baseline).toBe("rsync");
  expect(buildPlan(c, avail(["cp", "tar"]), () => "/src").scenarios[0]!.baseline).toBe("tar");
  expect(buildPlan(c, avail(["cp"]), () => "/src").scenarios[0]!.baseline).toBeNull();
});

test("--scenario filtering matches names and sweep base names", () => {
  const c = parseConfig(CONFIG.replace("workload: {", "sweep: { count: [1, 2] }\n    workload: {"), "x.yaml", { env: {} });
  expect(buildPlan(c, avail(["cp"]), () => "/src", (n) => n === "s").scenarios.length).toBe(2);
  expect(buildPlan(c, avail(["cp"]), () => "/src", (n) => n === "s[count=2]").scenarios.length).toBe(1);
});
