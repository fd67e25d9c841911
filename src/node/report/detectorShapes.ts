/**
 * Shower-shape summaries and plots of a synthetic-calorimeter sample (used by `ninr calo inspect`
 * and `ninr detector`): per class, the mean and spread of R_eta, R_phi, w_eta2, R_had and the
 * single-variable AUC (P(prompt > fragmentation)); one histogram plot per shape (both classes,
 * normalised), as SVG/PNG through the report chart helpers.
 */
import { join } from "node:path";
import { CALO_CLASS_NAMES } from "../../data/calo/dataset.ts";
import { SHAPE_NAMES, type ShowerShapes } from "../../data/calo/showerShapes.ts";
import { lineChart } from "../../report/charts.ts";
import type { Row } from "../../report/tables.ts";
import { mean, sampleStd } from "../../stats.ts";
import { writeChart } from "./render.ts";

const LABEL: Record<keyof ShowerShapes, string> = { rEta: "R_eta = E(3x7)/E(7x7)", rPhi: "R_phi = E(3x3)/E(3x7)", wEta2: "w_eta2 (eta units)", rHad: "R_had = E_T(HCAL)/E_T(ECAL)" };

/** Mann-Whitney AUC P(a > b) by ranks (ties count one half). O(n log n). */
export function rankAuc(pos: number[], neg: number[]): number {
  const all = [...pos.map((v) => ({ v, p: 1 })), ...neg.map((v) => ({ v, p: 0 }))].sort((a, b) => a.v - b.v);
  let rankSum = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j].v === all[i].v) j++;
    const r = (i + j + 1) / 2; // average 1-based rank
    for (let k = i; k < j; k++) if (all[k].p) rankSum += r;
    i = j;
  }
  return (rankSum - (pos.length * (pos.length + 1)) / 2) / (pos.length * neg.length);
}

export function shapeTable(shapes: ShowerShapes[], labels: ArrayLike<number>): Row[] {
  return SHAPE_NAMES.map((k) => {
    const by = [0, 1].map((c) => shapes.filter((_, i) => labels[i] === c).map((s) => s[k]));
    return {
      shape: k,
      fragmentation_mean: mean(by[0]),
      fragmentation_std: sampleStd(by[0]),
      prompt_mean: mean(by[1]),
      prompt_std: sampleStd(by[1]),
      auc_prompt_greater: rankAuc(by[1], by[0]),
    };
  });
}

/** Normalised histograms of each shape per class -> `${dir}/shower_${shape}.{svg,png,vl.json}`. */
export async function writeShapePlots(dir: string, shapes: ShowerShapes[], labels: ArrayLike<number>, subtitle: string): Promise<string[]> {
  const out: string[] = [];
  for (const k of SHAPE_NAMES) {
    const vals = shapes.map((s) => s[k]);
    const sorted = [...vals].sort((a, b) => a - b);
    // 1st-99th percentile range: a few pile-up outliers must not squash the plot
    const lo = sorted[Math.floor(0.01 * (sorted.length - 1))];
    const hi = sorted[Math.ceil(0.99 * (sorted.length - 1))];
    const bins = 30;
    const width = (hi - lo) / bins || 1;
    const rows: Row[] = [];
    for (const c of [0, 1]) {
      const counts = new Array(bins).fill(0);
      let n = 0;
      vals.forEach((v, i) => {
        if (labels[i] !== c) return;
        n++;
        const b = Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / width)));
        counts[b]++;
      });
      counts.forEach((m, b) => rows.push({ x: lo + (b + 0.5) * width, fraction: n ? m / n : 0, class: CALO_CLASS_NAMES[c] }));
    }
    const spec = lineChart({ title: `${LABEL[k]} (synthetic calorimeter)`, subtitle, data: rows, x: "x", y: "fraction", color: "class", xTitle: LABEL[k], yTitle: "fraction of candidates", points: false });
    await writeChart(spec, join(dir, `shower_${k}`));
    out.push(`shower_${k}`);
  }
  return out;
}
