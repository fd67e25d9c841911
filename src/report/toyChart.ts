/**
 * The chart of `ninr toy`: the outcome of every run of the linear toy model (docs/method.md §3)
 * against eta * lambda0, and the final eta * lambda, with the theory's thresholds 2 and 4.
 */
import { K_CATAPULT, K_DIVERGE, TOY_OUTCOMES } from "../dynamics/toy.ts";
import type { ToySweepResult } from "../dynamics/toySweep.ts";
import { CHART_CONFIG, PHASE_COLORS } from "./theme.ts";

/**
 * Two panels (Vega-Lite): left, the outcome of every run against eta*lambda0;
 * right, final eta*lambda against eta*lambda0 (non-divergent runs), with the lines k = 2, 4
 * and the diagonal (no change).
 */
export function toyOutcomeChart(r: ToySweepResult): object {
  const runs = r.points.flatMap((p) =>
    p.runs.map((x) => ({ k0: p.k0, seed: x.seed, outcome: x.outcome, final_k: x.final_k, peak_coupling: x.peak_coupling })),
  );
  const present = TOY_OUTCOMES.filter((o) => runs.some((x) => x.outcome === o));
  const color = {
    field: "outcome",
    type: "nominal",
    title: "outcome",
    scale: { domain: present, range: present.map((o) => PHASE_COLORS[o]) },
  };
  const kMax = Math.max(K_DIVERGE + 0.5, ...r.points.map((p) => p.k0));
  const xEnc = { field: "k0", type: "quantitative", title: "eta * lambda0 (initial)", scale: { domain: [0, kMax] } };
  const rules = (field: "x" | "y") => ({
    data: { values: [{ k: K_CATAPULT }, { k: K_DIVERGE }] },
    mark: { type: "rule", strokeDash: [4, 4], color: "#888888" },
    encoding: { [field]: { field: "k", type: "quantitative" } },
  });
  const sub = [
    r.catapult_onset_k === null ? "" : `catapult onset ${r.catapult_onset_k.toFixed(2)}`,
    r.divergence_k === null ? "" : `divergence ${r.divergence_k.toFixed(2)}`,
  ]
    .filter(Boolean)
    .join(", ");
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    config: CHART_CONFIG,
    title: { text: "Linear toy model: phases against eta * lambda0", subtitle: `measured: ${sub || "no boundary found"} (theory 2 and 4)` },
    data: { values: runs },
    hconcat: [
      {
        width: 380,
        height: 220,
        title: "outcome per run",
        layer: [
          rules("x"),
          {
            mark: { type: "point", filled: true, opacity: 0.8 },
            encoding: {
              x: xEnc,
              y: { field: "outcome", type: "nominal", title: "outcome", sort: [...TOY_OUTCOMES] },
              yOffset: { field: "seed", type: "nominal" },
              color,
              tooltip: [{ field: "k0" }, { field: "seed" }, { field: "outcome" }],
            },
          },
        ],
      },
      {
        width: 380,
        height: 220,
        title: "final eta * lambda (non-divergent runs)",
        layer: [
          rules("x"),
          rules("y"),
          {
            data: { values: [{ k: 0 }, { k: K_DIVERGE }] },
            mark: { type: "line", color: "#bbbbbb", strokeWidth: 1 },
            encoding: { x: { field: "k", type: "quantitative" }, y: { field: "k", type: "quantitative" } },
          },
          {
            transform: [{ filter: "datum.final_k !== null && datum.outcome !== 'divergent'" }],
            mark: { type: "point", filled: true, opacity: 0.8, clip: true },
            encoding: {
              x: xEnc,
              y: { field: "final_k", type: "quantitative", title: "eta * lambda (final)", scale: { domain: [0, K_DIVERGE] } },
              color,
              tooltip: [{ field: "k0" }, { field: "seed" }, { field: "final_k" }, { field: "peak_coupling" }],
            },
          },
        ],
      },
    ],
  };
}
