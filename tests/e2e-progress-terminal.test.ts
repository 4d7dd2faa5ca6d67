import { afterAll, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { BENCH, ROOT, runCli, tmpDir, writeConfig } from "./helpers";

// The progress line on a real terminal: a pty from script(1) (util-linux) and a tmux pane, 100 columns.
// Nothing is timed: a `sleep 3` tool gives the redraw timer room for several frames on any machine.

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const SCRIPT = Bun.which("script");
const TMUX = Bun.which("tmux");

function setup(sleepS = 3) {
  const dir = tmpDir("mb-tty-");
  dirs.push(dir);
  const config = writeConfig(dir, `version: 1
workspace: ${dir}/ws
results_dir: ${dir}/results
defaults: { runs: 1, warmup: 0, cache: keep }
tools:
  sleepy: { argv: [sh, -c, 'sleep ${sleepS}; cp -a "$0/." "$1/"', "{src}", "{dst}"] }
  cp: { argv: [cp, -a, "{src}/.", "{dst}/"] }
scenarios:
  - name: a-scenario-with-a-rather-long-name-so-that-the-progress-line-must-give-something-up
    workload: { files: { count: 30, size: 1KiB } }
    tools: [sleepy, cp]
`);
  return { dir, config };
}

/** The command run on a 100×40 pty; everything it drew, raw. */
async function onPty(args: string[], cols = 100, tail = ""): Promise<{ raw: string; code: number }> {
  const cmd = `stty cols ${cols} rows 40; ${tail ? "" : "exec "}bun ${BENCH} ${[...args, "--no-preflight"].map((a) => `'${a}'`).join(" ")} ${tail}`;
  const env = { ...process.env, NO_COLOR: "1" } as Record<string, string>;
  delete env.COLUMNS;
  const proc = Bun.spawn([SCRIPT!, "-qfec", cmd, "/dev/null"], { cwd: ROOT, env, stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const [raw, , code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { raw, code };
}

/** Every text a `\r` redraw or a newline left on the screen, escape sequences removed. */
const frames = (raw: string) => raw.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").split(/\r?\n/).flatMap((l) => l.split("\r")).filter((x) => x !== "");

test.skipIf(!SCRIPT)("on a terminal the progress line counts up while a `sleep 3` tool runs, and no line is wider than the terminal", async () => {
  const { config } = setup();
  const { raw, code } = await onPty(["--config", config]);
  expect(code).toBe(0);
  const f = frames(raw);
  // The old script's run lines keep their exact shape (people grep them); the terminal wraps a long one itself.
  for (const l of f.filter((x) => !/^\[\w+\] (Measured|Warmup) run \d+\/\d+ -> /.test(x))) expect(Bun.stringWidth(l)).toBeLessThanOrEqual(100);
  const status = f.filter((l) => l.startsWith("[sleepy] measured 1/1 · running "));
  const elapsed = status.map((l) => Number(/running (\d+\.\d) s/.exec(l)![1]));
  // Redrawn while the tool sleeps: several different readings, in order, reaching past two seconds.
  expect(new Set(elapsed).size).toBeGreaterThanOrEqual(2);
  expect(elapsed).toEqual([...elapsed].sort((a, b) => a - b));
  expect(Math.max(...elapsed)).toBeGreaterThanOrEqual(2);
  // The line gives up the long scenario name before run k/N.
  for (const l of status) {
    expect(Bun.stringWidth(l)).toBeLessThanOrEqual(99);
    expect(l).toMatch(/ · run 1\/2/);
  }
  // The table and the old script's lines are there as usual.
  expect(raw).toContain("[sleepy] Measured run 1 completed in");
}, 60_000);

test.skipIf(!SCRIPT)("--quiet draws no progress line on a terminal", async () => {
  const { config } = setup(1);
  const { raw, code } = await onPty(["--config", config, "--quiet"]);
  expect(code).toBe(0);
  expect(raw).not.toContain("· run ");
  expect(raw).toContain("Average [sleepy]");
}, 60_000);

test.skipIf(!SCRIPT)("with the console piped (| tee) and stderr on the terminal, no progress line is drawn", async () => {
  const { dir, config } = setup(1);
  const { raw, code } = await onPty(["--config", config, "--export-csv", `${dir}/x.csv`], 100, `| cat > ${dir}/console.txt`);
  expect(code).toBe(0);
  expect(raw).not.toContain("· run ");
  expect(fs.readFileSync(`${dir}/console.txt`, "utf8")).toContain("Average [sleepy]");
}, 60_000);

test("off a terminal nothing is redrawn: no carriage return, no erase sequence, only the header line extra", async () => {
  const { config } = setup(1);
  const r = await runCli(["--config", config]);
  expect(r.code).toBe(0);
  expect(r.stdout + r.stderr).not.toMatch(/\r|\x1b\[K/);
  expect(r.stdout.split("\n")[0]).toMatch(/^---- mirrorbench \d+\.\d+\.\d+ \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z .*bench\.config\.yaml$/);
}, 60_000);

test.skipIf(!TMUX)("in a 60-column tmux pane the redrawn line leaves no copies behind and is erased at the end", async () => {
  const { dir, config } = setup(2);
  const session = `mb-${path.basename(dir)}`;
  const done = path.join(dir, "done");
  const cmd = `cd ${ROOT} && NO_COLOR=1 bun ${BENCH} --config ${config} --no-preflight; echo $? > ${done}; sleep 60`;
  Bun.spawnSync(["tmux", "new-session", "-d", "-s", session, "-x", "60", "-y", "40", cmd]);
  const capture = () => Bun.spawnSync(["tmux", "capture-pane", "-p", "-J", "-S", "-200", "-t", session]).stdout.toString();
  try {
    // While the tool sleeps, the pane's last line is the progress line, within the pane's 60 columns.
    let seen: string | undefined;
    for (let i = 0; i < 600 && !seen && !fs.existsSync(done); i++) {
      seen = capture().split("\n").find((l) => l.startsWith("[sleepy] measured 1/1 · running"));
      if (!seen) await Bun.sleep(50);
    }
    expect(seen).toBeDefined();
    expect(Bun.stringWidth(seen!.trimEnd())).toBeLessThanOrEqual(59);
    for (let i = 0; i < 600 && !fs.existsSync(done); i++) await Bun.sleep(100);
    expect(fs.readFileSync(done, "utf8").trim()).toBe("0");
    const pane = capture();
    // A progress frame wider than the pane would have wrapped and stayed on screen; an unerased one would remain at the bottom.
    expect(pane).not.toContain("· run ");
    expect(pane).toContain("[sleepy] Measured run 1 completed in");
  } finally {
    Bun.spawnSync(["tmux", "kill-session", "-t", session]);
  }
}, 90_000);
