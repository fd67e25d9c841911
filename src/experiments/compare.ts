/**
 * E2/E3, the papers' comparison (spec 4): vanilla, L2, Dropout, CDT at the NINR decay and
 * catapult noise levels, in-NINR and full-NINR in the decay and catapult phases, for the FC and
 * CNN models over several seeds; clean accuracy and robustness of every model.
 *
 * NINR sigmas come from measured curvature (sigmaFor: k = eta * lambda_noise ~ 1 for decay,
 * ~ 3 for catapult, spec 2 "practical recipe"), at the run's own initialization (seed 0).
 * CDT noise levels are matched to the in-NINR ones at initialization (see `matchedCdt`).
 */
import { tree } from "@jax-js/jax";
import type { RunConfig } from "../config.ts";
import { resolveConfig } from "../config.ts";
import type { Dataset } from "../data/fashion.ts";
import { kOfSigma } from "../dynamics/curvature.ts";
import { TARGET_K, sigmaFor } from "../dynamics/predict.ts";
import type { Params } from "../models/network.ts";
import type { Job } from "../sweep/spec.ts";
import { initialParams } from "../train/loop.ts";
import { prepareData } from "../train/run.ts";

export type ComparePreset = {
  name: string;
  models: RunConfig["model"][];
  seeds: number[];
  lr: number;
  batch: number;
  /** Per model: training images (0 = all) and epochs. */
  budget: Record<RunConfig["model"], { trainSize: number; epochs: number }>;
  l2: number[];
  dropout: number[];
  /** Robustness evaluation: test images per model (0 = all 10k), Gaussian grid modes, corruption severities. */
  robustness: { testSubset: Record<RunConfig["model"], number>; gaussianModes: ("clipped" | "unclipped")[]; severities: number[] };
  /** Curvature measurement used for sigma selection (images per batch per model: the CNN's products cost far more per image). */
  sigmaSearch: { batches: number; batchSize: Record<RunConfig["model"], number>; iters: number; tol: number; maxMeasurements: number };
};

export const COMPARE_PRESETS: Record<string, ComparePreset> = {
  /**
   * Minutes, not hours: 2 seeds, training subsets, one L2 and one Dropout strength, 2,000 test
   * images. eta = 0.05 (not the spec's 0.01) so that a short budget reaches a meaningful
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
    sigmaSearch: { batches: 1, batchSize: { mlp: 128, cnn: 32 }, iters: 10, tol: 0.25, maxMeasurements: 6 },
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
    sigmaSearch: { batches: 1, batchSize: { mlp: 64, cnn: 16 }, iters: 5, tol: 0.5, maxMeasurements: 3 },
  },
  /** The spec's protocol: eta 0.01, batch 64, 5 seeds, all L2/Dropout strengths, full data (3 epochs MLP, 2 CNN: the spec gives no epoch count). Hours. */
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
    sigmaSearch: { batches: 2, batchSize: { mlp: 256, cnn: 64 }, iters: 15, tol: 0.15, maxMeasurements: 8 },
  },
};

export type ChosenSigma = { model: string; nin: "input" | "all"; phase: "decay" | "catapult"; target_k: number; sigma: number; k: number; converged: boolean; history: { sigma: number; k: number }[] };

/** Pick the NINR sigmas of one model by measured curvature at its seed-0 initialization. */
export async function chooseSigmas(p: ComparePreset, model: RunConfig["model"], ds: Dataset, log: (s: string) => void = () => {}): Promise<ChosenSigma[]> {
  const out: ChosenSigma[] = [];
  for (const nin of ["input", "all"] as const) {
    const base = resolveConfig({ model, nin, lr: p.lr, batch: p.batch, seed: 0, sigma: 1 });
    const data = prepareData(ds, base);
    const params = initialParams(base);
    for (const phase of ["decay", "catapult"] as const) {
      const measure = kOfSigma(base, params, data.train.images, data.train.labels, { ...p.sigmaSearch, batchSize: p.sigmaSearch.batchSize[model], seed0: 100 });
      const prev = out.find((c) => c.nin === nin);
      const r = await sigmaFor(TARGET_K[phase], measure, { tol: p.sigmaSearch.tol, maxMeasurements: p.sigmaSearch.maxMeasurements, sigma0: prev ? prev.sigma * Math.sqrt(TARGET_K[phase] / prev.k) : 10 });
      log(`  ${model} ${nin === "input" ? "in" : "full"}-NINR ${phase}: sigma ${r.sigma.toPrecision(3)} (k ${r.k.toFixed(2)}, ${r.history.length} measurements${r.converged ? "" : ", not converged"})`);
      out.push({ model, nin, phase, target_k: TARGET_K[phase], sigma: Number(r.sigma.toPrecision(4)), k: r.k, converged: r.converged, history: r.history });
    }
    tree.dispose(params);
  }
  return out;
}

/**
 * CDT noise matched to in-NINR noise at initialization: the same RMS perturbation of what the
 * NIN feeds. Dense first layer (fcNINR): theta_j eps shifts z_j with std sigma |theta_j|, input
 * noise shifts it with std s ||W_j||, so s = sigma * rms(theta) / rms_j ||W_j||. Conv first
 * layer (cNINR): the NIN perturbs the pixels themselves, so s = sigma * rms(theta).
 */
export async function matchedCdt(model: RunConfig["model"], sigma: number, lr: number): Promise<number> {
  const cfg = resolveConfig({ model, nin: "input", sigma, lr, seed: 0 });
  const params: Params = initialParams(cfg);
  const theta = (await params["nin0.theta"].ref.data()) as Float32Array;
  const rms = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0) / v.length);
  let s = sigma * rms(theta);
  if (model === "mlp") {
    const w = params["layer0.weight"];
    const [nOut, nIn] = w.shape; // [n_out, n_in]: row j is unit j's W_j
    const W = (await w.ref.data()) as Float32Array;
    let sq = 0;
    for (let i = 0; i < nIn * nOut; i++) sq += W[i] * W[i];
    s /= Math.sqrt(sq / nOut); // rms over units j of ||W_j||
  }
  tree.dispose(params);
  return Number(s.toPrecision(4));
}

export type MethodSpec = { method: string; model: RunConfig["model"]; config: Partial<RunConfig> };

/** The comparison's methods for one model, with their configs (sigmas and CDT levels resolved). */
export async function compareMethods(p: ComparePreset, model: RunConfig["model"], sigmas: ChosenSigma[], fitSize: number): Promise<MethodSpec[]> {
  const { epochs } = p.budget[model];
  // A budget larger than the data (e.g. on the bundled sample) means "all of it".
  const trainSize = p.budget[model].trainSize >= fitSize ? 0 : p.budget[model].trainSize;
  const base: Partial<RunConfig> = { model, lr: p.lr, batch: p.batch, trainSize, epochs, stepLogEvery: 50 };
  const sig = (nin: string, phase: string) => sigmas.find((s) => s.model === model && s.nin === nin && s.phase === phase)!.sigma;
  const methods: MethodSpec[] = [{ method: "vanilla", model, config: { ...base, nin: "none" } }];
  for (const l2 of p.l2) methods.push({ method: `L2 ${l2}`, model, config: { ...base, nin: "none", l2 } });
  for (const d of p.dropout) methods.push({ method: `Dropout ${d}`, model, config: { ...base, nin: "none", dropout: d } });
  for (const phase of ["decay", "catapult"]) methods.push({ method: `CDT (${phase} level)`, model, config: { ...base, nin: "none", cdt: await matchedCdt(model, sig("input", phase), p.lr) } });
  for (const nin of ["input", "all"] as const)
    for (const phase of ["decay", "catapult"]) methods.push({ method: `${nin === "input" ? "in" : "full"}-NINR ${phase}`, model, config: { ...base, nin, sigma: sig(nin, phase) } });
  return methods;
}

export type CompareJobArgs = {
  method: string;
  config: Partial<RunConfig>;
  testSubset: number;
  gaussianModes: ("clipped" | "unclipped")[];
  severities: number[];
  dataDir?: string;
  allowSample?: boolean;
};

export function compareJobs(p: ComparePreset, methods: MethodSpec[], opts: { dataDir?: string; allowSample?: boolean }): Job[] {
  const jobs: Job[] = [];
  for (const m of methods)
    for (const seed of p.seeds) {
      const args: CompareJobArgs = {
        method: m.method,
        config: { ...m.config, seed },
        testSubset: p.robustness.testSubset[m.model],
        gaussianModes: p.robustness.gaussianModes,
        severities: p.robustness.severities,
        dataDir: opts.dataDir,
        allowSample: opts.allowSample,
      };
      jobs.push({ kind: "compare", args: args as unknown as Record<string, unknown> });
    }
  return jobs;
}
