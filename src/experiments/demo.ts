/**
 * The demo's protocol (`ninr demo`, the main job): a vanilla and an in-NINR MLP trained alike,
 * the NINR sigma chosen from measured curvature for k = eta * lambda_noise ~ 1 (decay phase,
 * docs/method.md §2 "practical recipe"), both evaluated on clean and Gaussian-noisy test images.
 * Settings are RunConfig keys over the schema's defaults; eta 0.05 and 3 epochs are ours, so a
 * two-minute run reaches a meaningful accuracy.
 */
import { tree } from "@jax-js/jax";
import { type RunConfig, resolveConfig } from "../config.ts";
import type { Dataset } from "../data/dataset.ts";
import { CURVATURE_BUDGETS, budgetBatchSize } from "../dynamics/budgets.ts";
import { kOfSigma } from "../dynamics/kOfSigma.ts";
import { type SigmaSearchResult, TARGET_K, sigmaFor } from "../dynamics/predict.ts";
import { streamSeed } from "../engine/keys.ts";
import { buildNetwork } from "../models/network.ts";
import { initialParams } from "../train/loop.ts";
import { prepareData } from "../train/prepare.ts";

export const DEMO = {
  config: { model: "mlp", lr: 0.05, epochs: 3, seed: 0, batch: 64 } satisfies Partial<RunConfig>,
  /** Test-noise strengths s of x + N(0, s^2), clipped to the data range. */
  testNoise: [0, 0.1, 0.2, 0.3, 0.5, 0.75, 1],
  sigmaBudget: CURVATURE_BUDGETS.demoSigma,
  /** First sigma the search measures at. */
  sigma0: 30,
};

/** The in-NINR sigma for k ~ 1 at the run's initialization. */
export async function demoSigma(base: Partial<RunConfig>, ds: Dataset): Promise<SigmaSearchResult> {
  const probe = resolveConfig({ ...base, nin: "input", sigma: 1 });
  const { params, state } = initialParams(probe, ds);
  const fit = prepareData(ds, probe).train;
  const b = DEMO.sigmaBudget;
  const measure = kOfSigma(probe, ds, params, state, fit, { batches: b.batches, batchSize: budgetBatchSize(b, buildNetwork(probe, ds)), iters: b.iters, seed: (i) => streamSeed(probe.seed, `demo/sigma-search/${i}`) });
  try {
    return await sigmaFor(TARGET_K.decay, measure, { sigma0: DEMO.sigma0, tol: b.tol, maxMeasurements: b.maxMeasurements });
  } finally {
    measure.dispose();
    tree.dispose(params);
    tree.dispose(state);
  }
}
