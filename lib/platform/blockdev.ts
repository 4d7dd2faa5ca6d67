// Which block devices hold a path (Linux): st_dev → /proc/self/mountinfo → /sys/dev/block, through partitions, dm/md slaves and loop backing files.

import fs from "node:fs";
import path from "node:path";

export interface MountEntry {
  /** "major:minor" as mountinfo prints it (0:N for anonymous devices: tmpfs, overlay, btrfs, nfs …). */
  devId: string;
  mountPoint: string;
  fsType: string;
  source: string;
  superOptions: string;
}

/** A block device to watch in /proc/diskstats. */
export interface WatchedDevice {
  devId: string;
  name: string;
  /** Why it is watched: the file system's own device, the disk under a partition, a slave, a loop backing store. */
  role: "fs" | "disk" | "slave" | "backing";
}

export type DeviceResolution =
  | { state: "devices"; devices: WatchedDevice[]; fsType: string; mountPoint: string }
  | { state: "none"; reason: string; fsType: string | null };

export interface BlockdevIo {
  readText(p: string): string;
  exists(p: string): boolean;
  realpath(p: string): string;
  /** Entry names of a directory; [] when it does not exist. */
  listDir(p: string): string[];
  /** st_dev (or st_rdev with rdev) split into major:minor. */
  devOf(p: string, rdev?: boolean): { major: number; minor: number; isBlock: boolean };
}

/** Linux's new_decode_dev for a 64-bit dev_t. */
export function splitDev(dev: bigint): { major: number; minor: number } {
  const major = Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn));
  const minor = Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));
  return { major, minor };
}

export const realIo: BlockdevIo = {
  readText: (p) => fs.readFileSync(p, "utf8"),
  exists: (p) => fs.existsSync(p),
  realpath: (p) => fs.realpathSync(p),
  listDir(p) {
    try {
      return fs.readdirSync(p);
    } catch {
      return [];
    }
  },
  devOf(p, rdev = false) {
    const st = fs.statSync(p, { bigint: true });
    return { ...splitDev(rdev ? st.rdev : st.dev), isBlock: st.isBlockDevice() };
  },
};

// mountinfo escapes space, tab, newline and backslash as \ooo.
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Parses /proc/self/mountinfo (proc(5)): fields 3 (major:minor) and 5 (mount point), then after "-": type, source, super options. */
export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split("\n")) {
    const f = line.trim().split(" ");
    const dash = f.indexOf("-");
    if (f.length < 7 || dash < 6) continue;
    out.push({
      devId: f[2]!,
      mountPoint: unescapeMount(f[4]!),
      fsType: f[dash + 1] ?? "",
      source: unescapeMount(f[dash + 2] ?? ""),
      superOptions: f[dash + 3] ?? "",
    });
  }
  return out;
}

const MAX_DEPTH = 8;

/**
 * The block devices whose write activity tells whether writes to `target` have drained: the device of
 * the file system holding it; for a partition, its whole disk too (siblings share the queue); for dm/md,
 * every slave; for a loop device, the devices under its backing file; for overlayfs, those under upperdir.
 * A file system with no block device (tmpfs, nfs, fuse) resolves to "none" with the reason.
 */
export function resolveDevices(target: string, io: BlockdevIo = realIo): DeviceResolution {
  let mounts: MountEntry[];
  try {
    mounts = parseMountinfo(io.readText("/proc/self/mountinfo"));
  } catch (e) {
    return { state: "none", reason: `cannot read /proc/self/mountinfo: ${(e as Error).message}`, fsType: null };
  }
  const found = new Map<string, WatchedDevice>();
  const r = resolveInto(target, io, mounts, found, 0);
  if (r.state === "none") return r;
  return { ...r, devices: [...found.values()] };
}

function resolveInto(
  target: string,
  io: BlockdevIo,
  mounts: MountEntry[],
  found: Map<string, WatchedDevice>,
  depth: number,
): DeviceResolution {
  let dev: { major: number; minor: number };
  try {
    dev = io.devOf(target);
  } catch (e) {
    return { state: "none", reason: `cannot stat ${target}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, fsType: null };
  }
  const devId = `${dev.major}:${dev.minor}`;
  // The same device may be mounted several times (bind mounts); the last entry is the one on top.
  const mount = mounts.filter((m) => m.devId === devId).pop() ?? null;
  const fsType = mount?.fsType ?? "unknown";
  const mountPoint = mount?.mountPoint ?? "?";
  let blockId: string | null = dev.major === 0 ? null : devId;
  if (blockId === null && mount) {
    if (mount.fsType === "overlay" && depth < MAX_DEPTH) {
      const upper = /(?:^|,)upperdir=([^,]+)/.exec(mount.superOptions)?.[1];
      if (upper) {
        const r = resolveInto(upper, io, mounts, found, depth + 1);
        return r.state === "devices" ? { ...r, fsType, mountPoint } : { ...r, reason: `overlay upperdir ${upper}: ${r.reason}`, fsType };
      }
    }
    // btrfs (and a few others) report an anonymous st_dev; the mount source names the real device.
    if (mount.source.startsWith("/dev/")) {
      try {
        const s = io.devOf(mount.source, true);
        if (s.isBlock) blockId = `${s.major}:${s.minor}`;
      } catch {
        // falls through to "no device"
      }
    }
  }
  if (blockId === null) return { state: "none", reason: `no device to watch: ${fsType} (${mount?.source ?? "unknown source"})`, fsType };
  addDevice(blockId, "fs", io, mounts, found, depth);
  return { state: "devices", devices: [], fsType, mountPoint };
}

function addDevice(devId: string, role: WatchedDevice["role"], io: BlockdevIo, mounts: MountEntry[], found: Map<string, WatchedDevice>, depth: number): void {
  if (found.has(devId) || depth > MAX_DEPTH) return;
  const sys = `/sys/dev/block/${devId}`;
  let real: string;
  try {
    real = io.realpath(sys);
  } catch {
    found.set(devId, { devId, name: devId, role });
    return;
  }
  found.set(devId, { devId, name: path.basename(real), role });
  if (io.exists(path.join(real, "partition"))) {
    const disk = readDevId(io, path.join(path.dirname(real), "dev"));
    if (disk) addDevice(disk, "disk", io, mounts, found, depth + 1);
  }
  const slavesDir = path.join(real, "slaves");
  for (const slave of io.listDir(slavesDir)) {
    const id = readDevId(io, path.join(slavesDir, slave, "dev"));
    if (id) addDevice(id, "slave", io, mounts, found, depth + 1);
  }
  const backing = path.join(real, "loop", "backing_file");
  if (io.exists(backing)) {
    const file = io.readText(backing).trim();
    if (file) {
      const sub = new Map<string, WatchedDevice>();
      const r = resolveInto(file, io, mounts, sub, depth + 1);
      if (r.state === "devices") for (const d of sub.values()) if (!found.has(d.devId)) found.set(d.devId, { ...d, role: "backing" });
    }
  }
}

function readDevId(io: BlockdevIo, file: string): string | null {
  try {
    const t = io.readText(file).trim();
    return /^\d+:\d+$/.test(t) ? t : null;
  } catch {
    return null;
  }
}
