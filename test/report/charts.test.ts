import { describe, expect, it } from "vitest";
import { NinrError } from "../../src/errors.ts";
import { fieldRef, heatmap, lineChart, phaseDiagram, scatterChart } from "../../src/report/charts.ts";
import { CHART_HEIGHT, CHART_WIDTH } from "../../src/report/theme.ts";

// Pure spec checks (no rendering): structure, escaping and validation.
describe("chart spec builders", () => {
  it("gives every chart the common frame", () => {
    const specs = [
      lineChart({ title: "L", data: [{ a: 1, b: 2 }], x: "a", y: "b" }),
      heatmap({ title: "H", data: [{ a: 1, b: 2, v: 3 }], x: "a", y: "b", value: "v" }),
      scatterChart({ title: "S", data: [{ a: 1, b: 2 }], x: "a", y: "b" }),
      phaseDiagram({ title: "P", points: [{ sigma: 0.1, series: "s", value: 1 }], phases: [], yTitle: "t" }),
    ] as unknown as Record<string, unknown>[];
    for (const s of specs) {
      expect(s.width).toBe(CHART_WIDTH);
      expect(s.height).toBe(CHART_HEIGHT);
      expect(s.$schema).toContain("vega-lite/v6");
      expect(s.config).toBeDefined();
    }
  });

  it("escapes dotted field names and turns non-finite numbers into null", () => {
    expect(fieldRef("acc.mean")).toBe("acc\\.mean");
    expect(fieldRef("a[0]")).toBe("a\\[0\\]");
    const spec = lineChart({ title: "t", data: [{ "acc.mean": NaN, e: 1 }], x: "e", y: "acc.mean" }) as {
      data: { values: Record<string, unknown>[] };
      encoding: { y: { field: string } };
    };
    expect(spec.encoding.y.field).toBe("acc\\.mean");
    expect(spec.data.values[0]!["acc.mean"]).toBeNull();
  });

  it("throws NinrError for unknown fields and non-positive values on log axes", () => {
    expect(() => lineChart({ title: "t", data: [{ a: 1 }], x: "a", y: "nope" })).toThrow(NinrError);
    expect(() => lineChart({ title: "t", data: [{ a: 0, b: 1 }], x: "a", y: "b", logX: true })).toThrow(/> 0/);
    expect(() => scatterChart({ title: "t", data: [{ a: 1, b: -1 }], x: "a", y: "b", logY: true })).toThrow(NinrError);
    expect(() =>
      phaseDiagram({ title: "t", points: [{ sigma: 0, series: "s", value: 1 }], phases: [], yTitle: "y" }),
    ).toThrow(NinrError);
    expect(() =>
      phaseDiagram({
        title: "t",
        points: [{ sigma: 1, series: "s", value: 1 }],
        phases: [{ from: 2, to: 1, phase: "decay" }],
        yTitle: "y",
      }),
    ).toThrow(/from < to/);
  });

  it("takes fixed category colours (scatter) and slanted x labels (heat map) as options", () => {
    const data = [{ a: 1, b: 2, c: "decay" }];
    const sc = scatterChart({ title: "t", data, x: "a", y: "b", color: "c", colorScale: { domain: ["decay"], range: ["#123456"] } }) as { encoding: { color: { scale?: unknown } } };
    expect(sc.encoding.color.scale).toEqual({ domain: ["decay"], range: ["#123456"] });
    expect((scatterChart({ title: "t", data, x: "a", y: "b", color: "c" }) as { encoding: { color: { scale?: unknown } } }).encoding.color.scale).toBeUndefined();
    const hm = (angle?: number) => (heatmap({ title: "t", data, x: "c", y: "a", value: "b", xLabelAngle: angle }) as { encoding: { x: { axis: { labelAngle: number } } } }).encoding.x.axis.labelAngle;
    expect(hm(-30)).toBe(-30);
    expect(hm()).toBe(0);
  });

  it("clips open-ended phases to the plotted sigma range and keeps the canonical colours", () => {
    const spec = phaseDiagram({
      title: "t",
      points: [0.01, 0.1, 1].map((sigma) => ({ sigma, series: "s", value: sigma > 0.5 ? Infinity : 1 / sigma })),
      phases: [
        { from: 0, to: 0.05, phase: "decay" },
        { from: 0.05, to: Infinity, phase: "divergent" },
        { from: 0.001, to: 0.005, phase: "decoupled" }, // entirely left of the range: dropped band
      ],
      yTitle: "y",
    }) as unknown as {
      layer: [
        { data: { values: { from: number; to: number; phase: string }[] }; encoding: { fill: { scale: { domain: string[]; range: string[] } } } },
        { data: { values: unknown[] } },
      ];
    };
    const bands = spec.layer[0].data.values;
    expect(bands.map((b) => b.phase)).toEqual(["decay", "divergent"]);
    for (const b of bands) {
      expect(Number.isFinite(b.from) && b.from > 0).toBe(true);
      expect(Number.isFinite(b.to)).toBe(true);
    }
    expect(bands[1]!.to).toBeGreaterThan(1); // the domain reaches past the last sigma
    expect(spec.layer[1].data.values).toHaveLength(2); // the Infinity point is left out
    const fill = spec.layer[0].encoding.fill.scale;
    expect(fill.domain).toEqual(["decoupled", "decay", "divergent"]);
    expect(fill.range).toEqual(["#9e9e9e", "#2ca02c", "#d62728"]);
  });
});
