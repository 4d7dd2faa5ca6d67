import { afterAll, describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { resolveDevices } from "../lib/platform/blockdev";
import { describeSettle, parseDiskstats, settle, waitForQuiet, writeRateMibPerSec, type SettleIo } from "../lib/platform/settle";
import { tmpDir } from "./helpers";

const LINE = (devId: string, name: string, sectorsWritten: number) => {
  const [maj, min] = devId.split(":");
  return `${maj} ${min} ${name} 100 0 800 10 50 0 ${sectorsWritten} 20 0 30 30 0 0 0 0`;
};

/** A fake clock and /proc/diskstats whose write counter advances by the given MiB per sample. */
function fakeIo(mibPerSample: number[]): SettleIo & { reads: number } {
  let now = 0;
  let sectors = 0;
  const io = {
    reads: 0,
    nowMs: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
    readDiskstats: () => {
      if (io.reads > 0) sectors += ((mibPerSample[io.reads - 1] ?? 0) * 1048576) / 512;
      io.reads++;
      return LINE("8:0", "sda", sectors) + "\n" + LINE("8:1", "sda1", 0);
    },
  };
  return io;
}

const DEV = [{ devId: "8:0", name: "sda", role: "fs" as const }];

describe("diskstats", () => {
  test("the sectors-written and in-flight fields are read per major:minor", () => {
    const m = parseDiskstats(" 254       0 vda 443277 191532 32910418 124956 103700 2312099 34906200 437662 3 196504 695593 1898708 76 27084608 131785 11980 1188\n");
    expect(m.get("254:0")).toEqual({ name: "vda", sectorsWritten: 34906200, inFlight: 3 });
  });

  test("the write rate is the largest over the watched devices, in MiB/s of 512-byte sectors", () => {
    const a = parseDiskstats(LINE("8:0", "sda", 0) + "\n" + LINE("253:0", "dm-0", 0));
    const b = parseDiskstats(LINE("8:0", "sda", 2048) + "\n" + LINE("253:0", "dm-0", 8192));
    const devs = [...DEV, { devId: "253:0", name: "dm-0", role: "fs" as const }];
    // 8192 sectors = 4 MiB in 0.5 s = 8 MiB/s on dm-0; sda wrote 1 MiB (2 MiB/s).
    expect(writeRateMibPerSec(a, b, devs, 500)).toBe(8);
  });
});

describe("waiting for a quiet disk", () => {
  const opts = { drainMibPerSec: 2, quietSamples: 3, maxWaitMs: 30_000, sampleMs: 250 };

  test("three quiet samples in a row end the wait, and a busy one restarts the count", async () => {
    // per 250 ms: 1 MiB = 4 MiB/s (busy), then 0.25 = 1 MiB/s (quiet) ×2, busy, quiet ×3
    const io = fakeIo([1, 0.25, 0.25, 1, 0.1, 0, 0]);
    const r = await waitForQuiet(DEV, opts, io);
    expect(r).toEqual({ waitedMs: 1750, samples: 7, lastMibPerSec: 0, peakMibPerSec: 4, reason: "quiet", devices: ["sda"] });
  });

  test("a disk that never drains stops the wait at max_wait", async () => {
    const io = fakeIo(Array(100).fill(5));
    const r = await waitForQuiet(DEV, { ...opts, maxWaitMs: 1000 }, io);
    expect(r.reason).toBe("max-wait");
    expect(r.waitedMs).toBe(1000);
    expect(r.samples).toBe(4);
    expect(r.lastMibPerSec).toBe(20);
  });

  test("a path with no block device records why nothing was watched, after the sync", async () => {
    let synced = 0;
    const r = await settle(
      { path: "/dev/shm", sync: true, wait: opts },
      { io: fakeIo([]), resolve: () => ({ state: "none", reason: "no device to watch: tmpfs (tmpfs)", fsType: "tmpfs" }), runSync: () => (synced++, { ok: true, why: "" }) },
    );
    expect(synced).toBe(1);
    expect(r).toEqual({ syncMs: 0, waitedMs: 0, samples: 0, lastMibPerSec: null, peakMibPerSec: null, reason: "no device to watch: tmpfs (tmpfs)", devices: [] });
    expect(describeSettle(r)).toBe("settle: sync 0 ms; no device to watch: tmpfs (tmpfs)");
  });

  test("a failed sync is recorded and the settle still goes on", async () => {
    const r = await settle({ path: "/x", sync: true, wait: null }, { io: fakeIo([]), runSync: () => ({ ok: false, why: "sync exit 1: EIO" }) });
    expect(r.syncError).toBe("sync exit 1: EIO");
    expect(r.reason).toBe("disabled");
    expect(describeSettle(r)).toBe("settle: sync 0 ms (failed: sync exit 1: EIO); no wait");
  });
});

describe("on this machine", () => {
  const dir = tmpDir("mb-settle-");
  const res = resolveDevices(dir);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test.skipIf(res.state !== "devices")("the sampler sees a file written and fsync'ed on the workspace's disk", () => {
    if (res.state !== "devices") return;
    const before = parseDiskstats(fs.readFileSync("/proc/diskstats", "utf8"));
    const file = path.join(dir, "payload");
    const fd = fs.openSync(file, "w");
    const chunk = Buffer.alloc(1 << 20, 0x5a);
    for (let i = 0; i < 16; i++) fs.writeSync(fd, chunk);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    const after = parseDiskstats(fs.readFileSync("/proc/diskstats", "utf8"));
    const fsDev = res.devices.find((d) => d.role === "fs")!;
    const writtenBytes = (after.get(fsDev.devId)!.sectorsWritten - before.get(fsDev.devId)!.sectorsWritten) * 512;
    // Other writers can only add to it.
    expect(writtenBytes).toBeGreaterThanOrEqual(16 << 20);
  });

  test.skipIf(res.state !== "devices")("a real settle syncs, samples the disk and says what it waited", async () => {
    const r = await settle({ path: dir, sync: true, wait: { drainMibPerSec: 1e6, quietSamples: 2, maxWaitMs: 5000, sampleMs: 50 } });
    expect(r.syncMs).toBeGreaterThanOrEqual(0);
    expect(r.reason).toBe("quiet");
    expect(r.samples).toBe(2);
    expect(r.devices.length).toBeGreaterThan(0);
  });
});

describe("several paths", () => {
  test("the devices under the workspace and the source are watched together, each once", async () => {
    const seen: string[] = [];
    const r = await settle(
      { path: ["/ws", "/src", "/shm"], sync: false, wait: { drainMibPerSec: 2, quietSamples: 1, maxWaitMs: 1000, sampleMs: 250 } },
      {
        io: { nowMs: () => 0, sleep: async () => {}, readDiskstats: () => (seen.push("read"), LINE("8:0", "sda", 0) + "\n" + LINE("8:16", "sdb", 0)) },
        resolve: (p) =>
          p === "/shm"
            ? { state: "none", reason: "no device to watch: tmpfs (tmpfs)", fsType: "tmpfs" }
            : { state: "devices", fsType: "ext4", mountPoint: "/", devices: p === "/ws" ? [DEV[0]!] : [DEV[0]!, { devId: "8:16", name: "sdb", role: "fs" }] },
      },
    );
    expect(r.devices).toEqual(["sda", "sdb"]);
    expect(r.syncMs).toBeNull();
  });
});
