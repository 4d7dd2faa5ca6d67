import { describe, expect, test } from "bun:test";
import { cgroup2Mount, findReclaimTarget, reclaimOnce, v2PathFromProcCgroup } from "../lib/platform/cgroup";
import { dropCachesLinux, linuxPlatform, newReclaimSession } from "../lib/platform/linux";
import { fakeFs, fakeLinux } from "./platform-fakes";

// cgroup v2 memory.reclaim, checked against a recorded cgroup tree: this VM mounts cgroup v1 for memory, so
// none of this has run on a real delegated v2 hierarchy (README "Platforms" says so).

const SCOPE = "/user.slice/user-1000.slice/user@1000.service/app.slice/run-u7.scope";
const D = `/sys/fs/cgroup${SCOPE}`;
const MOUNTINFO = `24 1 8:1 / / rw - ext4 /dev/sda1 rw
35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot`;
const STAT = (fileBytes: number) => `anon 1048576\nfile ${fileBytes}\nkernel 2097152\nslab_reclaimable 4194304\nslab_unreclaimable 1024\n`;

function tree(extra: Record<string, string> = {}) {
  return {
    "/proc/self/cgroup": `0::${SCOPE}\n`,
    "/proc/self/mountinfo": MOUNTINFO,
    [`${D}/cgroup.controllers`]: "cpu memory pids\n",
    [`${D}/memory.stat`]: STAT(256 << 20),
    ...extra,
  };
}

describe("finding where memory.reclaim may be written", () => {
  test("our own cgroup, when its memory.reclaim takes the harmless probe \"0\"", () => {
    const log: string[] = [];
    const fs = fakeFs(log, tree(), { [`${D}/memory.reclaim`]: () => null });
    const t = findReclaimTarget(fs, 4242);
    expect(t).toMatchObject({ dir: D, route: "own" });
    expect(log).toEqual(["read /proc/self/cgroup", "read /proc/self/mountinfo", `read ${D}/cgroup.controllers`, `write ${D}/memory.reclaim 0`]);
  });

  test("a child cgroup we move into, when our own memory.reclaim is root's: steps in order, undone in reverse", () => {
    const log: string[] = [];
    const leaf = `${D}/mirrorbench-4242`;
    const fs = fakeFs(log, tree({ [`${D}/cgroup.procs`]: "4242\n" }), {
      [`${D}/memory.reclaim`]: () => "EACCES",
      [`${leaf}/cgroup.procs`]: () => null,
      [`${D}/cgroup.subtree_control`]: () => null,
      [`${leaf}/memory.reclaim`]: () => null,
      [`${D}/cgroup.procs`]: () => null,
    });
    const t = findReclaimTarget(fs, 4242);
    expect(t).toMatchObject({ dir: leaf, route: "child" });
    expect(log.slice(3)).toEqual([
      `write ${D}/memory.reclaim 0`,
      `read ${D}/cgroup.procs`,
      `mkdir ${leaf}`,
      `write ${leaf}/cgroup.procs 4242`,
      `write ${D}/cgroup.subtree_control +memory`,
      `write ${leaf}/memory.reclaim 0`,
    ]);
    log.length = 0;
    (t as { release(): void }).release();
    expect(log).toEqual([`write ${D}/cgroup.subtree_control -memory`, `write ${D}/cgroup.procs 4242`, `rmdir ${leaf}`]);
  });

  test("no child route while our cgroup holds other processes (a shell): nothing is moved", () => {
    const log: string[] = [];
    const fs = fakeFs(log, tree({ [`${D}/cgroup.procs`]: "4242\n977\n" }), { [`${D}/memory.reclaim`]: () => "EACCES" });
    const t = findReclaimTarget(fs, 4242);
    expect("why" in t && t.why).toContain("holds 1 other process(es)");
    expect("why" in t && t.why).toContain("systemd-run --user --scope -p Delegate=yes");
    expect(log.filter((l) => l.startsWith("write") || l.startsWith("mkdir"))).toEqual([`write ${D}/memory.reclaim 0`]);
  });

  test("a step that fails undoes the ones before it, newest first, and says which step and why", () => {
    const log: string[] = [];
    const leaf = `${D}/mirrorbench-4242`;
    const fs = fakeFs(log, tree({ [`${D}/cgroup.procs`]: "4242\n" }), {
      [`${D}/memory.reclaim`]: () => "EACCES",
      [`${leaf}/cgroup.procs`]: () => null,
      [`${D}/cgroup.subtree_control`]: () => "EACCES",
      [`${D}/cgroup.procs`]: () => null,
    });
    const t = findReclaimTarget(fs, 4242);
    expect("why" in t && t.why).toContain(`enabling memory in ${D}/cgroup.subtree_control: EACCES`);
    expect(log.slice(-2)).toEqual([`write ${D}/cgroup.procs 4242`, `rmdir ${leaf}`]);
  });

  test("no memory controller in our cgroup (cgroup v1 memory, or not delegated): a reason, and nothing written", () => {
    const log: string[] = [];
    const fs = fakeFs(log, tree({ [`${D}/cgroup.controllers`]: "cpu pids\n" }));
    const t = findReclaimTarget(fs, 4242);
    expect("why" in t && t.why).toBe(`the memory controller is not enabled for ${D} (cgroup v1 memory, or not delegated)`);
    expect(log.some((l) => l.startsWith("write"))).toBe(false);
  });

  test("a kernel without memory.reclaim (before 5.19) is named as such, and no child cgroup is tried", () => {
    const log: string[] = [];
    const fs = fakeFs(log, tree({ [`${D}/cgroup.procs`]: "4242\n" }), { [`${D}/memory.reclaim`]: () => "ENOENT" });
    expect(findReclaimTarget(fs, 4242)).toEqual({ why: `${D}/memory.reclaim does not exist (Linux before 5.19)` });
    expect(log.some((l) => l.startsWith("mkdir") || l.includes("cgroup.procs"))).toBe(false);
  });

  test("a process in no v2 hierarchy, and a bind-mounted subtree, are read right", () => {
    expect(v2PathFromProcCgroup("12:memory:/user.slice\n1:name=systemd:/user.slice\n")).toBeNull();
    expect(v2PathFromProcCgroup("12:memory:/x\n0::/user.slice/a.scope\n")).toBe("/user.slice/a.scope");
    expect(cgroup2Mount("40 1 0:30 /user.slice /sys/fs/cgroup rw - cgroup2 cgroup2 rw")).toEqual({ root: "/user.slice", mountPoint: "/sys/fs/cgroup" });
    const log: string[] = [];
    const fs = fakeFs(log, {
      "/proc/self/cgroup": "0::/user.slice/a.scope\n",
      "/proc/self/mountinfo": "40 1 0:30 /user.slice /sys/fs/cgroup rw - cgroup2 cgroup2 rw",
      "/sys/fs/cgroup/a.scope/cgroup.controllers": "memory",
    }, { "/sys/fs/cgroup/a.scope/memory.reclaim": () => null });
    expect(findReclaimTarget(fs, 1)).toMatchObject({ dir: "/sys/fs/cgroup/a.scope" });
  });
});

describe("one reclaim", () => {
  test("asks for the page cache plus reclaimable slab, with swappiness=0, and reads what is left", () => {
    const log: string[] = [];
    const fs = fakeFs(log, tree(), { [`${D}/memory.reclaim`]: () => { fs.files.set(`${D}/memory.stat`, STAT(8 << 20)); return null; } });
    const r = reclaimOnce(fs, D, { swappinessKey: true });
    expect(log).toEqual([`read ${D}/memory.stat`, `write ${D}/memory.reclaim ${(256 << 20) + (4 << 20)} swappiness=0`, `read ${D}/memory.stat`]);
    expect(r).toEqual({ ok: true, detail: `memory.reclaim of ${D}: page cache 256.0 MiB → 8.0 MiB` });
  });

  test("a kernel without the swappiness= key (EINVAL) gets the plain amount, remembered for the next drop, and the detail warns", () => {
    const log: string[] = [];
    const fs = fakeFs(log, tree(), { [`${D}/memory.reclaim`]: (d) => (d.includes("swappiness") ? "EINVAL" : null) });
    const state = { swappinessKey: true };
    const first = reclaimOnce(fs, D, state);
    expect(first.ok && first.detail).toContain("no swappiness= key");
    log.length = 0;
    reclaimOnce(fs, D, state);
    expect(log.filter((l) => l.startsWith("write"))).toEqual([`write ${D}/memory.reclaim ${(256 << 20) + (4 << 20)}`]);
  });

  test("EAGAIN (less reclaimed than asked) is a partial success, not a failure; EACCES is a failure", () => {
    const log: string[] = [];
    const again = reclaimOnce(fakeFs(log, tree(), { [`${D}/memory.reclaim`]: () => "EAGAIN" }), D, { swappinessKey: true });
    expect(again.ok && again.detail).toContain("less than asked");
    const denied = reclaimOnce(fakeFs(log, tree(), { [`${D}/memory.reclaim`]: () => "EACCES" }), D, { swappinessKey: true });
    expect(denied).toEqual({ ok: false, why: `writing ${D}/memory.reclaim: EACCES` });
  });
});

describe("the Linux drop without root", () => {
  const base = (o: { reclaim?: () => string | null; procs?: string } = {}) => {
    const log: string[] = [];
    const sys = fakeLinux({
      log,
      files: tree(o.procs ? { [`${D}/cgroup.procs`]: o.procs } : {}),
      onWrite: { "/proc/sys/vm/drop_caches": () => "EACCES", [`${D}/memory.reclaim`]: o.reclaim ?? (() => null) },
      answers: { "sudo -n tee": { ok: false, why: "exit 1: sudo: a password is required" } },
      onPath: ["sudo"],
    });
    return { log, sys };
  };

  test("drop_caches, then sudo -n tee, then reclaim of our cgroup plus fadvise of the source: treatment reclaim", () => {
    const { log, sys } = base();
    const r = dropCachesLinux("/ws/src", ["/ws/src/a", "/ws/src/b"], {}, sys, newReclaimSession());
    expect(r.treatment).toBe("reclaim");
    expect(r.detail).toContain("sudo -n tee: exit 1: sudo: a password is required");
    expect(r.detail).toContain(`memory.reclaim of ${D}`);
    expect(r.detail).toContain("posix_fadvise DONTNEED on 2 source file(s)");
    const order = log.filter((l) => /^(run|write|fadvise)/.test(l));
    expect(order).toEqual([
      "run sync",
      "write /proc/sys/vm/drop_caches 3",
      "run sudo -n tee /proc/sys/vm/drop_caches <<< 3",
      `write ${D}/memory.reclaim 0`,
      `write ${D}/memory.reclaim ${(256 << 20) + (4 << 20)} swappiness=0`,
      "fadvise /ws/src/a,/ws/src/b",
    ]);
  });

  test("root whose drop_caches write fails skips sudo; a reclaim that cannot be had leaves fadvise, with the reason kept", () => {
    const log: string[] = [];
    const sys = fakeLinux({ log, uid: 0, files: { "/proc/self/cgroup": "4:memory:/x\n" }, onWrite: { "/proc/sys/vm/drop_caches": () => "EROFS" }, onPath: ["sudo"] });
    const r = dropCachesLinux("/ws/src", ["/ws/src/a"], {}, sys, newReclaimSession());
    expect(r.treatment).toBe("fadvise");
    expect(r.detail).toContain("writing /proc/sys/vm/drop_caches: EROFS; cgroup v2 memory.reclaim: this process is in no cgroup v2 hierarchy");
    expect(log.some((l) => l.startsWith("run sudo"))).toBe(false);
  });

  test("the reclaim target is found once per platform object; the child route's undo is left for process exit", async () => {
    const log: string[] = [];
    const leaf = `${D}/mirrorbench-4242`;
    const sys = fakeLinux({
      log,
      files: tree({ [`${D}/cgroup.procs`]: "4242\n", [`${leaf}/memory.stat`]: STAT(1 << 20) }),
      onWrite: { "/proc/sys/vm/drop_caches": () => "EACCES", [`${D}/memory.reclaim`]: () => "EACCES", [`${leaf}/cgroup.procs`]: () => null, [`${D}/cgroup.subtree_control`]: () => null, [`${leaf}/memory.reclaim`]: () => null },
    });
    const p = linuxPlatform(sys);
    const a = await p.dropCaches("/ws/src", ["/ws/src/a"]);
    const b = await p.dropCaches("/ws/src", ["/ws/src/a"]);
    expect([a.treatment, b.treatment]).toEqual(["reclaim", "reclaim"]);
    expect(log.filter((l) => l.startsWith("mkdir"))).toEqual([`mkdir ${leaf}`]);
    expect(log.filter((l) => l === "read /proc/self/cgroup")).toHaveLength(1);
    expect(sys.exits).toHaveLength(1);
  });

  test("with no file list the fallback walks the source folder", () => {
    const log: string[] = [];
    const sys = fakeLinux({ log, uid: 0, onWrite: { "/proc/sys/vm/drop_caches": () => "EROFS" }, tree: { "/ws/src": ["/ws/src/x", "/ws/src/y"] } });
    const r = dropCachesLinux("/ws/src", [], { tryReclaim: false }, sys);
    expect(r.treatment).toBe("fadvise");
    expect(log.filter((l) => /^(walk|fadvise)/.test(l))).toEqual(["walk /ws/src", "fadvise /ws/src/x", "fadvise /ws/src/y"]);
  });
});
