import { describe, expect, it } from "vitest";

describe("measureText (DejaVu Sans metrics for headless layout)", () => {
  it("uses real advance widths instead of vega's 0.8 em per character", async () => {
    const { measureText } = await import("../../../src/node/report/textMetrics.ts");
    expect(measureText("0", 10)).toBeCloseTo((1303 / 2048) * 10, 6);
    expect(measureText("iii", 12)).toBeLessThan(measureText("MMM", 12));
    expect(measureText("Title", 16, true)).toBeGreaterThan(measureText("Title", 16));
    expect(measureText("σ ± ∞", 11)).toBeGreaterThan(0);
  });
});
