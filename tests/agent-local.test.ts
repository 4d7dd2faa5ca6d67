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
  expect(await agent(["fly", "--json"])).toMatchObject({ code: 2, json: { ok: false, op: "fly", error: 'unknown agent op "fly"; ops: probe, generate, manifest-hash, drop-cache, reset, verify' } });
  expect((await agent(["probe"])).json.error).toBe("the agent speaks JSON only: add --json");
  expect((await agent(["generate", "--json"], "{nope")).json.error).toStartWith("stdin is not JSON");
  expect((await agent(["generate", "--json"], JSON.stringify({ root: dir, spec: { ...SPEC, groups: [] } }))).json.error).toBe("not a dataset spec: groups must be a non-empty list");
  expect((await agent(["manifest-hash", "--json"])).json.error).toBe("manifest-hash needs --path DIR");
  const missing = await agent(["manifest-hash", "--json", "--path", path.join(dir, "nothing")]);
  expect([missing.code, missing.json.ok]).toEqual([1, false]);
});

test("reset claims a workspace of ours and empties a destination in it; a symlinked destination loses the link, never its target", async () => {
  const ws = path.join(dir, "ends");
  const dst = path.join(ws, "dst", "s", "t");
  const first = await agent(["reset", "--json", "--workspace", ws, "--path", dst]);
  expect([first.code, first.json.workspaceCreated, fs.existsSync(path.join(ws, ".mirrorbench"))]).toEqual([0, true, true]);
  fs.writeFileSync(path.join(dst, "old"), "x");
  expect((await agent(["reset", "--json", "--workspace", ws, "--path", dst])).json.workspaceCreated).toBe(false);
  expect(fs.readdirSync(dst)).toEqual([]);
  const outside = path.join(dir, "outside");
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, "keep"), "not ours");
  fs.rmSync(path.join(ws, "dst", "s"), { recursive: true });
  fs.symlinkSync(outside, path.join(ws, "dst", "s"));
  const r = await agent(["reset", "--json", "--workspace", ws, "--path", dst]);
  expect(r.json.replaced).toEqual([`warning: ${fs.realpathSync(ws)}/dst/s was a symlink to ${outside}; removed the link (its target untouched) and created a real directory`]);
  expect(fs.readdirSync(outside)).toEqual(["keep"]);
  expect(fs.lstatSync(dst).isDirectory()).toBe(true);
});

test("reset refuses a folder that is not ours and a path outside the workspace", async () => {
  const foreign = path.join(dir, "foreign");
  fs.mkdirSync(foreign);
  fs.writeFileSync(path.join(foreign, "theirs"), "x");
  const r = await agent(["reset", "--json", "--workspace", foreign, "--path", path.join(foreign, "dst")]);
  expect([r.code, r.json.ok]).toEqual([1, false]);
  expect(r.json.error).toContain("not created by mirrorbench");
  const out = await agent(["reset", "--json", "--workspace", path.join(dir, "ends2"), "--path", path.join(dir, "elsewhere")]);
  expect(out.json.error).toContain("is not inside mirrorbench's own workspace");
  expect(fs.existsSync(path.join(foreign, "theirs"))).toBe(true);
});

test("verify compares a destination's manifest hash with the expected one, and says when it is not a real directory", async () => {
  const ws = path.join(dir, "ends3");
  const dst = path.join(ws, "dst", "v");
  await agent(["reset", "--json", "--workspace", ws, "--path", dst]);
  fs.writeFileSync(path.join(dst, "a"), "hello");
  const h = (await agent(["manifest-hash", "--json", "--path", dst])).json.manifestHash;
  expect((await agent(["verify", "--json", "--workspace", ws, "--path", dst, "--expect", h])).json).toMatchObject({ ok: true, match: true, notReal: null, files: 1 });
  fs.writeFileSync(path.join(dst, "b"), "stray");
  expect((await agent(["verify", "--json", "--workspace", ws, "--path", dst, "--expect", h])).json).toMatchObject({ ok: true, match: false, expected: h, files: 2 });
  fs.rmSync(dst, { recursive: true });
  fs.symlinkSync(dir, dst);
  const link = await agent(["verify", "--json", "--workspace", ws, "--path", dst, "--expect", h]);
  expect([link.json.match, link.json.notReal]).toEqual([false, `destination ${dst} is a symlink to ${dir}, not a copy`]);
  expect((await agent(["verify", "--json", "--workspace", ws, "--path", dst])).json.error).toBe("verify needs --expect <manifest hash>");
});
