import { expect, test } from "bun:test";
import { interleave, Turns, type Slot } from "../lib/run/timing";
import { runOrder } from "../lib/plan/plan";

// The turn-taking scheduler must never wait for a tool that can no longer take its turn.

const key = (s: Slot) => `${s.tool}/${s.phase}/${s.index}`;

test("when exec throws for one tool, every slot still runs once in order and the interleaver returns", async () => {
  const order = runOrder(["a", "b"], 1, 3);
  const seen: string[] = [];
  const il = interleave(order, ["a", "b"], 3, async (slot) => {
    seen.push(key(slot));
    if (slot.tool === "a" && slot.phase === "measured" && slot.index === 1) throw new Error("ELOOP: too many symbolic links");
    return 1000;
  });
  const timings = await il.run();
  expect(seen).toEqual(order.map(key));
  expect(timings.map((t) => t.tool)).toEqual(["a", "b"]);
  expect(timings.find((t) => t.tool === "b")!.mitata!.samples).toBe(3);
});

test("a tool retired from the turns has its remaining slots skipped, so the others go on", async () => {
  const order = runOrder(["a", "b"], 0, 3);
  const turns = new Turns(order);
  const taken: string[] = [];
  const b = (async () => {
    for (let i = 0; i < 3; i++) {
      const slot = await turns.wait("b");
      taken.push(key(slot));
      turns.done();
    }
  })();
  const first = await turns.wait("a");
  taken.push(key(first));
  turns.done();
  turns.retire("a");
  await b;
  expect(taken).toEqual(["a/measured/1", "b/measured/1", "b/measured/2", "b/measured/3"]);
  expect(turns.current()).toBeUndefined();
});
