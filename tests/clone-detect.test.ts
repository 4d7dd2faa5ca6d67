import { afterAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { fileExtents, FIEMAP_EXTENT_LAST, FIEMAP_EXTENT_SHARED, overlapBytes, sharedBytes, type FiemapSys } from "../lib/platform/fiemap";
import { detectClone } from "../lib/run/clone-check";
import { tmpDir } from "./helpers";

const base = fs.realpathSync(tmpDir("mb-clone-"));

/** A reflink-capable XFS in a loop-mounted image (root only); the reason when it cannot be made here. */
function mountReflinkFs(): { mnt: string | null; why: string } {
  if (process.platform !== "linux") return { mnt: null, why: "not Linux" };
  if (process.getuid?.() !== 0) return { mnt: null, why: "not root: cannot loop-mount" };
  const mkfs = Bun.which("mkfs.xfs") ?? Bun.which("mkfs.xfs", { PATH: "/usr/sbin:/sbin" });
  if (!mkfs) return { mnt: null, why: "no mkfs.xfs (apt-get install xfsprogs)" };
  const img = path.join(base, "xfs.img");
  const mnt = path.join(base, "mnt");
  fs.mkdirSync(mnt);
  const run = (argv: string[]) => Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
  const t = run(["truncate", "-s", "300M", img]);
  if (t.exitCode !== 0) return { mnt: null, why: `truncate: ${t.stderr.toString().trim()}` };
  const m = run([mkfs, "-q", "-m", "reflink=1", img]);
  if (m.exitCode !== 0) return { mnt: null, why: `mkfs.xfs: ${m.stderr.toString().trim()}` };
  const mo = run(["mount", "-o", "loop", img, mnt]);
  if (mo.exitCode !== 0) return { mnt: null, why: `mount refused: ${mo.stderr.toString().trim()}` };
  return { mnt, why: "" };
}

const reflink = mountReflinkFs();
if (!reflink.mnt) console.warn(`clone-detect: skipping the reflink tests: ${reflink.why}`);

afterAll(() => {
  if (reflink.mnt) Bun.spawnSync(["umount", reflink.mnt]);
  fs.rmSync(base, { recursive: true, force: true });
});

function makeSrc(root: string): string {
  const src = path.join(root, "src");
  fs.mkdirSync(path.join(src, "d"), { recursive: true });
  fs.writeFileSync(path.join(src, "big"), Buffer.alloc(2 << 20, 0xa5).map((_, i) => (i * 2654435761) >>> 24));
  for (let i = 0; i < 10; i++) fs.writeFileSync(path.join(src, "d", `f${i}`), Buffer.alloc(64 << 10, i + 1));
  return src;
}

function cp(src: string, dst: string, reflinkMode: "always" | "never"): void {
  fs.mkdirSync(dst);
  const p = Bun.spawnSync(["cp", "-a", `--reflink=${reflinkMode}`, `${src}/.`, `${dst}/`], { stderr: "pipe" });
  if (p.exitCode !== 0) throw new Error(p.stderr.toString());
}

describe("clone or copy, on a reflink file system", () => {
  test.skipIf(!reflink.mnt)("cp --reflink=always is labelled cloned, with the shared bytes", () => {
    const src = makeSrc(reflink.mnt!);
    const dst = path.join(reflink.mnt!, "dst-clone");
    cp(src, dst, "always");
    const label = detectClone(src, dst);
    expect(label.state).toBe("cloned");
    if (label.state !== "cloned") return;
    expect(label.clonedFiles).toBe(11);
    expect(label.overlapBytes).toBeGreaterThanOrEqual((2 << 20) + 10 * (64 << 10));
    const ext = fileExtents(path.join(dst, "big"));
    expect(ext.ok && sharedBytes(ext.extents)).toBeGreaterThanOrEqual(2 << 20);
  });

  test.skipIf(!reflink.mnt)("cp --reflink=never on the same file system is labelled copied", () => {
    const src = path.join(reflink.mnt!, "src");
    const dst = path.join(reflink.mnt!, "dst-copy");
    cp(src, dst, "never");
    expect(detectClone(src, dst)).toEqual({ state: "copied", sampledFiles: 11, sampledBytes: (2 << 20) + 10 * (64 << 10) });
  });
});

describe("clone or copy, elsewhere", () => {
  test.skipIf(process.platform !== "linux")("a copy on this machine's own disk is labelled copied", () => {
    const src = makeSrc(path.join(base));
    const dst = path.join(base, "dst");
    cp(src, dst, "never");
    expect(detectClone(src, dst).state).toBe("copied");
  });

  test.skipIf(process.platform !== "linux" || !fs.existsSync("/dev/shm"))("tmpfs cannot tell, and says why", () => {
    const shm = fs.mkdtempSync("/dev/shm/mb-clone-");
    try {
      const src = path.join(shm, "src");
      fs.mkdirSync(src);
      fs.writeFileSync(path.join(src, "f"), "x");
      const dst = path.join(shm, "dst");
      cp(src, dst, "never");
      const label = detectClone(src, dst);
      expect(label).toEqual({ state: "unknown", reason: `cannot tell clone from copy: FIEMAP on ${path.join(src, "f")}: EOPNOTSUPP` });
    } finally {
      fs.rmSync(shm, { recursive: true, force: true });
    }
  });
});

describe("FIEMAP decoding", () => {
  /** A fake ioctl that serves `total` one-block extents, `perCall` at a time, the last flagged LAST and every other one SHARED. */
  function fake(total: number, perCall: number): FiemapSys & { calls: number } {
    const sys = {
      calls: 0,
      open: () => 3,
      close: () => {},
      fiemap: (_fd: number, buf: Uint8Array) => {
        sys.calls++;
        const v = new DataView(buf.buffer);
        const start = Number(v.getBigUint64(0, true)) / 4096;
        const n = Math.min(perCall, total - start);
        v.setUint32(20, n, true);
        for (let i = 0; i < n; i++) {
          const o = 32 + i * 56;
          const idx = start + i;
          v.setBigUint64(o, BigInt(idx * 4096), true);
          v.setBigUint64(o + 8, BigInt(1_000_000 + idx * 8192), true);
          v.setBigUint64(o + 16, 4096n, true);
          v.setUint32(o + 40, (idx % 2 ? FIEMAP_EXTENT_SHARED : 0) | (idx === total - 1 ? FIEMAP_EXTENT_LAST : 0), true);
        }
        return { ok: true as const };
      },
    };
    return sys;
  }

  test("extents are read in batches until the one flagged LAST", () => {
    const sys = fake(300, 128);
    const r = fileExtents("/x", sys);
    expect(r.ok && r.extents.length).toBe(300);
    expect(sys.calls).toBe(3);
    expect(r.ok && sharedBytes(r.extents)).toBe(150 * 4096);
  });

  test("overlap counts only destination bytes on the source's physical blocks", () => {
    const src = [{ logicalBytes: 0, physicalBytes: 10_000, lengthBytes: 5000, flags: 0 }];
    const dst = [
      { logicalBytes: 0, physicalBytes: 12_000, lengthBytes: 5000, flags: FIEMAP_EXTENT_SHARED },
      { logicalBytes: 5000, physicalBytes: 0, lengthBytes: 4096, flags: 0x2 },
    ];
    expect(overlapBytes(src, dst)).toBe(3000);
  });
});
