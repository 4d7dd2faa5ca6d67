import { describe, expect, test } from "bun:test";
import fs from "node:fs";
import path from "node:path";
import { escapeXml, frameColor, renderFlameGraph } from "../lib/diagnose/flamegraph.ts";
import { collapsePerfScript, foldedText, frameName, speedscopeJson } from "../lib/diagnose/stacks.ts";

// Real `perf script -F comm,pid,ip,sym,dso` output (perf 6.1, perf record -g) of cp and the 4 KiB copier, first 300 samples each.
const FX = path.join(import.meta.dir, "fixtures", "diagnose");
const script = (t: string) => fs.readFileSync(path.join(FX, `perf61-script-${t}.txt`), "utf8");
const OPTS = { title: "Flame graph: cp", subtitle: "fixture" };

describe("perf script collapse", () => {
  test("every sample is counted once, under its process name", () => {
    const f = collapsePerfScript(script("cp"));
    expect(f.samples).toBe(300);
    expect(new Set(f.stacks.map((s) => s.frames[0]))).toEqual(new Set(["cp"]));
  });

  test("stacks are root first: the syscall entry sits below the kernel function it calls", () => {
    const f = collapsePerfScript(script("cp"));
    const s = f.stacks.find((x) => x.frames.includes("__do_sys_copy_file_range_[k]"))!;
    expect(s.frames.indexOf("entry_SYSCALL_64_after_hwframe_[k]")).toBeLessThan(s.frames.indexOf("__do_sys_copy_file_range_[k]"));
  });

  test("the 4 KiB copier's profile shows read and write syscalls and no copy_file_range", () => {
    const text = foldedText(collapsePerfScript(script("wasteful")));
    expect(text).toMatch(/ksys_write_\[k\]/);
    expect(text).not.toMatch(/copy_file_range/);
  });

  test("unknown symbols are named by their object, kernel frames are marked", () => {
    expect(frameName("[unknown]", "/usr/lib/x86_64-linux-gnu/libc.so.6")).toBe("[libc.so.6]");
    expect(frameName("[unknown]", "[unknown]")).toBe("[unknown]");
    expect(frameName("vfs_write", "[kernel.kallsyms]")).toBe("vfs_write_[k]");
    expect(frameName("a;b", "/bin/x")).toBe("a:b");
  });

  test("perf's default header (with time, period and event) parses too", () => {
    const f = collapsePerfScript("cp 11217  2107.800734:     250000 cpu-clock:pppH: \n\t           153e0 update_active (/usr/lib/ld.so)\n\n");
    expect(f.stacks).toEqual([{ frames: ["cp", "update_active"], samples: 1 }]);
  });

  test("a sample without frames is kept as [no stack]", () => {
    expect(collapsePerfScript("cp 1 \n\n").stacks).toEqual([{ frames: ["cp", "[no stack]"], samples: 1 }]);
  });
});

describe("flame graph SVG", () => {
  test("the same profile renders to the same bytes", () => {
    const a = renderFlameGraph(collapsePerfScript(script("cp")), OPTS);
    const b = renderFlameGraph(collapsePerfScript(script("cp")), OPTS);
    expect(a).toBe(b);
  });

  test("it is self-contained: no script, no link, no external reference", () => {
    const svg = renderFlameGraph(collapsePerfScript(script("cp")), OPTS);
    expect(svg).not.toMatch(/<script|href=|@import|url\(/i);
    expect(svg.match(/https?:\/\/[^"]+/g)).toEqual(["http://www.w3.org/2000/svg"]);
  });

  test("the root frame spans the plot and says it holds every sample", () => {
    const svg = renderFlameGraph(collapsePerfScript(script("cp")), { ...OPTS, widthPx: 1200 });
    expect(svg).toContain(`<title>all (300 samples, 100.00%)</title><rect x="10.00" y=`);
    expect(svg).toMatch(/<title>all \(300 samples, 100\.00%\)<\/title><rect [^>]*width="1180\.00"/);
  });

  test("a frame's width is its share of the samples", () => {
    const f = { stacks: [{ frames: ["t", "a"], samples: 3 }, { frames: ["t", "b"], samples: 1 }], samples: 4 };
    const svg = renderFlameGraph(f, { ...OPTS, widthPx: 420 });
    expect(svg).toMatch(/<title>a \(3 samples, 75\.00%\)<\/title><rect x="10\.00" [^>]*width="300\.00"/);
    expect(svg).toMatch(/<title>b \(1 samples, 25\.00%\)<\/title><rect x="310\.00" [^>]*width="100\.00"/);
  });

  test("hover titles carry every frame's name, escaped", () => {
    const f = { stacks: [{ frames: ["t", "Vec<u8> as Drop>::drop & co"], samples: 1 }], samples: 1 };
    const svg = renderFlameGraph(f, OPTS);
    expect(svg).toContain("<title>Vec&lt;u8&gt; as Drop&gt;::drop &amp; co (1 samples, 100.00%)</title>");
  });

  test("the title and the tool label are in the picture", () => {
    const svg = renderFlameGraph(collapsePerfScript(script("cp")), { title: "Flame graph: blit", subtitle: "small-files: 300 samples" });
    expect(svg).toContain(">Flame graph: blit</text>");
    expect(svg).toContain(">small-files: 300 samples</text>");
  });

  test("an empty profile still renders, saying so", () => {
    expect(renderFlameGraph({ stacks: [], samples: 0 }, OPTS)).toContain(">no samples</text>");
  });

  test("kernel frames are blue and user frames warm", () => {
    const [r, , b] = frameColor("vfs_write_[k]").match(/\d+/g)!.map(Number);
    expect(b!).toBeGreaterThan(r!);
    const [r2, , b2] = frameColor("main").match(/\d+/g)!.map(Number);
    expect(r2!).toBeGreaterThan(b2!);
    expect(escapeXml(`<&>"'`)).toBe("&lt;&amp;&gt;&quot;&apos;");
  });
});

describe("speedscope export", () => {
  test("the weights add up to the samples and every frame index resolves", () => {
    const f = collapsePerfScript(script("wasteful"));
    const doc = JSON.parse(speedscopeJson(f, "wasteful"));
    const p = doc.profiles[0];
    expect(p.type).toBe("sampled");
    expect(p.weights.reduce((s: number, w: number) => s + w, 0)).toBe(f.samples);
    expect(p.samples.flat().every((i: number) => doc.shared.frames[i] !== undefined)).toBe(true);
  });
});
