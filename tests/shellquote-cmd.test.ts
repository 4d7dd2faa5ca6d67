import { expect, test } from "bun:test";
import { fillShell, PLACEHOLDER, quoteCmd, ShellTemplateError } from "../lib/shellquote";

// cmd.exe quoting as a pure function (no Windows here): the expected strings follow cmd's ^-escape rules
// and the MSVCRT argv rules ("" inside quotes is a quote; backslashes doubled only before a quote).

test("quoteCmd leaves plain paths bare", () => {
  expect(quoteCmd("C:\\bench\\dst-1")).toBe("C:\\bench\\dst-1");
  expect(quoteCmd("D:/x/y.z")).toBe("D:/x/y.z");
});

test("quoteCmd wraps a value with spaces in ^-escaped quotes so cmd strips the carets and the program sees one argument", () => {
  expect(quoteCmd("C:\\my dir")).toBe('^"C:\\my dir^"');
});

test("quoteCmd ^-escapes the cmd metacharacters & | < > ^ % ! ( )", () => {
  expect(quoteCmd("a&b|c<d>e^f%PATH%g!h(i)")).toBe('^"a^&b^|c^<d^>e^^f^%PATH^%g^!h^(i^)^"');
});

test("quoteCmd doubles an embedded quote and the backslashes in front of it", () => {
  expect(quoteCmd('say "hi"')).toBe('^"say ^"^"hi^"^"^"');
  expect(quoteCmd('a\\"b')).toBe('^"a\\\\^"^"b^"');
});

test("quoteCmd doubles trailing backslashes so they do not escape the closing quote", () => {
  expect(quoteCmd("C:\\my dir\\")).toBe('^"C:\\my dir\\\\^"');
});

test("quoteCmd refuses a line break, which cmd.exe cannot carry", () => {
  expect(() => quoteCmd("a\nb")).toThrow(ShellTemplateError);
});

test("a cmd template fills bare placeholders quoted and refuses one inside the user's quotes", () => {
  expect(fillShell("robocopy {src} {dst} /MIR", PLACEHOLDER, (m) => (m[1] === "src" ? "C:\\a b" : "C:\\d"), "cmd")).toBe('robocopy ^"C:\\a b^" C:\\d /MIR');
  expect(() => fillShell('robocopy "{src}" x', PLACEHOLDER, () => "C:\\a", "cmd")).toThrow(ShellTemplateError);
  expect(fillShell('echo ^"{src}', PLACEHOLDER, () => "a&b", "cmd")).toBe('echo ^"^"a^&b^"');
});
