// Ad-hoc code signature for a Mach-O executable, written from any OS: the page hashes macOS checks, over the final bytes.
//
// Why: Bun 1.4.5 re-signs its darwin-arm64 output but leaves darwin-x64 with the runtime's original
// Developer ID signature, whose CodeDirectory covers neither the rewritten header nor the appended __BUN
// payload (75 page hashes wrong; README "Platforms"). This writes the same kind of signature Bun writes
// for arm64 (one CodeDirectory, CS_ADHOC | CS_LINKER_SIGNED, SHA-256 over 4 KiB pages, no certificate),
// in the space of the old one: re-signing Bun's own arm64 output with identifier "a.out" gives its bytes back.

import { createHash } from "node:crypto";

const LC_SEGMENT_64 = 0x19;
const LC_CODE_SIGNATURE = 0x1d;
const CSMAGIC_EMBEDDED_SIGNATURE = 0xfade0cc0;
const CSMAGIC_CODEDIRECTORY = 0xfade0c02;
const CD_VERSION_EXECSEG = 0x20400; // the first version with execSeg fields; the header is 88 bytes
const CD_HEADER_BYTES = 88;
const CS_ADHOC = 0x2;
const CS_LINKER_SIGNED = 0x20000;
const CS_EXECSEG_MAIN_BINARY = 0x1;
const CS_HASHTYPE_SHA256 = 2;
const HASH_BYTES = 32;
const PAGE_SHIFT = 12;
const PAGE_BYTES = 1 << PAGE_SHIFT;

interface Layout {
  sigCmd: number;
  sigOffset: number;
  sigSize: number;
  linkeditCmd: number;
  linkeditFileOff: number;
  textFileOff: number;
  textFileSize: number;
}

function layout(b: Uint8Array): Layout {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (v.getUint32(0, true) !== 0xfeedfacf) throw new Error("not a 64-bit little-endian Mach-O");
  let sigCmd = -1;
  let linkeditCmd = -1;
  let text: [number, number] | null = null;
  for (let i = 0, at = 32; i < v.getUint32(16, true); i++) {
    const cmd = v.getUint32(at, true);
    if (cmd === LC_CODE_SIGNATURE) sigCmd = at;
    if (cmd === LC_SEGMENT_64) {
      const name = Buffer.from(b.subarray(at + 8, at + 24)).toString("latin1").replace(/\0+$/, "");
      if (name === "__LINKEDIT") linkeditCmd = at;
      if (name === "__TEXT") text = [Number(v.getBigUint64(at + 40, true)), Number(v.getBigUint64(at + 48, true))];
    }
    at += v.getUint32(at + 4, true);
  }
  if (sigCmd < 0) throw new Error("no LC_CODE_SIGNATURE load command to reuse (an unsigned file needs room made for one)");
  if (linkeditCmd < 0 || !text) throw new Error("no __LINKEDIT or __TEXT segment");
  const sigOffset = v.getUint32(sigCmd + 8, true);
  const sigSize = v.getUint32(sigCmd + 12, true);
  const linkeditFileOff = Number(v.getBigUint64(linkeditCmd + 40, true));
  if (sigOffset < linkeditFileOff || sigOffset + sigSize !== b.length) {
    throw new Error(`the signature (${sigOffset}+${sigSize}) is not the end of __LINKEDIT and of the ${b.length}-byte file`);
  }
  return { sigCmd, sigOffset, sigSize, linkeditCmd, linkeditFileOff, textFileOff: text[0], textFileSize: text[1] };
}

/**
 * Returns a copy of the Mach-O executable `b` whose embedded signature is a fresh ad-hoc one over every byte before
 * it. The signature keeps its file offset; the file ends right after it (no stale tail, which `codesign --strict`
 * rejects), and LC_CODE_SIGNATURE and __LINKEDIT's file size are set to match before the header page is hashed.
 */
export function adhocSign(b: Uint8Array, identifier: string): Uint8Array {
  const l = layout(b);
  const ident = Buffer.from(`${identifier}\0`, "utf8");
  const codeLimit = l.sigOffset;
  const slots = Math.ceil(codeLimit / PAGE_BYTES);
  const hashOffset = CD_HEADER_BYTES + ident.length;
  const cdBytes = hashOffset + slots * HASH_BYTES;
  const superBytes = 12 + 8 + cdBytes;
  const out = new Uint8Array(codeLimit + superBytes);
  out.set(b.subarray(0, codeLimit));
  const v = new DataView(out.buffer);
  v.setUint32(l.sigCmd + 12, superBytes, true);
  const linkeditFileSize = out.length - l.linkeditFileOff;
  v.setBigUint64(l.linkeditCmd + 48, BigInt(linkeditFileSize), true);
  if (Number(v.getBigUint64(l.linkeditCmd + 32, true)) < linkeditFileSize) {
    v.setBigUint64(l.linkeditCmd + 32, BigInt(Math.ceil(linkeditFileSize / 0x4000) * 0x4000), true); // vmsize
  }
  // SuperBlob and CodeDirectory fields are big-endian.
  const s = codeLimit;
  v.setUint32(s, CSMAGIC_EMBEDDED_SIGNATURE);
  v.setUint32(s + 4, superBytes);
  v.setUint32(s + 8, 1);
  v.setUint32(s + 12, 0); // CSSLOT_CODEDIRECTORY
  v.setUint32(s + 16, 20);
  const cd = s + 20;
  v.setUint32(cd, CSMAGIC_CODEDIRECTORY);
  v.setUint32(cd + 4, cdBytes);
  v.setUint32(cd + 8, CD_VERSION_EXECSEG);
  v.setUint32(cd + 12, CS_ADHOC | CS_LINKER_SIGNED);
  v.setUint32(cd + 16, hashOffset);
  v.setUint32(cd + 20, CD_HEADER_BYTES);
  v.setUint32(cd + 24, 0); // nSpecialSlots: no Info.plist, requirements or entitlements
  v.setUint32(cd + 28, slots);
  v.setUint32(cd + 32, codeLimit);
  out[cd + 36] = HASH_BYTES;
  out[cd + 37] = CS_HASHTYPE_SHA256;
  out[cd + 38] = 0; // platform
  out[cd + 39] = PAGE_SHIFT;
  // spare2, scatterOffset, teamOffset, spare3, codeLimit64 stay 0
  v.setBigUint64(cd + 64, BigInt(l.textFileOff));
  v.setBigUint64(cd + 72, BigInt(l.textFileSize));
  v.setBigUint64(cd + 80, BigInt(CS_EXECSEG_MAIN_BINARY));
  out.set(ident, cd + CD_HEADER_BYTES);
  for (let i = 0; i < slots; i++) {
    // The last page is hashed truncated at codeLimit, as the kernel and codesign(1) do.
    const page = out.subarray(i * PAGE_BYTES, Math.min((i + 1) * PAGE_BYTES, codeLimit));
    out.set(createHash("sha256").update(page).digest(), cd + hashOffset + i * HASH_BYTES);
  }
  return out;
}
