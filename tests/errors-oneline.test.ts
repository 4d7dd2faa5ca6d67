import { expect, test } from "bun:test";
import { oneLine } from "../lib/errors";

test("an error's first line is kept whole when it is short", () => {
  expect(oneLine(new Error("ENOSPC: no space left on device, write\nstack…"))).toBe("ENOSPC: no space left on device, write");
});

test("a long error line keeps its start and end and elides the middle", () => {
  const msg = `ENAMETOOLONG: name too long, open '/ws/${"d/".repeat(400)}f'`;
  const line = oneLine(new Error(msg), 101);
  expect(line.length).toBe(101);
  expect(line.startsWith("ENAMETOOLONG: name too long, open '/ws/d/")).toBe(true);
  expect(line.endsWith("d/f'")).toBe(true);
  expect(line).toContain("…");
});

test("a thrown non-error value is described as text", () => {
  expect(oneLine("plain")).toBe("plain");
});
