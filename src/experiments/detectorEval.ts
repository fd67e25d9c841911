/**
 * Evaluation of the detector experiment (browser-safe): one trained run's ROC metrics on the
 * nominal and the shifted test sets, the shower-shape logistic-regression baseline, and the
 * aggregation over seeds into the rows of detector.json.
 */
import type { Dataset, Split } from "../data/dataset.ts";
import { cellsFromImage, makeGeometry } from "../data/calo/geometry.ts";
import { SHAPE_NAMES, type ShowerShapes, showerShapes } from "../data/calo/showerShapes.ts";
import { NOMINAL, caloConfig } from "../data/calo/config.ts";
import { channelGains } from "../data/calo/generate.ts";
import type { ModelState, Params } from "../models/model.ts";
import type { Network } from "../models/network.ts";
import { mean, sampleStd } from "../stats.ts";
import { WORKING_POINTS, detectorMetrics, fitLogistic, logisticScore, rocCurve } from "./detectorMetrics.ts";
import { scoreSplit } from "./detectorScore.ts";

export type Domain = "nominal" | "shifted";
/** Background efficiency at these signal efficiencies: the ROC curve stored per run (for the plots). */
export const ROC_GRID = Array.from({ length: 40 }, (_, i) => 0.3 + (0.7 * (i + 1)) / 40);

export type DomainEval = { auc: number; rejection: Record<string, number>; roc: number[] };
export type RunEval = { method: string; noise: string; seed: number; nominal: DomainEval; shifted: DomainEval };

function domainEval(scores: Float32Array, labels: Uint8Array): DomainEval {
  const m = detectorMetrics(scores, labels);
  const roc = rocCurve(scores, labels);
  const grid = ROC_GRID.map((e) => Math.min(...roc.filter((p) => p.signal_eff >= e - 1e-12).map((p) => p.background_eff)));
  return { auc: m.auc, rejection: m.rejection, roc: grid };
}

/** Score both test sets with a trained network. */
export async function evaluateNetwork(net: Network, params: Params, state: ModelState, nominal: Dataset, shifted: Dataset): Promise<Pick<RunEval, "nominal" | "shifted">> {
  return {
    nominal: domainEval(await scoreSplit(net, params, state, nominal, nominal.test), nominal.test.labels),
    shifted: domainEval(await scoreSplit(net, params, state, shifted, shifted.test), shifted.test.labels),
  };
}

/** Shower shapes of every image of a calo split (gains undone, cells recovered exactly from the resampled image). */
export function splitShapes(ds: Pick<Dataset, "inputShape">, split: Split): ShowerShapes[] {
  const g = makeGeometry(ds.inputShape[0]);
  const D = ds.inputShape.reduce((a, b) => a * b, 1);
  const gains = channelGains(caloConfig("nominal", { windowCells: ds.inputShape[0] }));
  const C = gains.length;
  const img = new Float32Array(D);
  return Array.from({ length: split.n }, (_, i) => {
    for (let j = 0; j < D; j++) img[j] = split.images[i * D + j] / gains[j % C];
    return showerShapes(g, cellsFromImage(g, img, 0, 1 / NOMINAL.energyUnit));
  });
}

/** The physics baseline: logistic regression on (R_eta, R_phi, w_eta2, R_had), fitted on the nominal training set. */
export function showerShapeBaseline(nominal: Dataset, shifted: Dataset): Pick<RunEval, "nominal" | "shifted"> & { weights: Record<string, number> } {
  const feats = (s: ShowerShapes[]) => s.map((x) => SHAPE_NAMES.map((k) => x[k]));
  const model = fitLogistic(feats(splitShapes(nominal, nominal.train)), nominal.train.labels);
  const score = (ds: Dataset) => Float32Array.from(feats(splitShapes(ds, ds.test)).map((x) => logisticScore(model, x)));
  return {
    nominal: domainEval(score(nominal), nominal.test.labels),
    shifted: domainEval(score(shifted), shifted.test.labels),
    weights: Object.fromEntries(SHAPE_NAMES.map((k, j) => [k, model.weights[j] / model.std[j]])),
  };
}

/** One row of detector.json (issue 12's format) plus the spread of every rejection and the ROC means. */
export type DetectorRow = {
  method: string;
  noise: string;
  domain: Domain;
  auc_mean: number;
  auc_std: number;
  "rejection_at_0.5": number;
  "rejection_at_0.8": number;
  "rejection_at_0.9": number;
  rejection_std: Record<string, number>;
  seeds: number[];
  roc_background_eff: number[];
};

const sd = (xs: number[]) => (xs.length > 1 ? sampleStd(xs) : 0);

/** Mean and std over seeds of each (method, noise) and domain, in the given method order. */
export function aggregateDetector(evals: RunEval[], order: string[]): DetectorRow[] {
  const rows: DetectorRow[] = [];
  for (const key of order) {
    const [method, noise] = key.split("|");
    const runs = evals.filter((e) => e.method === method && e.noise === noise);
    if (!runs.length) continue;
    for (const domain of ["nominal", "shifted"] as const) {
      const d = runs.map((r) => r[domain]);
      const rej = (wp: number) => d.map((x) => x.rejection[String(wp)]);
      rows.push({
        method,
        noise,
        domain,
        auc_mean: mean(d.map((x) => x.auc)),
        auc_std: sd(d.map((x) => x.auc)),
        "rejection_at_0.5": mean(rej(0.5)),
        "rejection_at_0.8": mean(rej(0.8)),
        "rejection_at_0.9": mean(rej(0.9)),
        rejection_std: Object.fromEntries(WORKING_POINTS.map((wp) => [String(wp), sd(rej(wp))])),
        seeds: runs.map((r) => r.seed),
        roc_background_eff: ROC_GRID.map((_, i) => mean(d.map((x) => x.roc[i]))),
      });
    }
  }
  return rows;
}

/** The nominal-to-shifted gap of each method, paired per seed: AUC drop and rejection ratio at each working point. */
export type GapRow = { method: string; noise: string; auc_gap_mean: number; auc_gap_std: number; rejection_ratio: Record<string, { mean: number; std: number }>; seeds: number };

export function detectorGaps(evals: RunEval[], order: string[]): GapRow[] {
  return order.flatMap((key) => {
    const [method, noise] = key.split("|");
    const runs = evals.filter((e) => e.method === method && e.noise === noise);
    if (!runs.length) return [];
    const gaps = runs.map((r) => r.nominal.auc - r.shifted.auc);
    const ratio = (wp: number) => runs.map((r) => r.shifted.rejection[String(wp)] / r.nominal.rejection[String(wp)]);
    return [{ method, noise, auc_gap_mean: mean(gaps), auc_gap_std: sd(gaps), rejection_ratio: Object.fromEntries(WORKING_POINTS.map((wp) => [String(wp), { mean: mean(ratio(wp)), std: sd(ratio(wp)) }])), seeds: runs.length }];
  });
}
