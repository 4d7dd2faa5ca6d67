import { afterAll, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { checkAvailability } from "../lib/run/tools";
import type { ToolSpec } from "../lib/types";
import { tmpDir } from "./helpers";

const dir = tmpDir("mb-tools-");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const tool = (bin: string): ToolSpec => ({ id: "t", label: "t", argv: [bin, "{src}", "{dst}"], shell: false, env: {}, successCodes: [0], requires: [], versionArgv: null });

test("a directory given as a tool binary is unavailable, with the reason", () => {
  const d = path.join(dir, "blit");
  fs.mkdirSync(d);
  expect(checkAvailability(tool(d))).toMatchObject({ available: false, path: null, reason: `${d} is a directory, not a program` });
});

test("a file without execute permission is unavailable, with its mode and the fix", () => {
  const f = path.join(dir, "noexec.sh");
  fs.writeFileSync(f, "#!/bin/sh\n", { mode: 0o644 });
  fs.chmodSync(f, 0o644);
  expect(checkAvailability(tool(f))).toMatchObject({ available: false, reason: `${f} is not executable (mode 0644; chmod +x it)` });
});

test("an executable file is available at its absolute path", () => {
  const f = path.join(dir, "ok.sh");
  fs.writeFileSync(f, "#!/bin/sh\n", { mode: 0o755 });
  expect(checkAvailability(tool(f))).toMatchObject({ available: true, path: f, reason: null });
});

test("a directory on PATH with the tool's name is passed over for the program after it", () => {
  const bin = path.join(dir, "bin");
  const bin2 = path.join(dir, "bin2");
  fs.mkdirSync(path.join(bin, "mb-tool"), { recursive: true });
  fs.mkdirSync(bin2);
  fs.writeFileSync(path.join(bin2, "mb-tool"), "#!/bin/sh\n", { mode: 0o755 });
  const old = process.env.PATH;
  process.env.PATH = `${bin}:${bin2}`;
  try {
    expect(checkAvailability(tool("mb-tool"))).toMatchObject({ available: true, path: path.join(bin2, "mb-tool") });
  } finally {
    process.env.PATH = old;
  }
});
