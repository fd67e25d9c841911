/**
 * The four phase presets, chosen from the measured curvature at initialization like `ninr demo`
 * chooses its sigma (src/experiments/demo.ts): for the current eta, placement, noise and seed,
 * search sigma so that k = eta * lambda_noise hits the preset's target k (src/dynamics/predict.ts
 * `sigmaFor`, measuring with `kOfSigma` on the run's own initial parameters). The targets sit well
 * inside each phase of `predictPhase` (docs/method.md §2) even 20% off: decoupled k * steps = 0.3
 * (< 3), decay k = 0.5 (< 2, k * steps >= 3), catapult k = 9 (2 <= k < 12), divergent k = 60
 * (above the ReLU ceiling 12).
 */
import { tree } from "@jax-js/jax";
import type { Dataset } from "../../src/data/dataset.ts";
import { kOfSigma } from "../../src/dynamics/kOfSigma.ts";
import { type Phase, type SigmaSearchResult, predictPhase, sigmaFor } from "../../src/dynamics/predict.ts";
import { streamSeed } from "../../src/engine/keys.ts";
import { initialParams } from "../../src/train/loop.ts";
import { prepareData } from "../../src/train/prepare.ts";
import { PLAYGROUND, runConfig } from "./liveRun.ts";
import { FIELDS, type PresetName, type Settings } from "./state.ts";

/**
 * A preset: the settings it fixes (everything but sigma; seed, noise kind and test noise stay the
 * user's) and the k it aims at. Recipes measured on the bundled sample with the observed-phase
 * classifier (2026-12-02, seed 0): with NINs on the input the output coupling ||J theta|| has a
 * floor (most of the 784 input directions are nearly flat), so in-NINR shows no decay within a
 * short run; a NIN before the logit layer alone, its NIWs started coupled at N(0, 0.3^2), decays
 * 20-30x with a time constant of 11-25 steps at k = 0.13-0.6. The catapult: logit-layer NIN with
 * the default NIWs, k = 7.9 and 10.9 rose and fell below 2 (k = 5.5 did not rise 1.2x).
 */
export type PresetRecipe = {
  targetK: (steps: number) => number;
  settings: Partial<Settings>;
  /** Where the sigma search starts (seed 0's answer: one or two measurements instead of four to six). */
  sigma0: number;
};

export const PRESET_RECIPES: Record<PresetName, PresetRecipe> = {
  decoupled: { targetK: (steps) => 0.3 / steps, settings: { placement: "all", thetaInit: "normal", thetaScale: 0.3, eta: 0.05, steps: 100 }, sigma0: 0.5 },
  decay: { targetK: () => 0.5, settings: { placement: "logit", thetaInit: "normal", thetaScale: 0.3, eta: 0.05, steps: 60 }, sigma0: 7 },
  catapult: { targetK: () => 9, settings: { placement: "logit", thetaInit: "default", eta: 0.05, steps: 100 }, sigma0: 30 },
  divergent: { targetK: () => 60, settings: { placement: "all", thetaInit: "normal", thetaScale: 0.3, eta: 0.05, steps: 100 }, sigma0: 190 },
};

/** Target k of each preset for a run of `steps` steps. */
export function presetTargetK(preset: PresetName, steps: number): number {
  return PRESET_RECIPES[preset].targetK(steps);
}

/** Search budget: the demo's (one batch of 256, 10 Lanczos steps), at most 6 measurements, within 20%. */
export const PRESET_SEARCH = { batches: 1, batchSize: 256, iters: 10, tol: 0.2, maxMeasurements: 6 };

/** The settings a preset measures at: the user's, with the recipe's fixed settings over them. */
export function presetBase(base: Settings, preset: PresetName): Settings {
  return { ...base, ...PRESET_RECIPES[preset].settings, preset };
}

/** The settings a preset runs with: its base and the found sigma (3 digits, clamped to the slider's range). */
export function presetSettings(base: Settings, preset: PresetName, sigma: number): Settings {
  const s = Math.min(FIELDS.sigma.max, Math.max(FIELDS.sigma.min, Number(sigma.toPrecision(3))));
  return { ...presetBase(base, preset), sigma: s };
}

/** The phase the found k predicts (the preset is honest when this is the preset's phase). */
export function predictedForPreset(k: number, steps: number): Phase {
  return predictPhase({ k, steps, ceiling: PLAYGROUND.ceiling });
}

/**
 * k(sigma) at the initialization of the run `base` would start from (a preset's `presetBase`;
 * borrowing nothing: the parameters are made here and released by `dispose`).
 */
export function kMeter(base: Settings, ds: Dataset): { measure: (sigma: number) => Promise<number>; dispose: () => void } {
  const cfg = runConfig(base);
  const { params, state } = initialParams(cfg, ds);
  const fit = prepareData(ds, cfg).train;
  const measure = kOfSigma(cfg, ds, params, state, fit, {
    batches: PRESET_SEARCH.batches,
    batchSize: Math.min(PRESET_SEARCH.batchSize, fit.n),
    iters: PRESET_SEARCH.iters,
    seed: (i) => streamSeed(cfg.seed, `playground/preset-search/${i}`),
  });
  return {
    measure,
    dispose: () => {
      measure.dispose();
      tree.dispose(params);
      tree.dispose(state);
    },
  };
}

/** sigma for a preset from measurements (`measure` = k at sigma; k grows with sigma). */
export async function searchPresetSigma(preset: PresetName, steps: number, measure: (sigma: number) => Promise<number>): Promise<SigmaSearchResult> {
  return sigmaFor(presetTargetK(preset, steps), measure, {
    sigma0: PRESET_RECIPES[preset].sigma0,
    tol: PRESET_SEARCH.tol,
    maxMeasurements: PRESET_SEARCH.maxMeasurements,
    sigmaMin: FIELDS.sigma.min,
    sigmaMax: FIELDS.sigma.max,
  });
}
