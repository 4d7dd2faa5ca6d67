import { afterAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { readResults, runCli, tmpDir, writeConfig } from "./helpers";

// {state} and {run}: a fresh empty directory and a unique id for every run, in argv, env and shell commands.

const dir = tmpDir("mb-state run-");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A tool that keeps "learned tuning" in its config dir: it refuses to run when an earlier run left some there. */
function learningTool(): string {
  const file = path.join(dir, "learner.sh");
  fs.writeFileSync(
    file,
    `#!/bin/sh
# $1 = state dir, $2 = run id, $3 = src, $4 = dst
[ -d "$1" ] || { echo "no state dir $1" >&2; exit 8; }
[ -e "$1/learned" ] && { echo "state from an earlier run: $(cat "$1/learned")" >&2; exit 9; }
echo "$2" > "$1/learned"
echo "$2|$MB_STATE" >> "${path.join(dir, "seen.txt")}"
cp -a "$3/." "$4/"
`,
    { mode: 0o755 },
  );
  return file;
}

function cfg(name: string, toolExtra: string, shellTool = false): { config: string; results: string; ws: string } {
  const d = path.join(dir, name);
  fs.mkdirSync(d);
  const tool = learningTool();
  const argv = shellTool ? `argv: "${tool} {state} {run} {src} {dst}"\n    shell: true` : `argv: [${tool}, "{state}", "{run}", "{src}", "{dst}"]`;
  return {
    ws: path.join(d, "w s"),
    results: path.join(d, "results"),
    config: writeConfig(d, `workspace: ${path.join(d, "w s")}
results_dir: ${path.join(d, "results")}
defaults: { runs: 3, warmup: 1, cache: keep }
tools:
  learner:
    ${argv}
    env: { MB_STATE: "{state}" }
${toolExtra}
scenarios:
  - name: s
    workload: { files: { count: 5, size: 1KiB } }
    tools: [learner]
`),
  };
}

describe("isolated learned state", () => {
  test("every run gets a fresh empty {state} directory, named in argv and env, and removed after the run", async () => {
    fs.rmSync(path.join(dir, "seen.txt"), { force: true });
    const c = cfg("fresh", "");
    const r = await runCli(["--config", c.config]);
    expect(r.code).toBe(0);
    const runs = readResults(c.results).scenarios[0].runs;
    expect(runs.map((x: any) => x.state)).toEqual(["completed", "completed", "completed", "completed"]);
    const ids = runs.map((x: any) => x.runId);
    expect(new Set(ids).size).toBe(4);
    for (const x of runs) {
      expect(x.runId).toMatch(/^[A-Za-z0-9._-]+$/);
      expect(x.stateDir).toBe(path.join(c.ws, "state", x.runId));
      expect(fs.existsSync(x.stateDir)).toBe(false);
    }
    // The tool saw its own run id and the same directory in its env.
    const seen = fs.readFileSync(path.join(dir, "seen.txt"), "utf8").trim().split("\n").map((l) => l.split("|"));
    expect(seen.map((l) => l[0])).toEqual(ids);
    for (const [id, env] of seen) expect(env).toBe(path.join(c.ws, "state", id!));
  });

  test("a shell tool gets {state} and {run} quoted for the shell (the workspace path has a space)", async () => {
    const c = cfg("shell", "", true);
    const r = await runCli(["--config", c.config]);
    expect(r.code).toBe(0);
    expect(readResults(c.results).scenarios[0].runs.every((x: any) => x.state === "completed")).toBe(true);
  });

  test("state: shared keeps one directory per tool across runs: the learning tool then sees its earlier run and fails", async () => {
    const c = cfg("shared", "    state: shared\n");
    const r = await runCli(["--config", c.config]);
    expect(r.code).toBe(1);
    const runs = readResults(c.results).scenarios[0].runs;
    expect(runs[0].state).toBe("completed");
    expect(runs[1]).toMatchObject({ state: "failed", exitCode: 9, stateDir: path.join(c.ws, "state", "shared", "learner") });
    expect(fs.existsSync(path.join(c.ws, "state", "shared", "learner", "learned"))).toBe(true);
  });

  test("--dry-run shows each run's state directory and mode", async () => {
    const c = cfg("dry", "");
    const r = await runCli(["--config", c.config, "--dry-run"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/state=\S.*\/state\/\S+\.s\.learner\.m1 \(fresh\)/);
  });
});
