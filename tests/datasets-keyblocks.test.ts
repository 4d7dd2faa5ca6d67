import { describe, expect, test } from "bun:test";
import { contentKey, KeyBlocks, KeyStream } from "../lib/prng";

describe("KeyBlocks", () => {
  test("gives every stream of a run the same bytes KeyStream gives it alone", () => {
    const key = contentKey(42, 0x434f4e54);
    const ks = new KeyStream(key, 1 << 20);
    const kb = new KeyBlocks(key);
    const sizes = [0, 1, 15, 16, 17, 1000, 4096, 0, 33, 65536 - 16];
    for (const [a, b0] of [[0, 0], [3, 123456], [7, 0xfffffff0]] as const) {
      const out = kb.fill(a, b0, sizes, 0, sizes.length);
      let at = 0;
      sizes.forEach((size, k) => {
        const alone = Buffer.alloc(size);
        ks.fill(a, (b0 + k) >>> 0, 0, alone);
        expect(out.subarray(at, at + size).equals(alone)).toBe(true);
        at += Math.ceil(size / 16) * 16;
      });
      expect(out.length).toBe(at);
    }
  });

  test("starts at sizes[from] when given a sub-range", () => {
    const key = contentKey(1, 2);
    const sizes = [100, 200, 300];
    const whole = new KeyBlocks(key).fill(5, 10, sizes, 0, 3);
    const tail = new KeyBlocks(key).fill(5, 11, sizes, 1, 2);
    expect(tail.equals(whole.subarray(112))).toBe(true);
  });
});
