// Executable headers read from the bytes (ELF, Mach-O, PE): format, architecture, and what the target OS needs to load it.

import { createHash } from "node:crypto";

export type Arch = "x64" | "arm64";

export type ExeInfo =
  | {
      format: "ELF";
      arch: Arch;
      /** PT_INTERP: the dynamic loader the kernel starts (glibc's, for Bun's default Linux builds). */
      interpreter: string | null;
      /** Highest GLIBC_x.y named in .gnu.version_r: the oldest glibc that can load the file. */
      glibc: string | null;
      sections: string[];
    }
  | {
      format: "Mach-O";
      arch: Arch;
      /** LC_BUILD_VERSION minos, e.g. "13.0". */
      minOs: string | null;
      dylibs: string[];
      /** segment,section names, e.g. "__BUN,__bun". */
      sections: string[];
      /** LC_CODE_SIGNATURE's offset and size in the file, or null when unsigned. */
      signature: { offset: number; size: number } | null;
    }
  | {
      format: "PE";
      arch: Arch;
      /** IMAGE_SUBSYSTEM_WINDOWS_CUI (3) is a console program. */
      subsystem: number;
      /** MajorOperatingSystemVersion.Minor from the optional header. */
      minOs: string;
      imports: string[];
      /** Delay-loaded DLLs: loaded on first call, so a missing one fails late, not at start. */
      delayImports: string[];
      sections: string[];
      /** CheckSum field and the sum recomputed over the file (the loader checks it only for drivers). */
      checksum: { stored: number; computed: number };
    };

const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

function cstr(b: Uint8Array, at: number, max = 4096): string {
  let end = at;
  while (end < b.length && end - at < max && b[end] !== 0) end++;
  return Buffer.from(b.subarray(at, end)).toString("latin1");
}

/** Reads an executable's headers; throws with the reason when the bytes are none of ELF64, Mach-O 64 or PE32+. */
export function readExeInfo(b: Uint8Array): ExeInfo {
  if (b.length < 64) throw new Error(`too short for an executable (${b.length} bytes)`);
  const v = dv(b);
  if (b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46) return readElf(b, v);
  if (v.getUint32(0, true) === 0xfeedfacf) return readMachO(b, v);
  if (v.getUint32(0, false) === 0xcafebabe) throw new Error("Mach-O universal (fat) binary: not what bun build --compile makes");
  if (b[0] === 0x4d && b[1] === 0x5a) return readPe(b, v);
  throw new Error(`unknown magic ${Buffer.from(b.subarray(0, 4)).toString("hex")}`);
}

function readElf(b: Uint8Array, v: DataView): ExeInfo {
  if (b[4] !== 2 || b[5] !== 1) throw new Error("ELF, but not 64-bit little-endian");
  const machine = v.getUint16(18, true);
  const arch: Arch = machine === 0x3e ? "x64" : machine === 0xb7 ? "arm64" : fail(`ELF machine 0x${machine.toString(16)}`);
  const phoff = Number(v.getBigUint64(32, true));
  const phentsize = v.getUint16(54, true);
  let interpreter: string | null = null;
  for (let i = 0; i < v.getUint16(56, true); i++) {
    const p = phoff + i * phentsize;
    if (v.getUint32(p, true) === 3) interpreter = cstr(b, Number(v.getBigUint64(p + 8, true))); // PT_INTERP
  }
  const shoff = Number(v.getBigUint64(40, true));
  const shentsize = v.getUint16(58, true);
  const shnum = v.getUint16(60, true);
  const sh = (i: number) => {
    const s = shoff + i * shentsize;
    return { name: v.getUint32(s, true), type: v.getUint32(s + 4, true), offset: Number(v.getBigUint64(s + 24, true)), link: v.getUint32(s + 40, true) };
  };
  const strtab = sh(v.getUint16(62, true)).offset;
  const sections: string[] = [];
  let glibc: string | null = null;
  for (let i = 0; i < shnum; i++) {
    const s = sh(i);
    sections.push(cstr(b, strtab + s.name));
    if (s.type !== 0x6ffffffe) continue; // SHT_GNU_verneed: Verneed { vn_version, vn_cnt, vn_file, vn_aux, vn_next }
    const dynstr = sh(s.link).offset;
    for (let need = s.offset, more = true; more; ) {
      const count = v.getUint16(need + 2, true);
      for (let aux = need + v.getUint32(need + 8, true), k = 0; k < count; k++) {
        const name = cstr(b, dynstr + v.getUint32(aux + 8, true)); // Vernaux { hash, flags, other, name, next }
        const m = /^GLIBC_(\d+)\.(\d+)/.exec(name);
        if (m && (glibc === null || compareVersions(name.slice(6), glibc) > 0)) glibc = name.slice(6);
        aux += v.getUint32(aux + 12, true);
      }
      const next = v.getUint32(need + 12, true);
      more = next !== 0;
      need += next;
    }
  }
  return { format: "ELF", arch, interpreter, glibc, sections };
}

function compareVersions(a: string, b: string): number {
  const x = a.split(".").map(Number);
  const y = b.split(".").map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

function readMachO(b: Uint8Array, v: DataView): ExeInfo {
  const cpu = v.getUint32(4, true);
  const arch: Arch = cpu === 0x01000007 ? "x64" : cpu === 0x0100000c ? "arm64" : fail(`Mach-O cputype 0x${cpu.toString(16)}`);
  if (v.getUint32(12, true) !== 2) throw new Error(`Mach-O filetype ${v.getUint32(12, true)}, not MH_EXECUTE`);
  const sections: string[] = [];
  const dylibs: string[] = [];
  let minOs: string | null = null;
  let signature: { offset: number; size: number } | null = null;
  for (let i = 0, at = 32; i < v.getUint32(16, true); i++) {
    const cmd = v.getUint32(at, true);
    if (cmd === 0x19) {
      // LC_SEGMENT_64: 72-byte header, then section_64 records of 80 bytes
      for (let s = 0; s < v.getUint32(at + 64, true); s++) {
        const sec = at + 72 + 80 * s;
        sections.push(`${cstr(b, sec + 16, 16)},${cstr(b, sec, 16)}`);
      }
    } else if (cmd === 0x0c) dylibs.push(cstr(b, at + v.getUint32(at + 8, true))); // LC_LOAD_DYLIB
    else if (cmd === 0x32) {
      const n = v.getUint32(at + 12, true); // LC_BUILD_VERSION minos, xxxx.yy.zz in nibbles
      minOs = `${n >>> 16}.${(n >>> 8) & 0xff}`;
    } else if (cmd === 0x1d) signature = { offset: v.getUint32(at + 8, true), size: v.getUint32(at + 12, true) }; // LC_CODE_SIGNATURE
    at += v.getUint32(at + 4, true);
  }
  return { format: "Mach-O", arch, minOs, dylibs, sections, signature };
}

function readPe(b: Uint8Array, v: DataView): ExeInfo {
  const pe = v.getUint32(0x3c, true);
  if (v.getUint32(pe, true) !== 0x00004550) throw new Error("MZ header without a PE signature");
  const machine = v.getUint16(pe + 4, true);
  const arch: Arch = machine === 0x8664 ? "x64" : machine === 0xaa64 ? "arm64" : fail(`PE machine 0x${machine.toString(16)}`);
  const nsections = v.getUint16(pe + 6, true);
  const opt = pe + 24;
  if (v.getUint16(opt, true) !== 0x20b) throw new Error("PE, but not PE32+ (64-bit)");
  const minOs = `${v.getUint16(opt + 40, true)}.${v.getUint16(opt + 42, true)}`;
  const subsystem = v.getUint16(opt + 68, true);
  const table = opt + v.getUint16(pe + 20, true);
  const secs = Array.from({ length: nsections }, (_, i) => {
    const s = table + 40 * i;
    return { name: cstr(b, s, 8), va: v.getUint32(s + 12, true), rawSize: v.getUint32(s + 16, true), raw: v.getUint32(s + 20, true) };
  });
  const fileOffset = (rva: number) => {
    const s = secs.find((x) => rva >= x.va && rva < x.va + x.rawSize);
    return s ? rva - s.va + s.raw : fail(`RVA 0x${rva.toString(16)} outside every section`);
  };
  const imports: string[] = [];
  const importRva = v.getUint32(opt + 112 + 8, true); // DataDirectory[1] = import table (PE32+ directories start at 112)
  if (importRva) {
    // IMAGE_IMPORT_DESCRIPTOR: 20 bytes, Name RVA at +12; a zeroed one ends the table
    for (let d = fileOffset(importRva); v.getUint32(d + 12, true) !== 0; d += 20) imports.push(cstr(b, fileOffset(v.getUint32(d + 12, true))));
  }
  const delayImports: string[] = [];
  const delayRva = v.getUint32(opt + 112 + 13 * 8, true); // DataDirectory[13]: ImgDelayDescr, 32 bytes, DLL name RVA at +4
  if (delayRva) {
    for (let d = fileOffset(delayRva); v.getUint32(d + 4, true) !== 0; d += 32) delayImports.push(cstr(b, fileOffset(v.getUint32(d + 4, true))));
  }
  const checksum = { stored: v.getUint32(opt + 64, true), computed: peChecksum(b, opt + 64) };
  return { format: "PE", arch, subsystem, minOs, imports, delayImports, sections: secs.map((s) => s.name), checksum };
}

/** The PE image checksum (imagehlp's CheckSumMappedFile): 16-bit one's-complement-style sum plus the file length. */
export function peChecksum(b: Uint8Array, checksumOffset: number): number {
  let sum = 0;
  const words = b.length >>> 1;
  for (let i = 0; i < words; i++) {
    const at = i * 2;
    if (at === checksumOffset || at === checksumOffset + 2) continue;
    sum += b[at]! | (b[at + 1]! << 8);
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  if (b.length & 1) {
    sum += b[b.length - 1]!;
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  sum = (sum & 0xffff) + (sum >>> 16);
  return (sum + b.length) >>> 0;
}

function fail(what: string): never {
  throw new Error(`unsupported ${what}`);
}

export interface CodeSignatureCheck {
  /** CS_ADHOC (0x2) in the CodeDirectory flags: signed without a certificate, as bun build --compile does. */
  adhoc: boolean;
  hashType: number;
  pages: number;
  /** Page indexes whose hash does not match the file: macOS kills a process that maps such a page. */
  mismatched: number[];
}

/**
 * Checks every code-page hash of a Mach-O's CodeDirectory against the file, as the macOS kernel does when it
 * maps a signed page (arm64 macOS runs nothing unsigned). All fields of the signature blobs are big-endian.
 */
export function checkMachOSignature(b: Uint8Array, sig: { offset: number; size: number }): CodeSignatureCheck {
  const v = dv(b);
  if (v.getUint32(sig.offset, false) !== 0xfade0cc0) throw new Error("LC_CODE_SIGNATURE does not point at an embedded-signature SuperBlob");
  let cd = -1;
  for (let i = 0; i < v.getUint32(sig.offset + 8, false); i++) {
    const blob = sig.offset + v.getUint32(sig.offset + 12 + 8 * i + 4, false);
    if (v.getUint32(sig.offset + 12 + 8 * i, false) === 0 && v.getUint32(blob, false) === 0xfade0c02) cd = blob; // CSSLOT_CODEDIRECTORY
  }
  if (cd < 0) throw new Error("no CodeDirectory in the code signature");
  const flags = v.getUint32(cd + 12, false);
  const hashOffset = v.getUint32(cd + 16, false);
  const nCodeSlots = v.getUint32(cd + 28, false);
  const codeLimit = v.getUint32(cd + 32, false);
  const hashSize = b[cd + 36]!;
  const hashType = b[cd + 37]!;
  const pageBytes = 2 ** b[cd + 39]!;
  const algo = hashType === 2 ? "sha256" : hashType === 1 ? "sha1" : fail(`code signature hash type ${hashType}`);
  const mismatched: number[] = [];
  for (let i = 0; i < nCodeSlots; i++) {
    const page = b.subarray(i * pageBytes, Math.min((i + 1) * pageBytes, codeLimit));
    const want = b.subarray(cd + hashOffset + i * hashSize, cd + hashOffset + (i + 1) * hashSize);
    const got = createHash(algo).update(page).digest().subarray(0, hashSize);
    if (!got.equals(want)) mismatched.push(i);
  }
  if (nCodeSlots !== Math.ceil(codeLimit / pageBytes)) mismatched.push(-1); // slots do not cover the signed range
  return { adhoc: (flags & 0x2) !== 0, hashType, pages: nCodeSlots, mismatched };
}

/** One short phrase, e.g. "ELF arm64, glibc >= 2.17", "Mach-O arm64, macOS >= 13.0" or "PE x64 console". */
export function describeExe(info: ExeInfo): string {
  if (info.format === "ELF") return `ELF ${info.arch}${info.glibc ? `, glibc >= ${info.glibc}` : ""}`;
  if (info.format === "Mach-O") return `Mach-O ${info.arch}${info.minOs ? `, macOS >= ${info.minOs}` : ""}${info.signature ? "" : ", UNSIGNED"}`;
  return `PE ${info.arch}${info.subsystem === 3 ? " console" : ` subsystem ${info.subsystem}`}`;
}
