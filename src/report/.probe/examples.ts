import { lineChart, heatmap, phaseDiagram, scatterChart } from "../charts.ts";
import { writeChart, renderVegaLite } from "../render.ts";
const out = "/tmp/report-examples";
const rows: Record<string, unknown>[] = [];
for (const s of ["σ=0 (baseline)", "σ=0.05", "σ=0.2"]) for (let e = 0; e <= 20; e++) {
  const m = 60 + 35 * (1 - Math.exp(-e / (s.includes("0.2") ? 8 : s.includes("0.05") ? 5 : 3))) - (s.includes("0.2") ? 5 : s.includes("0.05") ? 0 : 3);
  rows.push({ epoch: e, series: s, "acc.mean": m, lo: m - 2, hi: m + 2 });
}
const specs: Record<string, object> = {
  line: lineChart({ title: "Test accuracy vs epoch", data: rows, x: "epoch", y: "acc.mean", color: "series", xTitle: "epoch", yTitle: "test accuracy (%)", colorTitle: "noise", band: { lower: "lo", upper: "hi" }, points: true }),
  heatmap: heatmap({ title: "Final accuracy by noise and width", data: [0.001, 0.01, 0.1, 1].flatMap((s) => [64, 128, 256, 512].map((w) => ({ sigma: s, width: w, acc: 90 + Math.log10(s) + w / 200 }))), x: "sigma", y: "width", value: "acc", valueTitle: "accuracy (%)", format: ".1f", xTitle: "noise σ", yTitle: "width" }),
  phase: phaseDiagram({ title: "Phase diagram: NIN decay time vs noise", points: ["depth 2", "depth 4", "depth 8"].flatMap((d, k) => [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 0.3, 1].map((s) => ({ sigma: s, series: d, value: s > 0.5 ? Infinity : 1000 / (1 + 1e4 * s * s * (k + 1)) }))), phases: [{ from: 0, to: 1e-3, phase: "decoupled" }, { from: 1e-3, to: 0.05, phase: "decay" }, { from: 0.05, to: 0.4, phase: "catapult" }, { from: 0.4, to: Infinity, phase: "divergent" }], yTitle: "decay time (steps)", logY: true, seriesTitle: "depth" }),
  scatter: scatterChart({ title: "Robustness vs clean accuracy", data: Array.from({ length: 40 }, (_, i) => ({ clean: 85 + (i % 10), robust: 40 + (i % 10) * 3 + (i % 7), method: ["NINR", "dropout", "baseline"][i % 3], dataset: ["mnist", "fashion"][i % 2] })), x: "clean", y: "robust", color: "method", shape: "dataset", xTitle: "clean accuracy (%)", yTitle: "accuracy under noise (%)" }),
};
for (const [name, spec] of Object.entries(specs)) {
  const t0 = performance.now();
  const r = await renderVegaLite(spec);
  const t1 = performance.now();
  await writeChart(spec, `${out}/${name}`);
  console.log(name, "warnings:", r.warnings, "ms:", (t1 - t0).toFixed(1), "svg", r.svg.length, "png", r.png.length, "ids", (r.svg.match(/id="[^"]+"/g) ?? []).length);
}
for (let i = 0; i < 3; i++) { const t0 = performance.now(); await renderVegaLite(specs.phase!); console.log("phase again ms", (performance.now() - t0).toFixed(1)); }
