import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { heatmap, lineChart, phaseDiagram, scatterChart } from "../../../src/report/charts.ts";
import { compileVegaLite, rasterizeSvg, renderVegaLite, writeChart } from "../../../src/node/report/render.ts";

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Width and height from the IHDR chunk (always the first chunk, right after the signature). */
function pngSize(png: Uint8Array): { width: number; height: number } {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunkType = new TextDecoder().decode(png.subarray(12, 16));
  expect(chunkType).toBe("IHDR");
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

function svgSize(svg: string): { width: number; height: number } {
  const m = /<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
  expect(m).not.toBeNull();
  return { width: Number(m![1]), height: Number(m![2]) };
}

const lineRows = [0, 1, 2, 3, 4].flatMap((epoch) =>
  ["σ=0", "σ=0.1"].map((series) => {
    const m = 80 + epoch * (series === "σ=0" ? 3 : 2);
    return { epoch, series, "acc.mean": m, lo: m - 1, hi: m + 1 };
  }),
);

const phaseSpec = phaseDiagram({
  title: "Phase diagram test",
  points: [1e-3, 1e-2, 1e-1, 1].flatMap((sigma) =>
    ["w64", "w256"].map((series) => ({ sigma, series, value: sigma >= 1 ? Infinity : 10 / sigma })),
  ),
  phases: [
    { from: 0, to: 3e-3, phase: "decoupled" },
    { from: 3e-3, to: 0.05, phase: "decay" },
    { from: 0.05, to: 0.5, phase: "catapult" },
    { from: 0.5, to: Infinity, phase: "divergent" },
  ],
  yTitle: "decay time",
  logY: true,
});

const heatSpec = heatmap({
  title: "Heatmap test",
  data: [0.01, 0.1, 1].flatMap((sigma) => [64, 128].map((width) => ({ sigma, width, acc: 90 + sigma + width / 100 }))),
  x: "sigma",
  y: "width",
  value: "acc",
  valueTitle: "accuracy",
  format: ".1f",
});

describe("renderVegaLite", () => {
  it("renders a line chart to SVG with the title and paths, and to a 2x PNG", async () => {
    const spec = lineChart({
      title: "Accuracy over epochs",
      data: lineRows,
      x: "epoch",
      y: "acc.mean",
      color: "series",
      band: { lower: "lo", upper: "hi" },
      points: true,
    });
    const { svg, png, warnings } = await renderVegaLite(spec);
    expect(warnings).toEqual([]);
    expect(svg).toContain("Accuracy over epochs");
    expect(svg).toContain("<path");
    expect(svg).toContain("σ=0.1"); // legend label
    expect(Array.from(png.subarray(0, 8))).toEqual(PNG_SIGNATURE);
    const { width, height } = pngSize(png);
    expect(width).toBeGreaterThan(0);
    expect(height).toBeGreaterThan(0);
    const s = svgSize(svg);
    expect(width).toBe(Math.round(s.width * 2));
    expect(height).toBe(Math.round(s.height * 2));
  });

  it("draws text into the PNG (a font is available to the rasteriser)", () => {
    const doc = (text: string) =>
      `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="30"><text x="4" y="20" font-family="DejaVu Sans, sans-serif" font-size="16">${text}</text></svg>`;
    const withText = rasterizeSvg(doc("Hello σ"));
    const without = rasterizeSvg(doc(""));
    expect(pngSize(withText)).toEqual(pngSize(without));
    expect(Buffer.from(withText).equals(Buffer.from(without))).toBe(false);
  });

  it("compiles and renders heatmap, phase diagram and scatter specs without warnings", async () => {
    const scatter = scatterChart({
      title: "Scatter test",
      data: [1, 2, 3, 4].map((i) => ({ x: i * 0.1, y: i * i, method: i % 2 ? "a" : "b", ds: i < 3 ? "m" : "f" })),
      x: "x",
      y: "y",
      color: "method",
      shape: "ds",
      logX: true,
    });
    for (const [spec, title] of [
      [heatSpec, "Heatmap test"],
      [phaseSpec, "Phase diagram test"],
      [scatter, "Scatter test"],
    ] as const) {
      expect(compileVegaLite(spec).warnings).toEqual([]);
      const { svg, png, warnings } = await renderVegaLite(spec);
      expect(warnings).toEqual([]);
      expect(svg).toContain(title);
      expect(pngSize(png).width).toBeGreaterThan(0);
    }
  });

  it("shows every phase band and both legends in the phase diagram", async () => {
    const { svg } = await renderVegaLite(phaseSpec);
    for (const phase of ["decoupled", "decay", "catapult", "divergent", "w64", "w256"]) expect(svg).toContain(phase);
    // Four phase rects, each a filled path in the phase colour.
    for (const color of ["#9e9e9e", "#2ca02c", "#ff7f0e", "#d62728"]) expect(svg).toContain(`fill="${color}"`);
  });
});

describe("writeChart", () => {
  const dir = mkdtempSync(join(tmpdir(), "ninr-report-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes .svg, .png and .vl.json next to each other", async () => {
    const paths = await writeChart(heatSpec, join(dir, "sub", "heat"));
    expect(paths).toEqual({
      svg: join(dir, "sub", "heat.svg"),
      png: join(dir, "sub", "heat.png"),
      spec: join(dir, "sub", "heat.vl.json"),
    });
    expect(readFileSync(paths.svg, "utf8")).toContain("<svg");
    expect(Array.from(readFileSync(paths.png).subarray(0, 8))).toEqual(PNG_SIGNATURE);
    expect(JSON.parse(readFileSync(paths.spec, "utf8"))).toEqual(JSON.parse(JSON.stringify(heatSpec)));
  });
});
