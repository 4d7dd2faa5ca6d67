import { afterAll, expect, test } from "bun:test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { checkDiagnoseDir, diagnoseDir } from "../lib/cli/outputs";
import { applyRetention } from "../lib/history/retention";
import { writeResults } from "../lib/results/file";
import type { ResolvedConfig } from "../lib/types";
import { diagnosisRecord } from "./fixtures/diagnosis";
import { fileNameOf, HOST_A, nightly } from "./fixtures/synthetic";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mb-retdiag-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Night 1 was diagnosed (its folder holds a flame graph), night 2 was not but a folder of that name exists, night 3 is kept. */
function setup(name: string) {
  const dir = path.join(tmp, name);
  const files = [1, 2, 3].map((d) => {
    const r = d === 1 ? { ...nightly(d, 1), diagnoses: [diagnosisRecord()] } : nightly(d, 1);
    const f = path.join(dir, fileNameOf(r));
    writeResults(f, r);
    return f;
  });
  for (const f of files.slice(0, 2)) {
    fs.mkdirSync(path.join(diagnoseDir(f), "small-files"), { recursive: true });
    fs.writeFileSync(path.join(diagnoseDir(f), "small-files", "cp.flamegraph.svg"), "<svg/>");
  }
  return { dir, files };
}

test("retention deletes a diagnosed result's diagnosis folder with it, and no folder a diagnosis did not make", () => {
  const { files } = setup("folders");
  const deleted = applyRetention(path.dirname(files[0]!), HOST_A.id, 1);
  expect(deleted).toContain(diagnoseDir(files[0]!));
  expect(fs.existsSync(diagnoseDir(files[0]!))).toBe(false);
  // Night 2 recorded no diagnosis: a folder beside it is not ours to delete.
  expect(fs.existsSync(path.join(diagnoseDir(files[1]!), "small-files", "cp.flamegraph.svg"))).toBe(true);
});

test("retention never follows a diagnosis folder that is a symlink", () => {
  const { files } = setup("symlink");
  const elsewhere = path.join(tmp, "precious");
  fs.mkdirSync(elsewhere, { recursive: true });
  fs.writeFileSync(path.join(elsewhere, "keep.txt"), "mine");
  fs.rmSync(diagnoseDir(files[0]!), { recursive: true });
  fs.symlinkSync(elsewhere, diagnoseDir(files[0]!));
  applyRetention(path.dirname(files[0]!), HOST_A.id, 1);
  expect(fs.readFileSync(path.join(elsewhere, "keep.txt"), "utf8")).toBe("mine");
});

test("with diagnose on, a diagnosis folder that cannot be made is refused before the first run, naming the key", () => {
  const dir = path.join(tmp, "blocked");
  fs.mkdirSync(dir, { recursive: true });
  const results = path.join(dir, "20261124T013716.123Z_bench-a.json");
  fs.writeFileSync(diagnoseDir(results), "a file where the folder should go");
  const config = { diagnose: "on-fail" } as ResolvedConfig;
  expect(() => checkDiagnoseDir(config, results)).toThrow(`diagnosis folder ${diagnoseDir(results)}: ${diagnoseDir(results)} is a file, not a directory`);
  expect(() => checkDiagnoseDir({ ...config, diagnose: "off" }, results)).not.toThrow();
});
