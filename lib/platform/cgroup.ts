// Linux without root: cgroup v2 memory.reclaim of our own cgroup (or of a child cgroup we move into), over an injected cgroup file system.
import path from "node:path";

/**
 * The file operations the reclaim needs, nothing else: tests pass a recording fake (this VM has cgroup v1
 * for memory), the real one is node:fs. Errors are thrown with their errno `code` (EACCES, EINVAL, EAGAIN, EBUSY).
 */
export interface CgroupFs {
  readFile(file: string): string;
  writeFile(file: string, data: string): void;
  mkdir(dir: string): void;
  rmdir(dir: string): void;
}

export const PROC_SELF_CGROUP = "/proc/self/cgroup";
export const PROC_SELF_MOUNTINFO = "/proc/self/mountinfo";

/** Where reclaim is written: our own cgroup, or a child leaf we moved into (then `release` moves us back). */
export interface ReclaimTarget {
  dir: string;
  route: "own" | "child";
  /** Undoes the child route (memory off in the parent's subtree_control, us back in the parent, the leaf removed); a no-op for "own". */
  release(): void;
}

const code = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e as Error).message;
const HINT = "start it with systemd-run --user --scope -p Delegate=yes";

/** The cgroup v2 path of this process from /proc/self/cgroup (the "0::" line), or null. */
export function v2PathFromProcCgroup(text: string): string | null {
  for (const line of text.split("\n")) if (line.startsWith("0::")) return line.slice(3).trim() || null;
  return null;
}

/** The cgroup2 mount: its mount point and the cgroup path it shows as its root (not "/" inside a bind-mounted subtree). */
export function cgroup2Mount(mountinfo: string): { mountPoint: string; root: string } | null {
  for (const line of mountinfo.split("\n")) {
    const f = line.split(" ");
    const dash = f.indexOf("-");
    if (dash > 0 && f[dash + 1] === "cgroup2" && f.length > 4) return { root: f[3]!, mountPoint: f[4]!.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))) };
  }
  return null;
}

/** Our cgroup's folder on the cgroup2 mount, or why there is none. */
export function ourCgroupDir(fs: CgroupFs): { dir: string } | { why: string } {
  const read = (file: string): string | { why: string } => {
    try {
      return fs.readFile(file);
    } catch (e) {
      return { why: `reading ${file}: ${code(e)}` };
    }
  };
  const cg = read(PROC_SELF_CGROUP);
  if (typeof cg !== "string") return cg;
  const rel = v2PathFromProcCgroup(cg);
  if (!rel) return { why: "this process is in no cgroup v2 hierarchy" };
  const mi = read(PROC_SELF_MOUNTINFO);
  if (typeof mi !== "string") return mi;
  const mount = cgroup2Mount(mi);
  if (!mount) return { why: "no cgroup2 file system is mounted" };
  const inside = mount.root === "/" ? rel : rel === mount.root ? "/" : rel.startsWith(`${mount.root}/`) ? rel.slice(mount.root.length) : null;
  if (inside === null) return { why: `our cgroup ${rel} is outside the mounted cgroup2 subtree ${mount.root}` };
  return { dir: inside === "/" ? mount.mountPoint : path.posix.join(mount.mountPoint, inside) };
}

/** memory.reclaim accepts "0" and reclaims nothing: a probe that needs write access and nothing else. */
function probe(fs: CgroupFs, dir: string): { why: string; denied: boolean } | null {
  try {
    fs.writeFile(path.posix.join(dir, "memory.reclaim"), "0");
    return null;
  } catch (e) {
    const c = code(e);
    const why = c === "ENOENT" ? `${path.posix.join(dir, "memory.reclaim")} does not exist (Linux before 5.19)` : `writing ${path.posix.join(dir, "memory.reclaim")}: ${c}`;
    return { why, denied: c === "EACCES" || c === "EPERM" };
  }
}

/**
 * Finds where this process may write memory.reclaim, in this order (every read and write goes through `fs`):
 * 1. read /proc/self/cgroup and /proc/self/mountinfo → our cgroup D; read D/cgroup.controllers: "memory" must be there;
 * 2. probe D/memory.reclaim with "0": writable when the cgroup's files are ours (a scope the systemd user manager made);
 * 3. otherwise the child route, only when D holds no process but us (D/cgroup.procs): mkdir D/mirrorbench-PID, write
 *    PID to its cgroup.procs, write "+memory" to D/cgroup.subtree_control (D must be empty of processes first), probe
 *    the child. Any failing step undoes the ones before it, in reverse.
 */
export function findReclaimTarget(fs: CgroupFs, pid: number): ReclaimTarget | { why: string } {
  const own = ourCgroupDir(fs);
  if ("why" in own) return own;
  const d = own.dir;
  let controllers: string;
  try {
    controllers = fs.readFile(path.posix.join(d, "cgroup.controllers"));
  } catch (e) {
    return { why: `reading ${path.posix.join(d, "cgroup.controllers")}: ${code(e)}` };
  }
  if (!controllers.split(/\s+/).includes("memory")) return { why: `the memory controller is not enabled for ${d} (cgroup v1 memory, or not delegated)` };
  const ownProbe = probe(fs, d);
  if (ownProbe === null) return { dir: d, route: "own", release: () => {} };
  // Only a file that is not ours is worth the child route; a kernel without memory.reclaim has none anywhere.
  if (!ownProbe.denied) return { why: ownProbe.why };
  const ownWhy = ownProbe.why;

  let procs: string[];
  try {
    procs = fs.readFile(path.posix.join(d, "cgroup.procs")).split("\n").filter(Boolean);
  } catch (e) {
    return { why: `${ownWhy}; reading ${path.posix.join(d, "cgroup.procs")}: ${code(e)}` };
  }
  const others = procs.filter((p) => p.trim() !== String(pid));
  if (others.length) return { why: `${ownWhy}; ${d} holds ${others.length} other process(es), so mirrorbench cannot move into a child cgroup of it; ${HINT}` };

  const leaf = path.posix.join(d, `mirrorbench-${pid}`);
  const undo: (() => void)[] = [];
  const release = () => {
    for (const u of undo.splice(0).reverse()) {
      try {
        u();
      } catch {
        /* best effort: the scope's end removes what is left */
      }
    }
  };
  const step = (what: string, act: () => void, back: () => void): string | null => {
    try {
      act();
      undo.push(back);
      return null;
    } catch (e) {
      release();
      return `${ownWhy}; ${what}: ${code(e)}`;
    }
  };
  const why =
    step(`mkdir ${leaf}`, () => fs.mkdir(leaf), () => fs.rmdir(leaf)) ??
    step(`moving into ${leaf}`, () => fs.writeFile(path.posix.join(leaf, "cgroup.procs"), String(pid)), () => fs.writeFile(path.posix.join(d, "cgroup.procs"), String(pid))) ??
    step(`enabling memory in ${d}/cgroup.subtree_control`, () => fs.writeFile(path.posix.join(d, "cgroup.subtree_control"), "+memory"), () => fs.writeFile(path.posix.join(d, "cgroup.subtree_control"), "-memory"));
  if (why) return { why };
  const leafProbe = probe(fs, leaf);
  if (leafProbe) {
    release();
    return { why: `${ownWhy}; ${leafProbe.why}` };
  }
  return { dir: leaf, route: "child", release };
}

/** The bytes of memory.stat's `file` and `slab_reclaimable` lines (page cache; dentries and inodes). */
export function reclaimableBytes(stat: string): { fileBytes: number; slabBytes: number } {
  const get = (key: string) => Number(new RegExp(`^${key} (\\d+)$`, "m").exec(stat)?.[1] ?? 0);
  return { fileBytes: get("file"), slabBytes: get("slab_reclaimable") };
}

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;

/** Remembered between drops: whether this kernel's memory.reclaim takes the swappiness= key. */
export interface ReclaimState {
  swappinessKey: boolean;
}

/**
 * One reclaim of the target: asks for its page cache and reclaimable slab (memory.stat), with swappiness=0 so
 * no anonymous memory (ours, the tools') is swapped out; a kernel without that key (EINVAL) gets the plain
 * amount, and the detail says so. EAGAIN means "reclaimed less than asked" (pages in use): not a failure.
 */
export function reclaimOnce(fs: CgroupFs, dir: string, state: ReclaimState): { ok: true; detail: string } | { ok: false; why: string } {
  const statFile = path.posix.join(dir, "memory.stat");
  const file = path.posix.join(dir, "memory.reclaim");
  let before: ReturnType<typeof reclaimableBytes>;
  try {
    before = reclaimableBytes(fs.readFile(statFile));
  } catch (e) {
    return { ok: false, why: `reading ${statFile}: ${code(e)}` };
  }
  const askBytes = before.fileBytes + before.slabBytes;
  if (askBytes === 0) return { ok: true, detail: `memory.reclaim of ${dir}: nothing charged to it to reclaim` };
  let partial = false;
  const write = (text: string) => {
    try {
      fs.writeFile(file, text);
    } catch (e) {
      if (code(e) !== "EAGAIN") throw e;
      partial = true;
    }
  };
  try {
    if (state.swappinessKey) {
      try {
        write(`${askBytes} swappiness=0`);
      } catch (e) {
        if (code(e) !== "EINVAL") throw e;
        state.swappinessKey = false;
      }
    }
    if (!state.swappinessKey) write(String(askBytes));
  } catch (e) {
    return { ok: false, why: `writing ${file}: ${code(e)}` };
  }
  let after = "";
  try {
    after = ` → ${mib(reclaimableBytes(fs.readFile(statFile)).fileBytes)}`;
  } catch {
    /* the figure after is a courtesy */
  }
  const swap = state.swappinessKey ? "" : "; this kernel's memory.reclaim has no swappiness= key, so anonymous memory may have been swapped out too";
  return { ok: true, detail: `memory.reclaim of ${dir}: page cache ${mib(before.fileBytes)}${after}${partial ? " (less than asked: pages in use)" : ""}${swap}` };
}
