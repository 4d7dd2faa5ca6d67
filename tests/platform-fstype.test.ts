import { expect, test } from "bun:test";
import { fsTypeFromMount } from "../lib/platform/darwin";
import { selectPlatform } from "../lib/platform/index";
import { fsTypeFromMountinfo } from "../lib/platform/linux";

// The workspace's file system comes from the mount table (stat -f names ext4 "ext2/ext3").

const MOUNTINFO = `22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro
23 22 0:21 / /proc rw,nosuid - proc proc rw
30 22 0:26 / /tmp rw,nosuid,nodev shared:5 - tmpfs tmpfs rw,size=1024k
31 30 8:17 / /tmp/bench\\040disk rw,relatime - xfs /dev/sdb1 rw
32 22 0:40 / /tmpdata rw - btrfs /dev/sdc1 rw`;

test("the longest mount point holding the folder gives its type", () => {
  expect(fsTypeFromMountinfo(MOUNTINFO, "/home/me/ws")).toBe("ext4");
  expect(fsTypeFromMountinfo(MOUNTINFO, "/tmp/mirrorbench")).toBe("tmpfs");
  expect(fsTypeFromMountinfo(MOUNTINFO, "/tmp/bench disk/ws")).toBe("xfs");
  expect(fsTypeFromMountinfo(MOUNTINFO, "/tmpdata/x")).toBe("btrfs"); // not /tmp: a prefix of the name is not a parent
  expect(fsTypeFromMountinfo(MOUNTINFO, "/tmp")).toBe("tmpfs");
});

test("a later mount on the same point hides the earlier one", () => {
  expect(fsTypeFromMountinfo(`${MOUNTINFO}\n40 30 0:50 / /tmp rw - overlay overlay rw`, "/tmp/x")).toBe("overlay");
});

test("macOS's mount output is read the same way", () => {
  const out = "/dev/disk3s1s1 on / (apfs, sealed, local, read-only, journaled)\n/dev/disk5s1 on /Volumes/Bench (hfs, local, journaled)\n";
  expect(fsTypeFromMount(out, "/Volumes/Bench/ws")).toBe("hfs");
  expect(fsTypeFromMount(out, "/Users/me")).toBe("apfs");
});

test.skipIf(process.platform !== "linux")("on this Linux machine the temp folder's type is named, not ext2/ext3", () => {
  const t = selectPlatform("linux").fsType("/tmp");
  expect(t).toMatch(/^[a-z0-9._-]+$/);
  expect(t).not.toBe("ext2/ext3");
});

test("each platform's shell for shell: true tools", () => {
  expect(selectPlatform("linux").shell.argv("a | b")).toEqual(["/bin/sh", "-c", "a | b"]);
  expect(selectPlatform("win32").shell).toMatchObject({ kind: "cmd" });
  expect(selectPlatform("win32").shell.argv("a & b")).toEqual(["cmd.exe", "/d", "/s", "/c", '"a & b"']);
  expect(selectPlatform("darwin").shell.kind).toBe("posix");
});
