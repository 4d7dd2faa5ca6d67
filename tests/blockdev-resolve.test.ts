import { describe, expect, test } from "bun:test";
import fs from "node:fs";
import { parseMountinfo, resolveDevices, splitDev, type BlockdevIo } from "../lib/platform/blockdev";
import { parseDiskstats } from "../lib/platform/settle";

/** A fake machine: mountinfo, st_dev per path, and a /sys/dev/block tree given as symlink targets and files. */
function fakeIo(opts: { mountinfo: string; devs: Record<string, [number, number, boolean?]>; links: Record<string, string>; files: Record<string, string>; dirs?: Record<string, string[]> }): BlockdevIo {
  return {
    readText: (p) => {
      if (p === "/proc/self/mountinfo") return opts.mountinfo;
      if (p in opts.files) return opts.files[p]!;
      throw new Error(`ENOENT ${p}`);
    },
    exists: (p) => p in opts.files,
    realpath: (p) => {
      if (p in opts.links) return opts.links[p]!;
      throw new Error(`ENOENT ${p}`);
    },
    listDir: (p) => opts.dirs?.[p] ?? [],
    devOf: (p) => {
      const d = opts.devs[p];
      if (!d) throw Object.assign(new Error("ENOENT"), { code: "ENOENT" });
      return { major: d[0], minor: d[1], isBlock: d[2] ?? false };
    },
  };
}

const MI = (id: string, mp: string, type: string, src: string, opts = "rw") => `36 25 ${id} / ${mp} rw,relatime shared:1 - ${type} ${src} ${opts}`;

describe("mountinfo", () => {
  test("octal escapes in mount points are decoded and the fields after '-' are read", () => {
    const [m] = parseMountinfo(MI("8:1", "/mnt/with\\040space", "ext4", "/dev/sda1"));
    expect(m).toEqual({ devId: "8:1", mountPoint: "/mnt/with space", fsType: "ext4", source: "/dev/sda1", superOptions: "rw" });
  });

  test("a 64-bit dev_t splits into major and minor the way the kernel encodes it", () => {
    expect(splitDev(0xfe00n)).toEqual({ major: 254, minor: 0 });
    expect(splitDev(0x100300n)).toEqual({ major: 3, minor: 256 });
    expect(splitDev(0x10302n)).toEqual({ major: 259, minor: 2 });
  });
});

describe("which devices hold a path", () => {
  test("a partition is watched together with its whole disk", () => {
    const io = fakeIo({
      mountinfo: MI("8:1", "/", "ext4", "/dev/sda1"),
      devs: { "/ws": [8, 1] },
      links: { "/sys/dev/block/8:1": "/sys/devices/pci/block/sda/sda1", "/sys/dev/block/8:0": "/sys/devices/pci/block/sda" },
      files: { "/sys/devices/pci/block/sda/sda1/partition": "1", "/sys/devices/pci/block/sda/dev": "8:0\n" },
    });
    expect(resolveDevices("/ws", io)).toEqual({
      state: "devices",
      devices: [{ devId: "8:1", name: "sda1", role: "fs" }, { devId: "8:0", name: "sda", role: "disk" }],
      fsType: "ext4",
      mountPoint: "/",
    });
  });

  test("a device-mapper volume is watched with every slave under it", () => {
    const io = fakeIo({
      mountinfo: MI("253:0", "/", "xfs", "/dev/mapper/vg-root"),
      devs: { "/ws": [253, 0] },
      links: { "/sys/dev/block/253:0": "/sys/devices/virtual/block/dm-0", "/sys/dev/block/259:2": "/sys/devices/nvme/nvme0n1/nvme0n1p2", "/sys/dev/block/259:0": "/sys/devices/nvme/nvme0n1" },
      files: { "/sys/devices/virtual/block/dm-0/slaves/nvme0n1p2/dev": "259:2", "/sys/devices/nvme/nvme0n1/nvme0n1p2/partition": "2", "/sys/devices/nvme/nvme0n1/dev": "259:0" },
      dirs: { "/sys/devices/virtual/block/dm-0/slaves": ["nvme0n1p2"] },
    });
    const r = resolveDevices("/ws", io);
    expect(r.state === "devices" && r.devices.map((d) => `${d.name}:${d.role}`)).toEqual(["dm-0:fs", "nvme0n1p2:slave", "nvme0n1:disk"]);
  });

  test("a loop device is watched with the devices under its backing file", () => {
    const io = fakeIo({
      mountinfo: [MI("254:0", "/", "ext4", "/dev/vda"), MI("7:0", "/mnt/img", "xfs", "/dev/loop0")].join("\n"),
      devs: { "/mnt/img/ws": [7, 0], "/srv/xfs.img": [254, 0] },
      links: { "/sys/dev/block/7:0": "/sys/devices/virtual/block/loop0", "/sys/dev/block/254:0": "/sys/devices/virtio1/block/vda" },
      files: { "/sys/devices/virtual/block/loop0/loop/backing_file": "/srv/xfs.img\n" },
    });
    const r = resolveDevices("/mnt/img/ws", io);
    expect(r.state === "devices" && r.devices.map((d) => `${d.name}:${d.role}`)).toEqual(["loop0:fs", "vda:backing"]);
  });

  test("btrfs's anonymous st_dev is resolved through the mount source's device", () => {
    const io = fakeIo({
      mountinfo: MI("0:45", "/data", "btrfs", "/dev/sdb"),
      devs: { "/data/ws": [0, 45], "/dev/sdb": [8, 16, true] },
      links: { "/sys/dev/block/8:16": "/sys/devices/pci/block/sdb" },
      files: {},
    });
    const r = resolveDevices("/data/ws", io);
    expect(r.state === "devices" && r.devices).toEqual([{ devId: "8:16", name: "sdb", role: "fs" }]);
  });

  test("overlayfs is resolved through its upperdir", () => {
    const io = fakeIo({
      mountinfo: [MI("0:50", "/", "overlay", "overlay", "rw,lowerdir=/l,upperdir=/var/up,workdir=/var/w"), MI("254:0", "/var", "ext4", "/dev/vda")].join("\n"),
      devs: { "/ws": [0, 50], "/var/up": [254, 0] },
      links: { "/sys/dev/block/254:0": "/sys/devices/virtio1/block/vda" },
      files: {},
    });
    const r = resolveDevices("/ws", io);
    expect(r).toMatchObject({ state: "devices", fsType: "overlay", devices: [{ name: "vda" }] });
  });

  test("tmpfs has no device to watch, and says so", () => {
    const io = fakeIo({ mountinfo: MI("0:23", "/dev/shm", "tmpfs", "tmpfs"), devs: { "/dev/shm/ws": [0, 23] }, links: {}, files: {} });
    expect(resolveDevices("/dev/shm/ws", io)).toEqual({ state: "none", reason: "no device to watch: tmpfs (tmpfs)", fsType: "tmpfs" });
  });

  test("a path that does not exist is reported, not thrown", () => {
    const io = fakeIo({ mountinfo: "", devs: {}, links: {}, files: {} });
    expect(resolveDevices("/nope", io)).toEqual({ state: "none", reason: "cannot stat /nope: ENOENT", fsType: null });
  });

  test.skipIf(process.platform !== "linux")("on this machine every device found for /tmp has a line in /proc/diskstats", () => {
    const r = resolveDevices("/tmp");
    const stats = parseDiskstats(fs.readFileSync("/proc/diskstats", "utf8"));
    if (r.state === "none") {
      expect(r.reason).toStartWith("no device to watch");
      return;
    }
    expect(r.devices.length).toBeGreaterThan(0);
    for (const d of r.devices) expect(stats.get(d.devId)?.name).toBe(d.name);
  });
});
