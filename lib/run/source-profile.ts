// What a whole source tree has for the same-work checks (one owner? holes? xattrs?), taken once per scenario: by its own pass, or along the first check's.

import type fs from "node:fs";
import { readXattrs, xattrUnavailable } from "../platform/xattr";

/** A source file counts as sparse when at least this much of its size is unallocated (one 4 KiB block). */
export const SPARSE_MIN_HOLE_BYTES = 4096;

/**
 * What the whole source has, taken once per scenario (its source check guarantees it stays so): its one
 * owner when every entry has the same, whether any file has holes, whether any entry has xattrs. With it
 * and the manifest, a run's check reads only the destination unless the source is mixed.
 */
export interface SourceProfile {
  owner: { uid: number; gid: number } | null;
  sparse: boolean;
  xattrs: boolean;
}

/** What the profile reads of an lstat: plain or bigint (the source snapshot's). */
type StatFields = Pick<fs.Stats, "isFile"> & { [K in "uid" | "gid" | "size" | "blocks"]: number | bigint };

/** Folds source entries into a profile, one at a time; nothing per entry is kept. */
export class ProfileTaker {
  private owner: SourceProfile["owner"] | undefined;
  private sparse = false;
  private xattrs = false;
  private xattrsHere = xattrUnavailable() === null;
  constructor(private prefixes: readonly string[] = ["user."]) {}
  /** One entry: its lstat, its path, and whether it has xattrs when the caller already read them (else read here while none is seen). */
  add(st: StatFields, abs: () => string, hasXattrs?: boolean): void {
    const [uid, gid] = [Number(st.uid), Number(st.gid)];
    if (this.owner === undefined) this.owner = { uid, gid };
    else if (this.owner && (this.owner.uid !== uid || this.owner.gid !== gid)) this.owner = null;
    if (st.isFile() && Number(st.size) - Number(st.blocks) * 512 >= SPARSE_MIN_HOLE_BYTES) this.sparse = true;
    if (this.xattrsHere && !this.xattrs) {
      if (hasXattrs !== undefined) this.xattrs = hasXattrs;
      else {
        const r = readXattrs(abs(), this.prefixes);
        this.xattrs = !r.ok || r.attrs.size > 0;
      }
    }
  }
  result(): SourceProfile {
    return { owner: this.owner ?? null, sparse: this.sparse, xattrs: this.xattrs };
  }
}
