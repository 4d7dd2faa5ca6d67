// Extended attributes of an entry, without following a symlink (llistxattr / lgetxattr / lsetxattr through bun:ffi, Linux).

import { cString, ERRNO, errnoName, loadLibc } from "./libc";

export type XattrResult = { ok: true; attrs: Map<string, Uint8Array> } | { ok: false; reason: string };

/** Why xattrs cannot be read here, or null when they can. */
export function xattrUnavailable(): string | null {
  return loadLibc().error;
}

function grow(size: number): Uint8Array {
  return new Uint8Array(Math.max(64, size));
}

/**
 * Names and values of the entry's extended attributes whose names start with one of `prefixes`
 * (default user.*: security.* and system.* carry labels and ACLs a copy tool may rightly not copy).
 * A file system without xattr support gives an empty map, not an error.
 */
export function readXattrs(p: string, prefixes: readonly string[] = ["user."]): XattrResult {
  const { libc, error } = loadLibc();
  if (!libc) return { ok: false, reason: error ?? "libc unavailable" };
  const cpath = cString(p);
  // The list can grow between the size query and the read (ERANGE): retry with the new size.
  let names: string[] = [];
  for (let tries = 0; ; tries++) {
    const size = Number(libc.llistxattr(cpath, null, 0));
    if (size < 0) {
      const e = libc.errno();
      if (e === ERRNO.EOPNOTSUPP) return { ok: true, attrs: new Map() };
      return { ok: false, reason: `llistxattr(${p}): ${errnoName(e)}` };
    }
    if (size === 0) return { ok: true, attrs: new Map() };
    const buf = grow(size);
    const got = Number(libc.llistxattr(cpath, buf, buf.length));
    if (got >= 0) {
      names = new TextDecoder().decode(buf.subarray(0, got)).split("\0").filter(Boolean);
      break;
    }
    if (libc.errno() !== ERRNO.ERANGE || tries > 3) return { ok: false, reason: `llistxattr(${p}): ${errnoName(libc.errno())}` };
  }
  const attrs = new Map<string, Uint8Array>();
  for (const name of names.filter((n) => prefixes.some((pre) => n.startsWith(pre))).sort()) {
    const cname = cString(name);
    for (let tries = 0; ; tries++) {
      const size = Number(libc.lgetxattr(cpath, cname, null, 0));
      if (size < 0) {
        const e = libc.errno();
        if (e === ERRNO.ENODATA) break; // removed meanwhile
        return { ok: false, reason: `lgetxattr(${p}, ${name}): ${errnoName(e)}` };
      }
      const buf = new Uint8Array(size);
      const got = size === 0 ? 0 : Number(libc.lgetxattr(cpath, cname, buf, size));
      if (got >= 0) {
        attrs.set(name, buf.subarray(0, got));
        break;
      }
      if (libc.errno() !== ERRNO.ERANGE || tries > 3) return { ok: false, reason: `lgetxattr(${p}, ${name}): ${errnoName(libc.errno())}` };
    }
  }
  return { ok: true, attrs };
}

/** Sets one attribute on the entry itself (never a link's target); throws with the errno name. For tests and dataset extras. */
export function writeXattr(p: string, name: string, value: Uint8Array | string): void {
  const { libc, error } = loadLibc();
  if (!libc) throw new Error(error ?? "libc unavailable");
  const v = typeof value === "string" ? new TextEncoder().encode(value) : value;
  // A zero-length Uint8Array would be passed as a null pointer; one spare byte keeps it a valid address.
  const buf = v.length ? v : new Uint8Array(1);
  if (libc.lsetxattr(cString(p), cString(name), buf, v.length, 0) !== 0) throw new Error(`lsetxattr(${p}, ${name}): ${errnoName(libc.errno())}`);
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
