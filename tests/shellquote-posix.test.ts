import { afterAll, expect, test } from "bun:test";
import fs from "node:fs";
import { tmpDir } from "./helpers";
import { fillShell, firstWord, PLACEHOLDER, quotePosix, ShellTemplateError } from "../lib/shellquote";

// Every value filled into a POSIX sh command string reaches the program as exactly one literal argument.

const HOSTILE = [
  "plain/path-1.0",
  "with space",
  "it's",
  `"double"`,
  "$(touch INJECTED)",
  "`touch BACKTICK`",
  "a;b&c|d>e<f",
  "line\nbreak",
  "nën 日本",
  "$HOME ${HOME} \\ \\' \\\\",
  "*?[a]~",
  "FOO=bar",
  "",
  "'",
  "''\\''",
];

// The shells run in an empty folder: an injected `touch` would leave a file there.
const cwd = tmpDir("mb-quote-");
afterAll(() => {
  expect(fs.readdirSync(cwd)).toEqual([]);
  fs.rmSync(cwd, { recursive: true, force: true });
});

/** What /bin/sh hands to printf for a filled template: one NUL-terminated string per argument. */
function shArgs(template: string, value: string): string[] {
  const cmd = fillShell(template, PLACEHOLDER, () => value, "posix");
  const r = Bun.spawnSync(["/bin/sh", "-c", cmd], { stdout: "pipe", stderr: "pipe", cwd });
  expect(r.stderr.toString()).toBe("");
  return r.stdout.toString().split("\0").slice(0, -1);
}

test("quotePosix leaves plain words bare and single-quotes everything else with ' written as '\\''", () => {
  expect(quotePosix("/tmp/ws/dst-1")).toBe("/tmp/ws/dst-1");
  expect(quotePosix("a b")).toBe("'a b'");
  expect(quotePosix("it's")).toBe(`'it'\\''s'`);
  expect(quotePosix("")).toBe("''");
  expect(quotePosix("FOO=bar")).toBe("'FOO=bar'");
});

test("a bare placeholder reaches the program as exactly the value, whatever it holds", () => {
  for (const v of HOSTILE) expect(shArgs("printf '%s\\0' {src}", v)).toEqual([v]);
});

test("a placeholder inside the user's double quotes stays one literal argument with its surroundings", () => {
  for (const v of HOSTILE) expect(shArgs(`printf '%s\\0' "pre {src}/post"`, v)).toEqual([`pre ${v}/post`]);
});

test("a placeholder inside the user's single quotes stays one literal argument with its surroundings", () => {
  for (const v of HOSTILE) expect(shArgs(`printf '%s\\0' 'pre {src}'/post`, v)).toEqual([`pre ${v}/post`]);
});

test("a placeholder inside $(...) is quoted as a word of the inner command", () => {
  for (const v of HOSTILE) expect(shArgs(`printf '%s\\0' "$(printf '%s' {src})"`, v)).toEqual([v.replace(/\n+$/, "")]);
});

test("plain $VAR and comments the user wrote are left to the shell", () => {
  expect(fillShell(`echo $HOME {src} # it's {dst}`, PLACEHOLDER, () => "a b", "posix")).toBe(`echo $HOME 'a b' # it's {dst}`);
});

test("placeholders in backticks, ${...}, here-documents or after a stray ')' are refused", () => {
  const bad = ["echo `ls {src}`", "echo ${X:-{src}}", "cat <<EOF\n{src}\nEOF", "echo a) {src}", "echo '{src}"];
  for (const t of bad) expect(() => fillShell(t, PLACEHOLDER, () => "x", "posix")).toThrow(ShellTemplateError);
});

test("firstWord unquotes the command word of a shell string", () => {
  expect(firstWord("tar -C x", "posix")).toBe("tar");
  expect(firstWord(`'/opt/my tools/blit' mirror`, "posix")).toBe("/opt/my tools/blit");
  expect(firstWord(`"/opt/a\\"b" x`, "posix")).toBe(`/opt/a"b`);
  expect(firstWord(`tar|x`, "posix")).toBe("tar");
});
