// Containment: a symlink where a harness-owned directory should be never leads a reset, restore or
// removal outside the workspace; --remove-workspace removes only what mirrorbench created.
import { expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { copyScript, readResults, runCli, tempDirs, writeConfig } from "./helpers";

const fresh = tempDirs("mb-contain-");

/** A folder outside the workspace holding `rel`/precious.txt: what a followed link would destroy. */
function sentinel(dir: string, rel = ""): string {
  const out = path.join(dir, "outside");
  fs.mkdirSync(path.join(out, rel), { recursive: true });
  fs.writeFileSync(path.join(out, rel, "precious.txt"), "do not delete\n");
  return out;
}
function expectSentinelIntact(out: string, rel = ""): void {
  expect(fs.readFileSync(path.join(out, rel, "precious.txt"), "utf8")).toBe("do not delete\n");
}

const head = (dir: string, extra = "") => `version: 1
workspace: ${dir}/ws
results_dir: ${dir}/results
keep_workspace: true
defaults: { runs: 2, warmup: 0, cache: keep${extra} }
`;
const WORKLOAD = "workload: { files: { count: 5, size: 1KiB } }";

test("workspace/dst replaced by a symlink between two invocations: the link is removed, its target untouched", async () => {
  const dir = fresh();
  const config = writeConfig(dir, `${head(dir)}tools:
  cp: { argv: [cp, -a, "{src}/.", "{dst}/"] }
scenarios:
  - name: s
    ${WORKLOAD}
    tools: [cp]
`);
  expect((await runCli(["--config", config])).code).toBe(0);
  // The link's target mirrors the workspace layout, so following it would delete s/cp/precious.txt.
  const out = sentinel(dir, "s/cp");
  fs.rmSync(path.join(dir, "ws", "dst"), { recursive: true });
  fs.symlinkSync(out, path.join(dir, "ws", "dst"));
  const r = await runCli(["--config", config]);
  expect(r.code).toBe(0);
  expectSentinelIntact(out, "s/cp");
  expect(fs.readdirSync(path.join(out, "s", "cp"))).toEqual(["precious.txt"]);
  expect(fs.lstatSync(path.join(dir, "ws", "dst")).isSymbolicLink()).toBe(false);
  expect(r.stderr).toContain(`${path.join(dir, "ws", "dst")} was a symlink to ${out}`);
  expect(fs.readFileSync(path.join(dir, "ws", "bench.log"), "utf8")).toContain("removed the link (its target untouched)");
});

test("a tool that replaces workspace/dst with a symlink fails, and the next reset leaves the link's target alone", async () => {
  const dir = fresh();
  const out = sentinel(dir, "s/swap");
  const swap = path.join(dir, "swap.sh");
  // Copies, then swaps the whole <workspace>/dst for a link to a folder laid out like it.
  fs.writeFileSync(swap, `#!/bin/sh\ncp -a "$1/." "$2/" || exit 9\nd=$(dirname "$(dirname "$2")")\nrm -rf "$d"\nln -s "${out}" "$d"\n`, { mode: 0o755 });
  const ok = copyScript(dir, "ok.sh");
  const config = writeConfig(dir, `${head(dir)}tools:
  swap: { argv: [${swap}, "{src}", "{dst}"] }
  ok: { argv: [${ok}, "{src}", "{dst}"] }
scenarios:
  - name: s
    ${WORKLOAD}
    tools: [swap, ok]
`);
  const r = await runCli(["--config", config]);
  expect(r.code).toBe(1);
  expectSentinelIntact(out, "s/swap");
  expect(fs.readdirSync(out)).toEqual(["s"]);
  expect(fs.readdirSync(path.join(out, "s"))).toEqual(["swap"]);
  expect(r.stderr).toContain(`${path.join(dir, "ws", "dst")} was a symlink to ${out}; removed the link (its target untouched)`);
  const runs = readResults(path.join(dir, "results")).scenarios[0].runs;
  expect(runs.find((x: any) => x.tool === "swap").reason).toBe(
    `destination ${path.join(dir, "ws", "dst", "s", "swap")} is not a copy: ${path.join(dir, "ws", "dst")} on the way to it is a symlink to ${out}`,
  );
  expect(runs.filter((x: any) => x.tool === "ok").map((x: any) => x.state)).toEqual(["completed", "completed"]);
});

test("a tool that replaces dst/<scenario> with a symlink fails, and the next reset leaves the link's target alone", async () => {
  const dir = fresh();
  const out = sentinel(dir, "swap");
  const swap = path.join(dir, "swap.sh");
  // Copies, then swaps its scenario folder for a link to a folder that has a "swap" subfolder.
  fs.writeFileSync(swap, `#!/bin/sh\ncp -a "$1/." "$2/" || exit 9\nrm -rf "$(dirname "$2")"\nln -s "${out}" "$(dirname "$2")"\n`, { mode: 0o755 });
  const config = writeConfig(dir, `${head(dir)}tools:
  swap: { argv: [${swap}, "{src}", "{dst}"] }
scenarios:
  - name: s
    ${WORKLOAD}
    tools: [swap]
`);
  const r = await runCli(["--config", config]);
  expect(r.code).toBe(1);
  expectSentinelIntact(out, "swap");
  expect(fs.readdirSync(path.join(out, "swap"))).toEqual(["precious.txt"]);
  const runs = readResults(path.join(dir, "results")).scenarios[0].runs;
  expect(runs.map((x: any) => x.state)).toEqual(["failed", "failed"]);
  expect(runs[0].reason).toBe(`destination ${path.join(dir, "ws", "dst", "s", "swap")} is not a copy: ${path.join(dir, "ws", "dst", "s")} on the way to it is a symlink to ${out}`);
});

test("an incremental tool that replaces its own {dst} with a symlink: restore never empties or writes into the target", async () => {
  const dir = fresh();
  const out = sentinel(dir);
  const swap = path.join(dir, "swap.sh");
  fs.writeFileSync(swap, `#!/bin/sh\nrm -rf "$2"\nln -s "${out}" "$2"\n`, { mode: 0o755 });
  const config = writeConfig(dir, `${head(dir)}tools:
  swap: { argv: [${swap}, "{src}", "{dst}"] }
scenarios:
  - name: inc
    type: incremental
    workload: { files: { count: 20, size: 1KiB } }
    changes: { touch: 2 }
    tools: [swap]
`);
  const r = await runCli(["--config", config]);
  expect(r.code).toBe(1);
  expectSentinelIntact(out);
  expect(fs.readdirSync(out)).toEqual(["precious.txt"]);
  const runs = readResults(path.join(dir, "results")).scenarios[0].runs;
  expect(runs[0].reason).toBe(`destination ${path.join(dir, "ws", "dst", "inc", "swap")} is a symlink to ${out}, not a copy`);
});

test("workspace/datasets replaced by a symlink: the dataset is rebuilt inside the workspace, the target untouched", async () => {
  const dir = fresh();
  const config = writeConfig(dir, `${head(dir)}tools:
  cp: { argv: [cp, -a, "{src}/.", "{dst}/"] }
scenarios:
  - name: s
    ${WORKLOAD}
    tools: [cp]
`);
  expect((await runCli(["--config", config])).code).toBe(0);
  const datasets = path.join(dir, "ws", "datasets");
  const [hash] = fs.readdirSync(datasets);
  // An incomplete dataset of the same hash behind the link: following it would delete it and generate there.
  const out = sentinel(dir, hash!);
  fs.rmSync(datasets, { recursive: true });
  fs.symlinkSync(out, datasets);
  const r = await runCli(["--config", config]);
  expect(r.code).toBe(0);
  expectSentinelIntact(out, hash!);
  expect(fs.readdirSync(out)).toEqual([hash!]);
  expect(fs.readdirSync(path.join(out, hash!))).toEqual(["precious.txt"]);
  expect(fs.lstatSync(datasets).isDirectory()).toBe(true);
  expect(fs.existsSync(path.join(datasets, hash!, "complete"))).toBe(true);
});

test("--remove-workspace on an adopted folder removes only mirrorbench's own entries and keeps a user's file and the folder", async () => {
  const dir = fresh();
  const ws = path.join(dir, "ws");
  fs.mkdirSync(ws); // an empty folder made by the user first: adopted
  const ok = copyScript(dir, "ok.sh");
  const config = writeConfig(dir, `${head(dir)}tools:
  ok: { argv: [${ok}, "{src}", "{dst}"] }
scenarios:
  - name: s
    ${WORKLOAD}
    tools: [ok]
`);
  expect((await runCli(["--config", config])).code).toBe(0);
  fs.writeFileSync(path.join(ws, "notes.txt"), "mine\n");
  const r = await runCli(["--config", config, "--remove-workspace"]);
  expect(r.code).toBe(0);
  expect(fs.readdirSync(ws)).toEqual(["notes.txt"]);
  expect(fs.readFileSync(path.join(ws, "notes.txt"), "utf8")).toBe("mine\n");
});

test("--remove-workspace removes a workspace that holds only mirrorbench's entries, folder included", async () => {
  const dir = fresh();
  const config = writeConfig(dir, `${head(dir)}tools:
  cp: { argv: [cp, -a, "{src}/.", "{dst}/"] }
scenarios:
  - name: s
    ${WORKLOAD}
    tools: [cp]
`);
  const r = await runCli(["--config", config, "--remove-workspace"]);
  expect(r.code).toBe(0);
  expect(fs.existsSync(path.join(dir, "ws"))).toBe(false);
});

test("a workspace reached through a symlinked parent (like macOS /tmp -> /private/tmp) runs without warnings", async () => {
  const dir = fresh();
  fs.mkdirSync(path.join(dir, "private"));
  fs.symlinkSync(path.join(dir, "private"), path.join(dir, "alias"));
  const config = writeConfig(dir, `${head(dir)}tools:
  cp: { argv: [cp, -a, "{src}/.", "{dst}/"] }
scenarios:
  - name: s
    ${WORKLOAD}
    tools: [cp]
`.replace(`workspace: ${dir}/ws`, `workspace: ${dir}/alias/ws`));
  const r = await runCli(["--config", config, "--remove-workspace"]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(readResults(path.join(dir, "results")).scenarios[0].runs.map((x: any) => x.state)).toEqual(["completed", "completed"]);
  expect(fs.readdirSync(path.join(dir, "private"))).toEqual([]);
});
