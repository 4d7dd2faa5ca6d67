import { afterAll, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { SPEC } from "./fixtures/agent-spec";
import { tmpDir } from "./helpers";

// `mirrorbench agent <op> --json`: the internal verb another mirrorbench calls over ssh; one JSON object per call.

const dir = tmpDir("mb-agent-");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));


async function agent(args: string[], stdin?: string): Promise<{ code: number; json: any; stderr: string }> {
  const proc = Bun.spawn(["bun", path.join(import.meta.dir, "..", "scripts", "bench.ts"), "agent", ...args], { cwd: dir, stdin: stdin === undefined ? "ignore" : new Response(stdin).body!, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  const lines = out.trim().split("\n");
  expect(lines).toHaveLength(1);
  return { code, json: JSON.parse(lines[0]!), stderr: err };
}

test("probe says what this host is: uname's words, uid, machine id, free space, the meter", async () => {
  const r = await agent(["probe", "--json", "--path", dir]);
  expect(r.code).toBe(0);
  const uname = Bun.spawnSync(["uname", "-sm"]).stdout.toString().trim().split(" ");
  expect([r.json.ok, r.json.op, r.json.os, r.json.arch, r.json.uid]).toEqual([true, "probe", uname[0], uname[1], process.getuid!()]);
  if (fs.existsSync("/etc/machine-id")) expect(r.json.machineId).toBe(fs.readFileSync("/etc/machine-id", "utf8").trim());
  expect(r.json.freeBytes).toBeGreaterThan(0);
  expect(["mb-run", "bun"]).toContain(r.json.meter.kind);
});

test("generate builds a dataset from its spec on stdin; manifest-hash of the tree, and of a real copy of it, gives the same hash", async () => {
  const g = await agent(["generate", "--json"], JSON.stringify({ root: path.join(dir, "datasets"), spec: SPEC }));
  expect(g.code).toBe(0);
  expect(g.json).toMatchObject({ ok: true, op: "generate", files: 42, reused: false });
  expect(g.json.manifestHash).toMatch(/^[0-9a-f]{64}$/);
  const again = await agent(["generate", "--json"], JSON.stringify({ root: path.join(dir, "datasets"), spec: SPEC }));
  expect([again.json.reused, again.json.manifestHash]).toEqual([true, g.json.manifestHash]);
  expect((await agent(["manifest-hash", "--json", "--path", g.json.dir])).json.manifestHash).toBe(g.json.manifestHash);
  const copy = path.join(dir, "copy");
  expect(Bun.spawnSync(["cp", "-a", g.json.dir, copy]).exitCode).toBe(0);
  expect((await agent(["manifest-hash", "--json", "--path", copy])).json.manifestHash).toBe(g.json.manifestHash);
  // one byte more in one file: another hash
  const file = Bun.spawnSync(["find", copy, "-type", "f", "-size", "+1k"]).stdout.toString().split("\n")[0]!;
  fs.appendFileSync(file, "x");
  expect((await agent(["manifest-hash", "--json", "--path", copy])).json.manifestHash).not.toBe(g.json.manifestHash);
});

test("another seed gives another manifest hash", async () => {
  const a = await agent(["generate", "--json"], JSON.stringify({ root: path.join(dir, "datasets"), spec: { ...SPEC, seed: 8 } }));
  const b = await agent(["generate", "--json"], JSON.stringify({ root: path.join(dir, "datasets"), spec: SPEC }));
  expect(a.json.manifestHash).not.toBe(b.json.manifestHash);
});

test("a bad request is one JSON object with the reason and exit 2; a failed operation exit 1", async () => {
  expect(await agent(["fly", "--json"])).toMatchObject({ code: 2, json: { ok: false, op: "fly", error: 'unknown agent op "fly"; ops: probe, generate, manifest-hash, drop-cache' } });
  expect((await agent(["probe"])).json.error).toBe("the agent speaks JSON only: add --json");
  expect((await agent(["generate", "--json"], "{nope")).json.error).toStartWith("stdin is not JSON");
  expect((await agent(["generate", "--json"], JSON.stringify({ root: dir, spec: { ...SPEC, groups: [] } }))).json.error).toBe("not a dataset spec: groups must be a non-empty list");
  expect((await agent(["manifest-hash", "--json"])).json.error).toBe("manifest-hash needs --path DIR");
  const missing = await agent(["manifest-hash", "--json", "--path", path.join(dir, "nothing")]);
  expect([missing.code, missing.json.ok]).toEqual([1, false]);
});
