import { describe, expect, test } from "bun:test";
import { selectPlatform } from "../lib/platform/index.ts";
import { sampleEvenly } from "../lib/platform/libc.ts";
import { WINDOWS_PURGE_PS1 } from "../lib/platform/win32.ts";

describe("each platform's cache drop, run on this machine by injecting the platform", () => {
  test("an unknown platform is reported as not dropped, never silently", async () => {
    const r = await selectPlatform("aix").dropCaches("/nonexistent", []);
    expect(r.treatment).toBe("not-dropped: no cache drop for platform aix");
    expect(r.ms).toBeGreaterThanOrEqual(0);
  });

  test.skipIf(process.platform === "darwin")("the macOS path without a working purge reports not-dropped", async () => {
    const r = await selectPlatform("darwin").dropCaches("/nonexistent", [], { trySudo: false });
    expect(r.treatment.startsWith("not-dropped: purge")).toBe(true);
  });

  test.skipIf(process.platform === "win32" || Bun.which("pwsh") !== null)(
    "the Windows path without PowerShell reports not-dropped",
    async () => {
      const r = await selectPlatform("win32").dropCaches("C:\\src", []);
      expect(r.treatment).toBe(`not-dropped: standby purge failed (PowerShell not found); no per-file eviction: no kernel32 on ${process.platform}`);
    },
  );

  test("the Windows snippet flushes the modified list and purges the standby list with the profile privilege", () => {
    expect(WINDOWS_PURGE_PS1).toContain("SeProfileSingleProcessPrivilege");
    expect(WINDOWS_PURGE_PS1).toContain("NtSetSystemInformation(80, ref command, 4)");
    expect(WINDOWS_PURGE_PS1.indexOf("command = 3")).toBeLessThan(WINDOWS_PURGE_PS1.indexOf("command = 4"));
  });
});

describe("sampleEvenly", () => {
  test("a list within the limit is kept whole", () => {
    expect(sampleEvenly([1, 2, 3], 64)).toEqual([1, 2, 3]);
  });
  test("a long list is sampled at even strides, deterministically", () => {
    const xs = Array.from({ length: 10 }, (_, i) => i);
    expect(sampleEvenly(xs, 4)).toEqual([0, 2, 5, 7]);
  });
});
