import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { closeSync, fsyncSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { selectPlatform } from "../lib/platform/index.ts";
import { fadviseDontNeed, residentFraction } from "../lib/platform/libc.ts";
import { dropCachesLinux } from "../lib/platform/linux.ts";

const isLinux = process.platform === "linux";
const isRoot = isLinux && process.getuid?.() === 0;
const MiB = 1024 * 1024;

let dir = "";
function makeFile(name: string, bytes: number): string {
  const p = join(dir, name);
  const buf = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i += 4096) buf.writeUInt32LE((i * 2654435761) >>> 0, i); // distinct pages, cheap
  writeFileSync(p, buf);
  // fsync so the pages are clean: neither fadvise nor drop_caches evicts dirty pages.
  const fd = openSync(p, "r+");
  fsyncSync(fd);
  closeSync(fd);
  chmodSync(p, 0o644);
  return p;
}
function warm(p: string): void {
  readFileSync(p);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "mb-cache-"));
  chmodSync(dir, 0o755);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!isLinux)("residency and fadvise (Linux)", () => {
  test("a file that was just read is fully resident", () => {
    const f = makeFile("warm.bin", 4 * MiB);
    warm(f);
    expect(residentFraction([f])!).toBeGreaterThan(0.99);
  });

  test("fadvise DONTNEED evicts a clean file from the page cache", () => {
    const f = makeFile("fadvise.bin", 4 * MiB);
    warm(f);
    expect(fadviseDontNeed([f])).toEqual({ ok: 1, failed: 0 });
    expect(residentFraction([f])!).toBeLessThan(0.01);
  });

  test("measuring residency does not itself pull pages into the cache", () => {
    const f = makeFile("probe.bin", 2 * MiB);
    fadviseDontNeed([f]);
    residentFraction([f]);
    expect(residentFraction([f])!).toBeLessThan(0.01);
  });

  test("residency is weighted by pages across files", () => {
    const big = makeFile("big.bin", 3 * MiB);
    const small = makeFile("small.bin", 1 * MiB);
    warm(big);
    fadviseDontNeed([small]);
    expect(residentFraction([big, small])!).toBeCloseTo(0.75, 2);
  });

  test("empty files are skipped and a sample of only empty files has no fraction", () => {
    const e = makeFile("empty.bin", 0);
    expect(residentFraction([e])).toBeNull();
  });

  test("a missing file makes residency unknown rather than wrong", () => {
    expect(residentFraction([join(dir, "does-not-exist")])).toBeNull();
  });

  test("fadvise on a missing file counts a failure and says why", () => {
    const r = fadviseDontNeed([join(dir, "missing.bin")]);
    expect([r.ok, r.failed]).toEqual([0, 1]);
    expect(r.firstError).toContain("ENOENT");
  });
});

describe.skipIf(!isRoot)("dropping the cache (Linux, root)", () => {
  test("dropCaches as root writes drop_caches and leaves the source cold", async () => {
    const f = makeFile("drop.bin", 4 * MiB);
    warm(f);
    expect(residentFraction([f])!).toBeGreaterThan(0.99);
    const r = await selectPlatform("linux").dropCaches(dir, [f]);
    console.log(`drop_caches (sync + echo 3) took ${r.ms.toFixed(1)} ms`);
    expect(r.treatment).toBe("dropped");
    expect(residentFraction([f])!).toBeLessThan(0.01);
  });

  test("when drop_caches cannot be written the source files are evicted with fadvise and the reason is kept", () => {
    const f = makeFile("fallback.bin", 4 * MiB);
    warm(f);
    const r = dropCachesLinux(dir, [f], { dropCachesPath: join(dir, "no-such-dir", "drop_caches") });
    expect(r.treatment).toBe("fadvise");
    expect(r.detail).toContain("ENOENT");
    expect(residentFraction([f])!).toBeLessThan(0.01);
  });

  test("the fallback reads a streamed file list (a generator) once, file by file", () => {
    const a = makeFile("stream-a.bin", 2 * MiB);
    const b = makeFile("stream-b.bin", 2 * MiB);
    warm(a);
    warm(b);
    let pulled = 0;
    function* files() {
      for (const f of [a, b]) {
        pulled++;
        yield f;
      }
    }
    const r = dropCachesLinux(dir, files(), { dropCachesPath: join(dir, "nope", "drop_caches") });
    expect(r.treatment).toBe("fadvise");
    expect(r.detail).toContain("evicted 2 source file(s)");
    expect(pulled).toBe(2);
    expect(residentFraction([a, b])!).toBeLessThan(0.01);
  });

  test("with no file list the fallback evicts every file under the source dir", () => {
    const f = makeFile("walked.bin", 2 * MiB);
    warm(f);
    const r = dropCachesLinux(dir, [], { dropCachesPath: join(dir, "nope", "drop_caches") });
    expect(r.treatment).toBe("fadvise");
    expect(residentFraction([f])!).toBeLessThan(0.01);
  });

  test("when neither the drop nor fadvise works the treatment is not-dropped with both reasons", () => {
    const r = dropCachesLinux(join(dir, "empty-src"), [], { dropCachesPath: join(dir, "nope", "drop_caches"), tryReclaim: false });
    expect(r.treatment).toBe(`not-dropped: writing ${join(dir, "nope", "drop_caches")}: ENOENT; no source files to fadvise`);
  });

  const setpriv = Bun.which("setpriv");
  test.skipIf(!setpriv)("a real non-root process falls back to fadvise and reports it", () => {
    const f = makeFile("nonroot.bin", 4 * MiB);
    warm(f);
    const script = `import { selectPlatform } from ${JSON.stringify(join(import.meta.dir, "..", "lib", "platform", "index.ts"))};
      console.log(JSON.stringify(await selectPlatform().dropCaches(${JSON.stringify(dir)}, [${JSON.stringify(f)}])));`;
    const p = Bun.spawnSync(
      [setpriv!, "--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, "-e", script],
      { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, BUN_INSTALL_CACHE_DIR: join(dir, ".bun-cache") }, cwd: dir },
    );
    expect(p.stderr.toString()).toBe("");
    const r = JSON.parse(p.stdout.toString());
    expect(r.treatment).toBe("fadvise");
    expect(r.detail).toContain("EACCES");
    expect(residentFraction([f])!).toBeLessThan(0.01);
  });
});
