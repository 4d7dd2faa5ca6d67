import { expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { DataPool } from "../lib/datasets/pool";
import { tempDirs } from "./helpers";

// No run can hang the benchmark: a data worker that fails to start (a broken install, a bad build) must
// fail the requests sent to it, and every later one, at once — before, generation waited on it forever.

const fresh = tempDirs("mb-broken-worker-");

test("requests to a pool whose workers fail to start fail at once, with the worker's error, now and later", async () => {
  const file = path.join(fresh(), "broken-worker.ts");
  fs.writeFileSync(file, 'throw new Error("broken on purpose");\n');
  const pool = new DataPool(2, file);
  try {
    const within = <T>(p: Promise<T>) => Promise.race([p, Bun.sleep(10_000).then(() => "still waiting after 10 s")]);
    const first = await within(Promise.all([1, 2, 3].map(() => pool.run({ op: "hash", pieces: [] }))));
    expect(first).not.toBe("still waiting after 10 s");
    for (const r of first as { ok: boolean; message?: string }[]) {
      expect(r.ok).toBe(false);
      expect(r.message).toContain("broken on purpose");
    }
    const later = (await within(pool.run({ op: "hash", pieces: [] }))) as { ok: boolean; message?: string };
    expect(later.ok).toBe(false);
    expect(later.message).toContain("broken on purpose");
  } finally {
    pool.close();
  }
});
