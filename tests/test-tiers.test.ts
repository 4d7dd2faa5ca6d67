import { expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { fastTestFiles } from "../scripts/test-fast";

// The fast tier (`bun run test:fast`) holds the pure and mock tests and none that start real processes.

const files = fastTestFiles(path.join(import.meta.dir)).map((f) => path.basename(f));

test("the mock-executor tests are in the fast tier", () => {
  expect(files).toContain("mock-gate.test.ts");
  expect(files).toContain("stats-bootstrap.test.ts");
});

test("no end-to-end test that runs the CLI is in the fast tier", () => {
  const e2e = fs.readdirSync(import.meta.dir).filter((f) => f.startsWith("e2e-") && f.endsWith(".test.ts"));
  expect(e2e.length).toBeGreaterThan(10);
  expect(files.filter((f) => e2e.includes(f))).toEqual([]);
});
