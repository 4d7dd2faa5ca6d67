import { expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { ROOT } from "./helpers";

// The README's module table is the newcomer's map: every lib module has a row, and every row names a real file.

function libFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|c)$/.test(e.name) && !e.name.endsWith(".d.ts")) out.push(path.relative(ROOT, p));
    }
  };
  walk(path.join(ROOT, "lib"));
  return out.sort();
}

/** Every file the Modules table names, resolved against the folder of the bold section row above it. */
function tableFiles(): string[] {
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("\n## Modules"), readme.indexOf("\n## ", readme.indexOf("\n## Modules") + 5));
  const out: string[] = [];
  let folder = "lib/";
  for (const line of section.split("\n")) {
    if (!line.startsWith("|")) continue;
    const first = line.split("|")[1] ?? "";
    const header = /^\s*\*\*[^*]+\*\*\s*(?:\(`([^`]+)`\))?/.exec(first);
    if (header) {
      folder = header[1] ?? "";
      continue;
    }
    for (const m of first.matchAll(/`([^`]+)`/g)) {
      const name = m[1]!;
      out.push(name.startsWith("lib/") || name.startsWith("scripts/") ? name : folder + name);
    }
  }
  return out;
}

test("every lib module has a row in the README's module table", () => {
  const listed = new Set(tableFiles());
  expect(libFiles().filter((f) => !listed.has(f))).toEqual([]);
});

test("every module the README's table names exists", () => {
  expect(tableFiles().filter((f) => !fs.existsSync(path.join(ROOT, f)))).toEqual([]);
});
