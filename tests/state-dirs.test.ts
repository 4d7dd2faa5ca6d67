import { afterAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { invocationId, makeRunId, placeholdersUsed, prepareStateDir, releaseStateDir, renderRun, stateDirFor } from "../lib/run/state-dirs";
import { tmpDir } from "./helpers";

const values = { src: "/w/src", dst: "/w/dst", state: "/w/state/r1", run: "r1" };

describe("{state} and {run} in argv and env", () => {
  test("an argv tool gets every placeholder filled verbatim, env values get {state} and {run}", () => {
    const r = renderRun({ argv: ["blit", "--config-dir", "{state}", "mirror", "{src}/", "{dst}/", "--tag={run}"], shell: false, env: { BLIT_STATE: "{state}/x", RUN: "{run}", KEEP: "{src}" } }, values, "linux");
    expect(r.argv).toEqual(["blit", "--config-dir", "/w/state/r1", "mirror", "/w/src/", "/w/dst/", "--tag=r1"]);
    expect(r.env).toEqual({ BLIT_STATE: "/w/state/r1/x", RUN: "r1", KEEP: "{src}" });
  });

  test("a value that itself contains {run} is not filled a second time", () => {
    const r = renderRun({ argv: ["t", "{src}", "{run}"], shell: false, env: {} }, { ...values, src: "/odd/{run}/src" }, "linux");
    expect(r.argv).toEqual(["t", "/odd/{run}/src", "r1"]);
  });

  test("a shell tool's values are quoted by fillShell and reach the program as one word each", async () => {
    const state = "/tmp/it's a \"state\" $HOME `x`";
    const r = renderRun({ argv: ["printf '%s\\n' {state} \"{run}\" '{dst}'"], shell: true, env: {} }, { ...values, state, dst: "/d'q" }, "linux");
    expect(r.argv.slice(0, 2)).toEqual(["/bin/sh", "-c"]);
    const p = Bun.spawnSync(r.argv, { stdout: "pipe" });
    expect(p.stdout.toString()).toBe(`${state}\nr1\n/d'q\n`);
  });

  test("on Windows a shell tool goes through cmd.exe with the values ^-escaped", () => {
    const r = renderRun({ argv: ["tool {state}"], shell: true, env: {} }, { ...values, state: "C:\\s t" }, "win32");
    expect(r.argv).toEqual(["cmd.exe", "/d", "/s", "/c", '"tool ^"C:\\s t^""']);
  });

  test("a tool that names neither placeholder needs no state directory", () => {
    expect(placeholdersUsed({ argv: ["cp", "-a", "{src}/.", "{dst}/"], shell: false, env: {} })).toEqual({ state: false, run: false });
    expect(placeholdersUsed({ argv: ["blit", "{src}", "{dst}"], shell: false, env: { CFG: "{state}" } })).toEqual({ state: true, run: false });
  });
});

describe("run ids", () => {
  test("a run id is one plain word made of the invocation, scenario, tool, phase and index", () => {
    const inv = invocationId(new Date("2025-01-02T03:04:05.678Z"), 4242);
    expect(inv).toBe("20250102T030405Z-4242");
    expect(makeRunId({ invocation: inv, scenario: "large [size=1GiB]", tool: "blit", phase: "measured", index: 3 })).toBe("20250102T030405Z-4242.large_size_1GiB_.blit.m3");
    expect(makeRunId({ invocation: inv, scenario: "s", tool: "t", phase: "warmup", index: 1 })).toMatch(/^[A-Za-z0-9._-]+\.w1$/);
  });
});

describe("state directory lifecycle", () => {
  const ws = fs.realpathSync(tmpDir("mb-state-"));
  const outside = fs.realpathSync(tmpDir("mb-state-outside-"));
  afterAll(() => {
    fs.rmSync(ws, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  });

  test("a fresh state directory is new and empty even when an earlier run left one with the same id", () => {
    const dir = stateDirFor(ws, "fresh", "inv.s.blit.m1", "blit");
    expect(dir).toBe(path.join(ws, "state", "inv.s.blit.m1"));
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "learned.json"), "{}");
    prepareStateDir(ws, dir, "fresh");
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test("releasing a fresh state directory removes what the tool left, unlinking links without following them", () => {
    const dir = stateDirFor(ws, "fresh", "inv.s.blit.m2", "blit");
    prepareStateDir(ws, dir, "fresh");
    fs.writeFileSync(path.join(outside, "precious"), "keep me");
    fs.mkdirSync(path.join(dir, "cache"));
    fs.writeFileSync(path.join(dir, "cache", "tuning"), "x");
    fs.symlinkSync(outside, path.join(dir, "link-to-outside"));
    releaseStateDir(ws, dir, "fresh");
    expect(fs.existsSync(dir)).toBe(false);
    expect(fs.readFileSync(path.join(outside, "precious"), "utf8")).toBe("keep me");
  });

  test("a symlink planted where the state root should be is removed as a link, its target untouched", () => {
    fs.rmSync(path.join(ws, "state"), { recursive: true, force: true });
    fs.symlinkSync(outside, path.join(ws, "state"));
    const dir = stateDirFor(ws, "fresh", "inv.s.blit.m3", "blit");
    const replaced = prepareStateDir(ws, dir, "fresh");
    expect(replaced.map((r) => r.was)).toEqual(["symlink"]);
    expect(fs.lstatSync(path.join(ws, "state")).isDirectory()).toBe(true);
    expect(fs.readdirSync(outside)).toEqual(["precious"]);
  });

  test("a shared state directory is one per tool, kept across runs", () => {
    const dir = stateDirFor(ws, "shared", "ignored", "blit");
    expect(dir).toBe(path.join(ws, "state", "shared", "blit"));
    prepareStateDir(ws, dir, "shared");
    fs.writeFileSync(path.join(dir, "learned.json"), "{}");
    prepareStateDir(ws, dir, "shared");
    releaseStateDir(ws, dir, "shared");
    expect(fs.readdirSync(dir)).toEqual(["learned.json"]);
  });

  test("a state directory outside the workspace is refused", () => {
    expect(() => prepareStateDir(ws, outside, "fresh")).toThrow("is not inside");
  });
});
