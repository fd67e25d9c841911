/**
 * The k(t) trace of a training run (docs/method.md §2.6): k = eta * lambda_noise measured at
 * log-spaced steps (dense early, where catapults resolve in tens of steps; sparse later; always
 * the end), each on one fixed batch of training images with fresh noise: the cheap estimate of
 * CURVATURE_BUDGETS.phaseTrace. Used by `ninr train` (src/experiments/trainJob.ts); the E1 phase
 * jobs trace the same steps.
 */
import type { RunConfig } from "../config.ts";
import { type Dataset, type Split, deviceBatch } from "../data/dataset.ts";
import { HostRng } from "../engine/hostRng.ts";
import { streamSeed } from "../engine/keys.ts";
import type { ModelState, Params } from "../models/model.ts";
import { buildNetwork } from "../models/network.ts";
import { CURVATURE_BUDGETS, budgetBatchSize } from "./budgets.ts";
import { curvatureModelFor, makeCurvatureMeter } from "./curvature.ts";

/** Trace times: dense early (catapults resolve in tens of steps), sparser later, always the end. */
export function traceSteps(totalSteps: number): number[] {
  const base = [0, 2, 5, 10, 20, 35, 60, 100, 160, 250, 400, 650, 1000, 1600, 2500, 4000, 6500, 10000, 16000, 25000, 40000, 65000, 100000];
  const t = base.filter((s) => s < totalSteps);
  t.push(totalSteps);
  return t;
}

export type KTracer = {
  /** The steps (updates made) at which k is measured; 0 is the initial measurement, not re-measured here. */
  steps: number[];
  /** k on the fixed batch after `step` updates. Borrows params and state. */
  measure(step: number, params: Params, state: ModelState): Promise<number>;
  dispose(): void;
};

/** A tracer for a run of `totalSteps` steps on `split` of `ds` (the batch is drawn from the run seed's own stream). */
export function makeKTracer(cfg: RunConfig, ds: Dataset, split: Split, totalSteps: number, clock?: () => number): KTracer {
  const budget = CURVATURE_BUDGETS.phaseTrace;
  const batchSize = Math.min(budgetBatchSize(budget, buildNetwork(cfg, ds)), split.n);
  const idx = new HostRng(streamSeed(cfg.seed, "train/k-trace-batch")).permutation(split.n).slice(0, batchSize);
  const meter = makeCurvatureMeter(curvatureModelFor(cfg, ds), { iters: budget.iters, batches: 1, which: { noise: true, hessian: false, niw: false }, timeGradient: false, clock });
  return {
    steps: traceSteps(totalSteps),
    async measure(step, params, state) {
      const b = deviceBatch(ds, split, idx);
      try {
        const r = await meter.measure(params, state, [b], { lr: cfg.lr, seed: streamSeed(cfg.seed, `train/k-trace-noise/${step}`) }); // borrows the batch
        return r.k ?? 0;
      } finally {
        b.x.dispose();
        b.y.dispose();
      }
    },
    dispose: () => meter.dispose(),
  };
}
