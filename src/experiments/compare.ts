/**
 * E2/E3, the papers' comparison (docs/method.md §4): vanilla, L2, Dropout, CDT at the NINR decay and
 * catapult noise levels, in-NINR and full-NINR in the decay and catapult phases, for the FC and
 * CNN models over several seeds; clean accuracy and robustness of every model.
 *
 * NINR sigmas come from measured curvature (sigmaFor: k = eta * lambda_noise ~ 1 for decay,
 * ~ 3 for catapult, docs/method.md §2, "practical recipe"), at the run's own initialization (seed 0).
 * CDT noise levels are matched to the in-NINR ones at initialization (see `matchedCdt`).
 */
import { tree } from "@jax-js/jax";
import type { RunConfig } from "../config.ts";
import { resolveConfig } from "../config.ts";
import type { Dataset } from "../data/dataset.ts";
import { type CurvatureBudget, CURVATURE_BUDGETS, budgetBatchSize } from "../dynamics/budgets.ts";
import { kOfSigma } from "../dynamics/curvature.ts";
import { TARGET_K, sigmaFor } from "../dynamics/predict.ts";
import { streamSeed } from "../engine/keys.ts";
import { NinrError } from "../errors.ts";
import { buildNetwork } from "../models/network.ts";
import { initialParams } from "../train/loop.ts";
import { prepareData } from "../train/prepare.ts";
import type { CompareJobSpec } from "./compareRun.ts";
import { type Job, makeJob } from "./jobs.ts";

export type ComparePreset = {
  name: string;
  models: string[];
  seeds: number[];
  lr: number;
  batch: number;
  /** Per model name: training images (0 = all) and epochs. */
  budget: Record<string, { trainSize: number; epochs: number }>;
  l2: number[];
  dropout: number[];
  /** Robustness evaluation: test images per model name (0 = all 10k), Gaussian grid modes, corruption severities. */
  robustness: { testSubset: Record<string, number>; gaussianModes: ("clipped" | "unclipped")[]; severities: number[] };
  /** Curvature measurement used for sigma selection (src/dynamics/budgets.ts). */
  sigmaSearch: CurvatureBudget;
};

/** A per-model setting of a preset, or a NinrError naming the preset and the model. */
export function forModel<T>(p: { name: string }, table: Record<string, T>, model: string, what: string): T {
  if (!Object.hasOwn(table, model)) throw new NinrError(`compare preset '${p.name}' has no ${what} for model '${model}' (it has ${Object.keys(table).join(", ")})`);
  return table[model];
}

export const COMPARE_PRESETS: Record<string, ComparePreset> = {
  /**
   * Minutes, not hours: 2 seeds, training subsets, one L2 and one Dropout strength, 2,000 test
   * images. eta = 0.05 (not the paper protocol's 0.01) so that a short budget reaches a meaningful
   * accuracy; every method uses the same eta and the NINR sigmas are measured at it.
   */
  quick: {
    name: "quick",
    models: ["mlp", "cnn"],
    seeds: [0, 1],
    lr: 0.05,
    batch: 64,
    budget: { mlp: { trainSize: 10000, epochs: 2 }, cnn: { trainSize: 2000, epochs: 1 } },
    l2: [1e-4],
    dropout: [0.2],
    // The CNN costs about 10x the MLP per sample on this CPU backend (W1 3,858 vs W2 409 samples/s
    // per train step, bench/README.md; 18x when this preset was sized): fewer test images and conditions.
    robustness: { testSubset: { mlp: 2000, cnn: 500 }, gaussianModes: ["clipped"], severities: [1, 3, 5] },
    sigmaSearch: CURVATURE_BUDGETS.compareSigmaQuick,
  },
  /** Seconds, for tests and CI smoke runs: one seed, tiny budgets. Not science. */
  smoke: {
    name: "smoke",
    models: ["mlp"],
    seeds: [0],
    lr: 0.05,
    batch: 64,
    budget: { mlp: { trainSize: 640, epochs: 1 }, cnn: { trainSize: 128, epochs: 1 } },
    l2: [1e-4],
    dropout: [0.2],
    robustness: { testSubset: { mlp: 200, cnn: 100 }, gaussianModes: ["clipped"], severities: [1] },
    sigmaSearch: CURVATURE_BUDGETS.smokeSigma,
  },
  /** The paper protocol (docs/method.md §4): eta 0.01, batch 64, 5 seeds, all L2/Dropout strengths, full data (3 epochs MLP, 2 CNN: epoch counts are ours, docs/method.md §7.4). Hours. */
  paper: {
    name: "paper",
    models: ["mlp", "cnn"],
    seeds: [0, 1, 2, 3, 4],
    lr: 0.01,
    batch: 64,
    budget: { mlp: { trainSize: 0, epochs: 3 }, cnn: { trainSize: 0, epochs: 2 } },
    l2: [1e-5, 1e-4, 1e-3],
    dropout: [0.2, 0.5],
    robustness: { testSubset: { mlp: 0, cnn: 0 }, gaussianModes: ["clipped", "unclipped"], severities: [1, 2, 3, 4, 5] },
    sigmaSearch: CURVATURE_BUDGETS.compareSigmaPaper,
  },
};

export type ChosenSigma = { model: string; nin: "input" | "all"; phase: "decay" | "catapult"; target_k: number; sigma: number; k: number; converged: boolean; history: { sigma: number; k: number }[] };

/** Pick the NINR sigmas of one model by measured curvature at its seed-0 initialization. */
export async function chooseSigmas(p: ComparePreset, model: string, ds: Dataset, log: (s: string) => void = () => {}): Promise<ChosenSigma[]> {
  const out: ChosenSigma[] = [];
  const search = p.sigmaSearch;
  for (const nin of ["input", "all"] as const) {
    const base = resolveConfig({ model, nin, lr: p.lr, batch: p.batch, seed: 0, sigma: 1 });
    const data = prepareData(ds, base);
    const { params, state } = initialParams(base, ds);
    const batchSize = budgetBatchSize(search, buildNetwork(base, ds));
    for (const phase of ["decay", "catapult"] as const) {
      const measure = kOfSigma(base, ds, params, state, data.train, { batches: search.batches, batchSize, iters: search.iters, seed: (i) => streamSeed(0, `compare/sigma-search/${nin}/${phase}/${i}`) });
      const prev = out.find((c) => c.nin === nin);
      const r = await sigmaFor(TARGET_K[phase], measure, { tol: search.tol, maxMeasurements: search.maxMeasurements, sigma0: prev ? prev.sigma * Math.sqrt(TARGET_K[phase] / prev.k) : 10 });
      log(`  ${model} ${nin === "input" ? "in" : "full"}-NINR ${phase}: sigma ${r.sigma.toPrecision(3)} (k ${r.k.toFixed(2)}, ${r.history.length} measurements${r.converged ? "" : ", not converged"})`);
      out.push({ model, nin, phase, target_k: TARGET_K[phase], sigma: Number(r.sigma.toPrecision(4)), k: r.k, converged: r.converged, history: r.history });
    }
    tree.dispose(params);
    tree.dispose(state);
  }
  return out;
}

/**
 * CDT noise matched to in-NINR noise at initialization: the same RMS perturbation of what the
 * NIN feeds. Dense first layer (fcNINR): theta_j eps shifts z_j with std sigma |theta_j|, input
 * noise shifts it with std s ||W_j||, so s = sigma * rms(theta) / rms_j ||W_j||. Conv first
 * layer (cNINR): the NIN perturbs the pixels themselves, so s = sigma * rms(theta).
 * @param theta the input NIN's theta; @param weight for fcNINR, the fed layer's weights [n_out, n_in] row-major
 */
export function matchedCdtLevel(sigma: number, theta: ArrayLike<number>, weight?: { data: ArrayLike<number>; nOut: number }): number {
  let sq = 0;
  for (let i = 0; i < theta.length; i++) sq += theta[i] * theta[i];
  let s = sigma * Math.sqrt(sq / theta.length);
  if (weight) {
    let w2 = 0;
    for (let i = 0; i < weight.data.length; i++) w2 += weight.data[i] * weight.data[i];
    s /= Math.sqrt(w2 / weight.nOut); // rms over units j of ||W_j||
  }
  return Number(s.toPrecision(4));
}

/** `matchedCdtLevel` at a model's seed-0 initialization, on data of shape `info`. */
export async function matchedCdt(model: string, sigma: number, lr: number, info: Pick<Dataset, "inputShape" | "classes" | "range">): Promise<number> {
  const cfg = resolveConfig({ model, nin: "input", sigma, lr, seed: 0 });
  const site = buildNetwork(cfg, info).sites[0];
  const { params, state } = initialParams(cfg, info);
  const theta = (await params[`${site.name}.theta`].ref.data()) as Float32Array;
  let weight: { data: Float32Array; nOut: number } | undefined;
  if (site.kind === "fc") {
    if (!site.weight) throw new NinrError(`model '${model}' does not declare the weight its input NIN feeds; CDT cannot be matched`);
    const w = params[site.weight];
    weight = { data: (await w.ref.data()) as Float32Array, nOut: w.shape[0] }; // [n_out, n_in]
  }
  tree.dispose(params);
  tree.dispose(state);
  return matchedCdtLevel(sigma, theta, weight);
}

export type MethodSpec = { method: string; model: string; config: Partial<RunConfig> };

/** The comparison's methods for one model, with their configs (sigmas and CDT levels resolved). */
export async function compareMethods(p: ComparePreset, model: string, sigmas: ChosenSigma[], fitSize: number, info: Pick<Dataset, "inputShape" | "classes" | "range">): Promise<MethodSpec[]> {
  const budget = forModel(p, p.budget, model, "training budget");
  const { epochs } = budget;
  // A budget larger than the data (e.g. on the bundled sample) means "all of it".
  const trainSize = budget.trainSize >= fitSize ? 0 : budget.trainSize;
  const base: Partial<RunConfig> = { model, lr: p.lr, batch: p.batch, trainSize, epochs, stepLogEvery: 50 };
  const sig = (nin: string, phase: string) => sigmas.find((s) => s.model === model && s.nin === nin && s.phase === phase)!.sigma;
  const methods: MethodSpec[] = [{ method: "vanilla", model, config: { ...base, nin: "none" } }];
  for (const l2 of p.l2) methods.push({ method: `L2 ${l2}`, model, config: { ...base, nin: "none", l2 } });
  for (const d of p.dropout) methods.push({ method: `Dropout ${d}`, model, config: { ...base, nin: "none", dropout: d } });
  for (const phase of ["decay", "catapult"]) methods.push({ method: `CDT (${phase} level)`, model, config: { ...base, nin: "none", cdt: await matchedCdt(model, sig("input", phase), p.lr, info) } });
  for (const nin of ["input", "all"] as const)
    for (const phase of ["decay", "catapult"]) methods.push({ method: `${nin === "input" ? "in" : "full"}-NINR ${phase}`, model, config: { ...base, nin, sigma: sig(nin, phase) } });
  return methods;
}

export function compareJobs(p: ComparePreset, methods: MethodSpec[]): Job<"compare">[] {
  const jobs: Job<"compare">[] = [];
  for (const m of methods)
    for (const seed of p.seeds) {
      const spec: CompareJobSpec = {
        method: m.method,
        config: { ...m.config, seed },
        testSubset: forModel(p, p.robustness.testSubset, m.model, "test subset"),
        gaussianModes: p.robustness.gaussianModes,
        severities: p.robustness.severities,
      };
      jobs.push(makeJob("compare", spec));
    }
  return jobs;
}
