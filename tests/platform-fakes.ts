// Recording fakes of each platform's System (lib/platform/*-system.ts, linux.ts, meter.ts): every command, file
// operation and ffi call is logged as one line, in order, and answered from a script the test writes.

import type { CgroupFs } from "../lib/platform/cgroup";
import type { DarwinLibc, DarwinSystem } from "../lib/platform/darwin-system";
import type { LinuxSystem } from "../lib/platform/linux";
import type { MeterSystem } from "../lib/platform/meter";
import type { CommandResult, Commands, FileWalker } from "../lib/platform/system";
import type { EvictResult } from "../lib/platform/types";
import { fromWide, type Kernel32, type Win32System } from "../lib/platform/win32-system";

export const errno = (code: string) => Object.assign(new Error(code), { code });

/** Commands answered by argv (joined with spaces; the first matching prefix wins); anything else exits 127. */
export function fakeCommands(log: string[], answers: Record<string, Partial<CommandResult>> = {}, onPath: string[] = []): Commands {
  return {
    run(argv, opts) {
      const line = argv.join(" ");
      log.push(`run ${line}${opts?.stdin !== undefined ? ` <<< ${opts.stdin}` : ""}`);
      const key = Object.keys(answers).find((k) => line === k || line.startsWith(`${k} `));
      if (key === undefined) return { ok: false, why: "exit 127: not found", stdout: "" };
      return { ok: true, why: "", stdout: "", ...answers[key] };
    },
    which(cmd) {
      const hit = onPath.find((p) => p === cmd || p.endsWith(`/${cmd}`) || p.endsWith(`\\${cmd}`));
      return hit ? (/[/\\]/.test(hit) ? hit : `/usr/bin/${hit}`) : null;
    },
  };
}

/**
 * A cgroup/proc tree in a map. A write goes to `onWrite[path]` when there is one (it returns an errno code to
 * throw, or null), else is stored when the file or its folder exists, else fails ENOENT.
 */
export function fakeFs(log: string[], files: Record<string, string>, onWrite: Record<string, (data: string) => string | null> = {}): CgroupFs & { files: Map<string, string>; dirs: Set<string> } {
  const map = new Map(Object.entries(files));
  const dirs = new Set<string>();
  const dirOf = (p: string) => p.slice(0, p.lastIndexOf("/"));
  return {
    files: map,
    dirs,
    readFile(file) {
      log.push(`read ${file}`);
      const v = map.get(file);
      if (v === undefined) throw errno("ENOENT");
      return v;
    },
    writeFile(file, data) {
      log.push(`write ${file} ${data}`);
      const h = onWrite[file];
      if (h) {
        const code = h(data);
        if (code) throw errno(code);
        return;
      }
      if (!map.has(file) && !dirs.has(dirOf(file))) throw errno("ENOENT");
      map.set(file, data);
    },
    mkdir(dir) {
      log.push(`mkdir ${dir}`);
      dirs.add(dir);
    },
    rmdir(dir) {
      log.push(`rmdir ${dir}`);
      dirs.delete(dir);
    },
  };
}

/** A walker over a fixed list of files per folder. */
export const fakeWalker = (log: string[], tree: Record<string, string[]>): FileWalker => (dir, visit) => {
  log.push(`walk ${dir}`);
  for (const f of tree[dir] ?? []) visit(f);
};

export function fakeLinux(o: { log: string[]; uid?: number; pid?: number; files?: Record<string, string>; onWrite?: Record<string, (data: string) => string | null>; answers?: Record<string, Partial<CommandResult>>; onPath?: string[]; tree?: Record<string, string[]> }): LinuxSystem & { exits: (() => void)[] } {
  const exits: (() => void)[] = [];
  const fadvise = (files: Iterable<string>): EvictResult => {
    const list = [...files];
    if (list.length) o.log.push(`fadvise ${list.join(",")}`);
    return { ok: list.length, failed: 0 };
  };
  return {
    ...fakeCommands(o.log, o.answers, o.onPath),
    ...fakeFs(o.log, o.files ?? {}, o.onWrite),
    uid: () => o.uid ?? 1000,
    pid: () => o.pid ?? 4242,
    fadvise,
    walkFiles: fakeWalker(o.log, o.tree ?? {}),
    onExit: (fn) => void exits.push(fn),
    exits,
  };
}

/** libc whose mmap hands out 0x10000, 0x20000 …; `fail` makes one call fail with an errno. */
export function fakeDarwinLibc(log: string[], o: { pageBytes?: number; fail?: { mmap?: number; msync?: number }; incore?: (page: number) => boolean } = {}): DarwinLibc {
  let next = 0x10000n;
  let err = 0;
  return {
    mmap(addr, len, prot, flags, fd, off) {
      log.push(`mmap ${addr} ${len} ${prot} ${flags} ${fd} ${off}`);
      if (o.fail?.mmap) return (err = o.fail.mmap), 2n ** 64n - 1n;
      const a = next;
      next += 0x10000n;
      return a;
    },
    msync(addr, len, flags) {
      log.push(`msync 0x${addr.toString(16)} ${len} ${flags}`);
      if (o.fail?.msync) return (err = o.fail.msync), -1;
      return 0;
    },
    munmap(addr, len) {
      log.push(`munmap 0x${addr.toString(16)} ${len}`);
      return 0;
    },
    mincore(addr, len, vec) {
      log.push(`mincore 0x${addr.toString(16)} ${len} [${vec.length}]`);
      for (let i = 0; i < vec.length; i++) vec[i] = o.incore?.(i) ? 1 : 0;
      return 0;
    },
    getpagesize: () => o.pageBytes ?? 16384,
    fcntl(fd, cmd) {
      log.push(`fcntl ${fd} ${cmd}`);
      return 0;
    },
    errno: () => err,
  };
}

export function fakeDarwin(o: { log: string[]; uid?: number; sizes?: Record<string, number>; libc?: DarwinLibc | { why: string }; answers?: Record<string, Partial<CommandResult>>; onPath?: string[]; tree?: Record<string, string[]>; realpath?: Record<string, string> }): DarwinSystem {
  const fds = new Map<number, string>();
  let nextFd = 10;
  return {
    ...fakeCommands(o.log, o.answers, o.onPath),
    uid: () => o.uid ?? 501,
    libc: () => o.libc ?? fakeDarwinLibc(o.log),
    openRead(file) {
      o.log.push(`open ${file}`);
      if (o.sizes?.[file] === undefined) throw errno("ENOENT");
      fds.set(nextFd, file);
      return nextFd++;
    },
    fileSizeBytes: (fd) => o.sizes![fds.get(fd)!]!,
    close(fd) {
      o.log.push(`close ${fd}`);
    },
    fsync(fd) {
      o.log.push(`fsync ${fd}`);
    },
    realpath: (p) => o.realpath?.[p] ?? p,
    walkFiles: fakeWalker(o.log, o.tree ?? {}),
    walkEntries: fakeWalker(o.log, o.tree ?? {}),
  };
}

/** kernel32 that logs UTF-16 strings as text; CreateFileW fails with `lastError` for the files in `locked`. */
export function fakeKernel32(log: string[], o: { locked?: Record<string, number>; volumeRoot?: string; fsName?: string } = {}): Kernel32 {
  let last = 0;
  let handle = 0x100n;
  const put = (buf: Uint8Array, s: string) => buf.set(Buffer.from(`${s}\0`, "utf16le"));
  return {
    CreateFileW(path, access, share, security, disposition, flags, template) {
      const p = fromWide(path);
      log.push(`CreateFileW ${p} access=${access} share=${share} security=${security} disposition=${disposition} flags=0x${flags.toString(16)} template=${template}`);
      if (o.locked?.[p] !== undefined) return (last = o.locked[p]!), -1n;
      return (handle += 4n);
    },
    CloseHandle(h) {
      log.push(`CloseHandle 0x${h.toString(16)}`);
      return 1;
    },
    FlushFileBuffers(h) {
      log.push(`FlushFileBuffers 0x${h.toString(16)}`);
      return 1;
    },
    GetLastError: () => last,
    GetVolumePathNameW(path, out, outChars) {
      log.push(`GetVolumePathNameW ${fromWide(path)} ${outChars}`);
      if (!o.volumeRoot) return 0;
      put(out, o.volumeRoot);
      return 1;
    },
    GetVolumeInformationW(root, _name, _nameChars, _serial, _max, _flags, fsName, fsNameChars) {
      log.push(`GetVolumeInformationW ${fromWide(root)} ${fsNameChars}`);
      if (!o.fsName) return 0;
      put(fsName, o.fsName);
      return 1;
    },
  };
}

export function fakeWin32(o: { log: string[]; kernel32?: Kernel32 | { why: string }; answers?: Record<string, Partial<CommandResult>>; onPath?: string[]; tree?: Record<string, string[]>; env?: Record<string, string> }): Win32System {
  return {
    ...fakeCommands(o.log, o.answers, o.onPath),
    env: (name) => o.env?.[name],
    kernel32: () => o.kernel32 ?? fakeKernel32(o.log),
    walkFiles: fakeWalker(o.log, o.tree ?? {}),
  };
}

export function fakeMeterSystem(o: { log: string[]; answers?: Record<string, Partial<CommandResult>>; onPath?: string[]; cached?: string[] }): MeterSystem {
  return {
    ...fakeCommands(o.log, o.answers, o.onPath),
    cacheDir: () => "/home/me/.cache/mirrorbench",
    arch: "arm64",
    exists: (file) => (o.cached ?? []).includes(file),
    writeFile: (file) => void o.log.push(`write ${file}`),
    rename: (from, to) => void o.log.push(`rename ${from} ${to}`),
  };
}
