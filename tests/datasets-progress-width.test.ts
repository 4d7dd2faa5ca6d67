import { expect, test } from "bun:test";
import { consoleProgress } from "../lib/datasets/progress";

// The dataset bar is a `\r` redraw: wider than the terminal, it would wrap and leave a copy behind on every frame.

test("every frame of the dataset bar fits the terminal's width minus one, however long the dataset's name", () => {
  let text = "";
  const p = consoleProgress({ isTTY: true, columns: 40, write: (s: string) => (text += s) });
  p.start("dataset 0123456789abcdef with a long description", 100_000, 4 << 30);
  p.tick(50_000, 2 << 30);
  p.end();
  const frames = text.replace(/\x1b\[K/g, "").split(/[\r\n]/).filter(Boolean);
  expect(frames.length).toBeGreaterThanOrEqual(2);
  for (const f of frames) expect(Bun.stringWidth(f)).toBeLessThanOrEqual(39);
});

test("counts read as numbers with their plural: 1 file, 100,000 files", () => {
  const lines: string[] = [];
  const one = consoleProgress({ isTTY: false, write: (s: string) => lines.push(s) });
  one.start("dataset a", 1, 1024);
  one.tick(1, 1024);
  one.end();
  expect(lines[0]).toBe("Generating dataset a: 1 file, 0.0 MiB...\n");
  expect(lines[1]).toStartWith("Generated dataset a: 1 file, 0.0 MiB in ");
  let text = "";
  const many = consoleProgress({ isTTY: true, columns: 200, write: (s: string) => (text += s) });
  many.start("d", 100_000, 1 << 20);
  many.end();
  expect(text).toContain("0/100,000 files");
});
