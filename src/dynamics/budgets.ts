/**
 * Every curvature budget the toolkit uses, in one place: how many batches of how many samples,
 * and how many Lanczos matvecs, each measurement gets. Networks with convolutional NIN sites
 * take `convBatchSize` samples a batch instead (their products cost about 10x more per image;
 * bench/README.md), so no budget is keyed by a model's name.
 */
import type { Network } from "../models/network.ts";

export type CurvatureBudget = {
  batches: number;
  batchSize: number;
  /** Samples per batch for networks with conv sites. */
  convBatchSize: number;
  iters: number;
  /** Relative tolerance of the sigma search (sigma-selection budgets only). */
  tol?: number;
  /** Measurements at most in a sigma search (sigma-selection budgets only). */
  maxMeasurements?: number;
};

export const CURVATURE_BUDGETS = {
  /** `ninr train`: k at the start and the end of a NINR run. */
  train: { batches: 2, batchSize: 256, convBatchSize: 64, iters: 15 },
  /** E1 phase jobs: all three numbers at initialization. */
  phaseInit: { batches: 2, batchSize: 256, convBatchSize: 64, iters: 15 },
  /** E1 phase jobs: the cheap k(t) trace, one fixed batch with fresh noise each time. */
  phaseTrace: { batches: 1, batchSize: 128, convBatchSize: 64, iters: 8 },
  /** The demo's sigma choice. */
  demoSigma: { batches: 1, batchSize: 256, convBatchSize: 64, iters: 10, tol: 0.2, maxMeasurements: 6 },
  /** Sigma selection of the comparison presets. */
  compareSigmaQuick: { batches: 1, batchSize: 128, convBatchSize: 32, iters: 10, tol: 0.25, maxMeasurements: 6 },
  compareSigmaPaper: { batches: 2, batchSize: 256, convBatchSize: 64, iters: 15, tol: 0.15, maxMeasurements: 8 },
  /** Seconds-long budgets for the smoke presets (tests, CI). Not science. */
  smokeInit: { batches: 1, batchSize: 64, convBatchSize: 16, iters: 5 },
  smokeTrace: { batches: 1, batchSize: 64, convBatchSize: 16, iters: 4 },
  smokeSigma: { batches: 1, batchSize: 64, convBatchSize: 16, iters: 5, tol: 0.5, maxMeasurements: 3 },
} satisfies Record<string, CurvatureBudget>;

/** Samples per batch of a budget for this network. */
export function budgetBatchSize(b: CurvatureBudget, net: Pick<Network, "model">): number {
  return net.model.sites.some((s) => s.kind === "conv") ? b.convBatchSize : b.batchSize;
}
