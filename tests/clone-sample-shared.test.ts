import { afterAll, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { ManifestWriter } from "../lib/datasets/manifest";
import {
  cloneSample,
  detectClone,
  manifestCandidates,
} from "../lib/run/clone-check";
import { tmpDir } from "./helpers";

// A scenario draws the clone sample from its manifest once and shares it between runs: the label is the one a fresh draw gives.

const root = fs.realpathSync(tmpDir("mb-clone-sample-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

test("a sample drawn once from the manifest gives every run the label a per-run draw gives, without a manifest pass per run", () => {
  const src = path.join(root, "src");
  fs.mkdirSync(src);
  const w = new ManifestWriter(path.join(root, "m.bin"));
  for (let i = 0; i < 40; i++) {
    const name = `f${String(i).padStart(2, "0")}`;
    fs.writeFileSync(
      path.join(src, name),
      Buffer.alloc(i === 7 ? 256 << 10 : 100 + i, i),
    );
    w.add({
      path: name,
      type: "file",
      size: fs.lstatSync(path.join(src, name)).size,
      mode: 0o644,
      mtimeMs: 0,
    });
  }
  const m = w.finish({ specHash: "test", hashAlgorithm: "none" });
  const sample = cloneSample(manifestCandidates(m), {
    sampleFiles: 5,
    largestFiles: 1,
  });
  expect(sample.map((f) => f.rel)).toContain("f07");
  expect(sample.length).toBeLessThanOrEqual(6);
  let passes = 0;
  const counted = {
    count: m.fileCount,
    *files() {
      passes++;
      yield* manifestCandidates(m).files();
    },
  };
  for (const run of ["a", "b"]) {
    const dst = path.join(root, run);
    const p = Bun.spawnSync(["cp", "-a", "--reflink=never", src, dst], {
      stderr: "pipe",
    });
    expect(p.exitCode).toBe(0);
    const shared = detectClone(src, dst, { sample });
    expect(shared).toEqual(
      detectClone(src, dst, {
        sampleFiles: 5,
        largestFiles: 1,
        candidates: counted,
      }),
    );
    if (shared.state !== "unknown")
      expect(shared.sampledFiles).toBe(sample.length);
  }
  expect(passes).toBe(2);
});
