/**
 * E1, the phase diagram (docs/method.md §4): a log grid of sigma (optionally of eta too), per model and
 * seed, each point a `phase` job (src/experiments/phaseRun.ts). Presets are data.
 */
import { type OptimizerName, resolveConfig } from "../config.ts";
import type { Dataset } from "../data/dataset.ts";
import { type CurvatureBudget, CURVATURE_BUDGETS, budgetBatchSize } from "../dynamics/budgets.ts";
import { traceSteps } from "../dynamics/kTrace.ts";
import { K_CEILING_RELU } from "../dynamics/predict.ts";
import type { WeightInit } from "../engine/init.ts";
import { NinrError } from "../errors.ts";
import { buildNetwork } from "../models/network.ts";
import { type Job, makeJob } from "./jobs.ts";
import type { PhaseJobSpec } from "./phaseRun.ts";

export type PhasesPreset = {
  name: string;
  models: string[];
  /** Weight-init schemes swept (docs/method.md §1.6: an experimental factor). */
  inits: WeightInit[];
  nin: string;
  /** sigma grid: 10^lo .. 10^hi with `perDecade` points a decade (spec: about 3). */
  sigmaDecades: [number, number];
  perDecade: number;
  lrs: number[];
  seeds: number[];
  epochs: number;
  /** Training images (0 = the whole fit split). */
  trainSize: number;
  batch: number;
  initCurvature: CurvatureBudget;
  traceCurvature: CurvatureBudget;
  testSubset: number;
  ceiling: number;
  /** Optimizer of every run (default plain SGD; docs/method.md §2.3: momentum moves the edge, Adam has none). */
  optimizer?: OptimizerName;
  momentum?: number;
};

const common = {
  inits: ["pytorch"] as WeightInit[],
  nin: "input" as const,
  sigmaDecades: [-1, 3] as [number, number],
  perDecade: 3,
  lrs: [0.01],
  batch: 64,
  initCurvature: CURVATURE_BUDGETS.phaseInit,
  traceCurvature: CURVATURE_BUDGETS.phaseTrace,
  testSubset: 1000,
  ceiling: K_CEILING_RELU,
};

export const PHASES_PRESETS: Record<string, PhasesPreset> = {
  /** One seed of the MLP, one pass over 20k images (312 steps): within 10 minutes on 2 cores. */
  quick: { ...common, name: "quick", models: ["mlp"], seeds: [0], epochs: 1, trainSize: 20000 },
  /** Seconds, for tests and CI smoke runs: tiny curvature budgets, 200 test images. Not science. */
  smoke: {
    ...common,
    name: "smoke",
    models: ["mlp"],
    seeds: [0],
    // eta 0.05: at 0.01, 10 steps on 640 images end near chance and read as "divergent".
    lrs: [0.05],
    epochs: 1,
    trainSize: 640,
    initCurvature: CURVATURE_BUDGETS.smokeInit,
    traceCurvature: CURVATURE_BUDGETS.smokeTrace,
    testSubset: 200,
  },
  /** The full grid: MLP and CNN, 5 seeds, 2 epochs on the whole fit split. Hours. */
  paper: { ...common, name: "paper", models: ["mlp", "cnn"], seeds: [0, 1, 2, 3, 4], epochs: 2, trainSize: 0 },
};

/** 10^lo .. 10^hi, `perDecade` points a decade, rounded to 3 significant digits. */
export function logGrid(lo: number, hi: number, perDecade: number): number[] {
  const n = Math.round((hi - lo) * perDecade);
  return Array.from({ length: n + 1 }, (_, i) => Number((10 ** (lo + i / perDecade)).toPrecision(3)));
}

export { traceSteps };

/** The phase jobs of a preset on a dataset (`fitSize`: its training images after the holdout). */
export function phaseJobs(p: PhasesPreset, info: Pick<Dataset, "inputShape" | "classes">, opts: { fitSize: number; sigmas?: number[] }): Job<"phase">[] {
  const sigmas = opts.sigmas ?? logGrid(p.sigmaDecades[0], p.sigmaDecades[1], p.perDecade);
  if (sigmas.length === 0) throw new NinrError("phases: the sigma grid is empty");
  const nTrain = p.trainSize > 0 ? Math.min(p.trainSize, opts.fitSize) : opts.fitSize;
  const steps = Math.floor(nTrain / p.batch) * p.epochs;
  const jobs: Job<"phase">[] = [];
  for (const model of p.models)
    for (const init of p.inits) {
      const net = buildNetwork(resolveConfig({ model, nin: p.nin, init }), info);
      const ic = p.initCurvature;
      const tc = p.traceCurvature;
      for (const lr of p.lrs)
        for (const sigma of sigmas)
          for (const seed of p.seeds) {
            const spec: PhaseJobSpec = {
              config: {
                model, init, nin: p.nin, sigma, lr, seed, epochs: p.epochs, batch: p.batch, trainSize: p.trainSize > 0 ? nTrain : 0,
                // Only when not plain SGD, so the hashes (identities) of plain-SGD points stay as they were.
                ...(p.optimizer && p.optimizer !== "sgd" ? { optimizer: p.optimizer } : {}),
                ...(p.momentum ? { momentum: p.momentum } : {}),
              },
              traceSteps: traceSteps(steps),
              initCurvature: { batches: ic.batches, batchSize: budgetBatchSize(ic, net), iters: ic.iters },
              traceCurvature: { batchSize: budgetBatchSize(tc, net), iters: tc.iters },
              testSubset: p.testSubset,
              ceiling: p.ceiling,
            };
            jobs.push(makeJob("phase", spec));
          }
    }
  return jobs;
}
