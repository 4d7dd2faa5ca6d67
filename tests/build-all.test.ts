import { afterAll, beforeAll, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseBuildLine, TARGETS } from "../scripts/build-all";
import { checkMachOSignature, readExeInfo } from "../scripts/exe-format";
import { adhocSign } from "../scripts/macho-sign";

// `bun run build:all` into a temp folder (so the suite leaves dist/ alone), then every executable checked from its
// bytes, and the Linux ones run: linux-x64 natively, linux-arm64 under qemu-aarch64 user-mode emulation.

/** What the Linux executables are run with: --version prints "mirrorbench <version>". */
const RUN_CHECK = { args: ["--version"], stdout: /^mirrorbench \d+\.\d+\.\d+\n$/ };

const repo = path.resolve(import.meta.dir, "..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mb-build-all-"));
const dist = path.join(tmp, "dist");
const qemu = Bun.which("qemu-aarch64");
const arm64Sysroot = "/usr/aarch64-linux-gnu"; // Debian's libc6-arm64-cross: glibc's loader and libs for aarch64
const canEmulateArm64 = qemu !== null && fs.existsSync(path.join(arm64Sysroot, "lib/ld-linux-aarch64.so.1"));
let build: { code: number; stdout: string; stderr: string };
const bytes = new Map<string, Uint8Array>();

function exe(name: string): string {
  return path.join(dist, `mirrorbench-${name}${name.startsWith("windows") ? ".exe" : ""}`);
}

function run(argv: string[], env: Record<string, string> = {}) {
  const home = fs.mkdtempSync(path.join(tmp, "home-"));
  const r = Bun.spawnSync(argv, { cwd: home, env: { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: home, NO_COLOR: "1", ...env }, stdout: "pipe", stderr: "pipe", timeout: 120_000 });
  return { code: r.exitCode ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

function tinyConfig(name: string): string {
  const file = path.join(tmp, `${name}.yaml`);
  fs.writeFileSync(
    file,
    `version: 1
workspace: ${path.join(tmp, `ws-${name}`)}
keep_workspace: false
results_dir: ${path.join(tmp, `results-${name}`)}
defaults: { runs: 1, warmup: 0, cache: keep }
tools:
  cp: { argv: [cp, -a, "{src}/.", "{dst}/"] }
  cp-r: { argv: [cp, -R, "{src}/.", "{dst}/"] }
scenarios:
  - name: tiny
    workload: { files: { count: 2500, size: 1KiB } }   # above the data-worker threshold: the worker entrypoint runs too
    tools: [cp-r, cp]
    baseline: cp-r
    candidate: cp
`,
  );
  return file;
}

beforeAll(() => {
  const r = Bun.spawnSync([process.execPath, path.join(repo, "scripts/build-all.ts"), "--outdir", dist], { cwd: repo, stdout: "pipe", stderr: "pipe", timeout: 300_000 });
  build = { code: r.exitCode ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
  for (const t of TARGETS) if (fs.existsSync(exe(t.name))) bytes.set(t.name, new Uint8Array(fs.readFileSync(exe(t.name))));
}, 300_000);

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test("the entrypoints come from package.json's build line, so a moved worker is followed", () => {
  const line = "bun build --compile --minify scripts/bench.ts lib/datasets/worker.ts --outfile dist/mirrorbench";
  expect(parseBuildLine(line)).toEqual({ options: ["--compile", "--minify"], entrypoints: ["scripts/bench.ts", "lib/datasets/worker.ts"] });
  const real = parseBuildLine(JSON.parse(fs.readFileSync(path.join(repo, "package.json"), "utf8")).scripts.build);
  expect(real.entrypoints.length).toBeGreaterThanOrEqual(2);
  for (const e of real.entrypoints) expect(fs.existsSync(path.join(repo, e))).toBe(true);
});

test("a build line that is not one plain bun build command is refused with the reason", () => {
  expect(() => parseBuildLine("bun build --compile a.ts --outfile x && rm -rf dist")).toThrow(/shell operators/);
  expect(() => parseBuildLine("esbuild a.ts")).toThrow(/does not start with "bun build"/);
});

test("build:all builds the five targets and prints one line per target with its size and sha256", () => {
  expect({ code: build.code, stderr: build.stderr }).toEqual({ code: 0, stderr: "" });
  for (const t of TARGETS) {
    const b = bytes.get(t.name)!;
    const line = build.stdout.split("\n").find((l) => l.startsWith(`${t.name} `));
    expect(line).toContain(`${(b.length / 1024 / 1024).toFixed(1)} MiB`);
    expect(line).toContain(`sha256 ${createHash("sha256").update(b).digest("hex")}`);
  }
});

test("SHA256SUMS lists every executable in sha256sum's format", () => {
  const sums = fs.readFileSync(path.join(dist, "SHA256SUMS"), "utf8").trim().split("\n");
  expect(sums).toHaveLength(TARGETS.length);
  for (const t of TARGETS) expect(sums).toContain(`${createHash("sha256").update(bytes.get(t.name)!).digest("hex")}  ${path.basename(exe(t.name))}`);
});

test("each executable's header bytes say the target's format and architecture", () => {
  // Read here with no parser of ours: ELF e_machine, Mach-O cputype, PE machine after the PE signature.
  const seen: Record<string, string> = {};
  for (const t of TARGETS) {
    const b = bytes.get(t.name)!;
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    if (b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46 && b[4] === 2) seen[t.name] = `ELF64 machine ${v.getUint16(18, true)}`;
    else if (v.getUint32(0, true) === 0xfeedfacf) seen[t.name] = `Mach-O64 cpu ${v.getUint32(4, true)} filetype ${v.getUint32(12, true)}`;
    else if (b[0] === 0x4d && b[1] === 0x5a) {
      const pe = v.getUint32(0x3c, true);
      seen[t.name] = `PE ${v.getUint32(pe, true) === 0x4550 ? "" : "BAD "}machine ${v.getUint16(pe + 4, true)} optional ${v.getUint16(pe + 24, true)}`;
    } else seen[t.name] = "unknown";
  }
  expect(seen).toEqual({
    "linux-x64": "ELF64 machine 62", // EM_X86_64
    "linux-arm64": "ELF64 machine 183", // EM_AARCH64
    "darwin-arm64": "Mach-O64 cpu 16777228 filetype 2", // CPU_TYPE_ARM64, MH_EXECUTE
    "darwin-x64": "Mach-O64 cpu 16777223 filetype 2", // CPU_TYPE_X86_64
    "windows-x64": "PE machine 34404 optional 523", // IMAGE_FILE_MACHINE_AMD64, PE32+
  });
});

test("every executable carries the bundled CLI (its help text is in the bytes)", () => {
  const help = run([exe("linux-x64"), "--help"]).stdout.split("\n").find((l) => l.includes("--fail-on-regression"));
  expect(help).toBeDefined();
  for (const t of TARGETS) expect(Buffer.from(bytes.get(t.name)!.buffer).indexOf(help!.trim())).toBeGreaterThan(0);
});

test("the macOS executables are signed and every code page hash matches, as the kernel checks at launch", () => {
  for (const name of ["darwin-arm64", "darwin-x64"]) {
    const b = bytes.get(name)!;
    const info = readExeInfo(b);
    if (info.format !== "Mach-O" || !info.signature) throw new Error(`${name}: not a signed Mach-O`);
    const check = checkMachOSignature(b, info.signature);
    expect({ name, adhoc: check.adhoc, mismatched: check.mismatched }).toEqual({ name, adhoc: true, mismatched: [] });
    expect(check.pages).toBe(Math.ceil(info.signature.offset / 4096)); // the signature covers every byte before it
    expect(info.signature.offset + info.signature.size).toBe(b.length); // no stale tail after it
    expect(info.sections).toContain("__BUN,__bun");
  }
});

test("a byte changed in a signed page is caught by the page-hash check", () => {
  const b = new Uint8Array(bytes.get("darwin-arm64")!);
  const info = readExeInfo(b);
  if (info.format !== "Mach-O" || !info.signature) throw new Error("not a signed Mach-O");
  b[100 * 4096 + 7]! ^= 0xff;
  expect(checkMachOSignature(b, info.signature).mismatched).toEqual([100]);
});

test("our ad-hoc signer writes byte for byte the signature Bun writes for darwin-arm64", () => {
  const b = bytes.get("darwin-arm64")!;
  const info = readExeInfo(b);
  if (info.format !== "Mach-O" || !info.signature) throw new Error("not a signed Mach-O");
  const cd = info.signature.offset + 20;
  const identifier = Buffer.from(b.subarray(cd + 88, cd + 88 + 64)).toString("latin1").split("\0")[0]!;
  expect(Buffer.from(adhocSign(b, identifier)).equals(Buffer.from(b))).toBe(true);
});

test("the Windows executable is a console PE32+ that imports only DLLs shipped with Windows, with a correct checksum", () => {
  const info = readExeInfo(bytes.get("windows-x64")!);
  if (info.format !== "PE") throw new Error("not a PE");
  expect(info.subsystem).toBe(3); // IMAGE_SUBSYSTEM_WINDOWS_CUI
  expect(info.sections).toContain(".bun");
  expect(info.checksum.computed).toBe(info.checksum.stored);
  const system = /^(ntdll|kernel32|bcryptprimitives|api-ms-win-[a-z0-9-]+|wsock32|ws2_32|crypt32|dbghelp|userenv|user32|advapi32|ole32|oleaut32|shell32|iphlpapi|psapi|winmm|secur32|bcrypt|version)\.dll$/i;
  expect([...info.imports, ...info.delayImports].filter((d) => !system.test(d))).toEqual([]); // no VC++ runtime to install
});

test("the Linux executables need glibc's loader and at most glibc 2.28 (Debian 10, RHEL 8)", () => {
  const seen = ["linux-x64", "linux-arm64"].map((n) => {
    const info = readExeInfo(bytes.get(n)!);
    if (info.format !== "ELF") throw new Error("not ELF");
    const [major, minor] = (info.glibc ?? "0.0").split(".").map(Number);
    return { interpreter: info.interpreter, glibcAtMost228: major! === 2 && minor! <= 28 };
  });
  expect(seen).toEqual([
    { interpreter: "/lib64/ld-linux-x86-64.so.2", glibcAtMost228: true },
    { interpreter: "/lib/ld-linux-aarch64.so.1", glibcAtMost228: true },
  ]);
});

test("linux-x64 runs from a folder without node_modules and answers the run check", () => {
  const r = run([exe("linux-x64"), ...RUN_CHECK.args]);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(RUN_CHECK.stdout);
});

test("linux-x64 runs a tiny config to a verdict", () => {
  const r = run([exe("linux-x64"), "--config", tinyConfig("x64"), "--no-preflight"]);
  expect([0, 1]).toContain(r.code); // GO or NO-GO: cp against cp -R on 2.4 MiB is a coin toss
  expect(r.stdout).toContain("Average [cp] over 1 measured run(s):");
}, 120_000);

test.skipIf(!canEmulateArm64)("linux-arm64 answers the run check under qemu-aarch64 (skipped without qemu-user and libc6-arm64-cross)", () => {
  const r = run([qemu!, "-L", arm64Sysroot, exe("linux-arm64"), ...RUN_CHECK.args]);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(RUN_CHECK.stdout);
}, 120_000);

test.skipIf(!canEmulateArm64)("linux-arm64 runs a tiny config to a verdict under qemu-aarch64 (skipped without qemu-user and libc6-arm64-cross)", () => {
  const r = run([qemu!, "-L", arm64Sysroot, exe("linux-arm64"), "--config", tinyConfig("arm64"), "--no-preflight"]);
  expect([0, 1]).toContain(r.code);
  expect(r.stdout).toContain("Average [cp] over 1 measured run(s):");
}, 120_000);

test("every x64 target is built on Bun's -baseline runtime (no AVX2 needed), the arm64 ones on the only runtime there is", () => {
  expect(TARGETS.map((t) => [t.name, t.bun])).toEqual([
    ["linux-x64", "bun-linux-x64-baseline"],
    ["linux-arm64", "bun-linux-arm64"],
    ["darwin-arm64", "bun-darwin-arm64"],
    ["darwin-x64", "bun-darwin-x64-baseline"],
    ["windows-x64", "bun-windows-x64-baseline"],
  ]);
});

test("a target whose runtime cannot be downloaded fails naming the target and the cause, and leaves no file", () => {
  const out = path.join(tmp, "offline");
  const r = Bun.spawnSync([process.execPath, path.join(repo, "scripts/build-all.ts"), "--outdir", out, "--target", "darwin-x64"], {
    cwd: repo,
    stdout: "pipe",
    stderr: "pipe",
    timeout: 120_000,
    // An empty runtime cache and a download URL on a closed loopback port: the registry is unreachable.
    env: { ...process.env, BUN_INSTALL_CACHE_DIR: fs.mkdtempSync(path.join(tmp, "cache-")), BUN_COMPILE_TARGET_TARBALL_URL: "http://127.0.0.1:9/bun.tgz" },
  });
  expect(r.exitCode).toBe(1);
  expect(r.stderr.toString()).toMatch(/darwin-x64 \(bun-darwin-x64-baseline\) FAILED: .*(ConnectionRefused|download)/);
  expect(r.stderr.toString()).toContain("npm registry");
  expect(fs.readdirSync(out).filter((f) => f.startsWith("mirrorbench") || f.includes("partial"))).toEqual([]);
}, 120_000);
