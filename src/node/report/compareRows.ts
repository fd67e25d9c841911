/**
 * The row type of the comparison tables and the grouping by model and init, shared by the
 * compare report and poster.md.
 */
import { WEIGHT_INITS, type WeightInit } from "../../engine/init.ts";
import type { MethodFamily } from "../../experiments/compare.ts";

/** Epochs over which the report measures how much the holdout accuracy still rises at the end of training. */
export const HOLDOUT_TAIL = 5;

export type CompareRow = {
  method: string;
  /** L2, Dropout, CDT (fixed levels) are grids; the others single rows (null: a name this version does not know). */
  family: MethodFamily | null;
  model: string;
  init: string;
  seeds: number;
  /** NINR sigma per seed (in seed order), null for methods without NINs. */
  sigma_per_seed: number[] | null;
  /** CDT training-noise std per seed, null without CDT. */
  cdt_per_seed: number[] | null;
  /** k = eta * lambda_noise at initialization the sigma was chosen for (for matched CDT: the in-NINR sigma it is matched to), over seeds. */
  k_init_mean: number | null;
  k_init_std: number | null;
  /** Seeds whose sigma search did not reach its tolerance. */
  sigma_unconverged: number;
  clean_acc_mean: number;
  clean_acc_std: number;
  /** Final holdout accuracy over seeds (NaN without a holdout). */
  holdout_acc_mean: number;
  holdout_acc_std: number;
  /** In a grid family: whether this strength has the best mean holdout accuracy of its grid for this model and init; null outside grids. */
  holdout_choice: boolean | null;
  epochs: number | null;
  /** 1-based epoch of the highest holdout accuracy, over seeds. */
  peak_epoch_mean: number;
  peak_epoch_std: number;
  peak_holdout_mean: number;
  peak_holdout_std: number;
  /** Seeds whose holdout accuracy peaked at their last epoch (still rising: maybe not converged). */
  peak_at_last_epoch: number;
  /** Holdout accuracy gained over the last HOLDOUT_TAIL epochs (last minus HOLDOUT_TAIL before it), over seeds with a curve that long; NaN without. */
  holdout_tail_gain_mean: number;
  holdout_tail_gain_std: number;
  /** Mean holdout accuracy per epoch over the seeds that have that epoch (index 0 = epoch 1); empty without curves. */
  holdout_curve_mean: number[];
  /** Test noise s -> mean and std accuracy over seeds, unclipped (the spec's metric) and clipped to [0,1]; "0" is clean. */
  gaussian_unclipped_acc: Record<string, number>;
  gaussian_unclipped_std: Record<string, number>;
  gaussian_clipped_acc: Record<string, number>;
  gaussian_clipped_std: Record<string, number>;
  corruption_mean_acc: number | null;
  corruption_mean_std: number | null;
  per_corruption_acc: Record<string, number>;
  /** Sum of corruption errors relative to vanilla's (same model, init and seed), mean over seeds. */
  relative_corruption_error: number | null;
  diverged_runs: number;
  /** Each seed's clean and test-noise accuracies, for paired per-seed differences (src/node/report/verdicts.ts). */
  per_seed: SeedAccuracies[];
};

/** One seed's accuracies of one row: clean, and test noise s -> accuracy, unclipped and clipped. */
export type SeedAccuracies = { seed: number; clean: number; unclipped: Record<string, number>; clipped: Record<string, number> };

/**
 * The (model, init) groups of rows or runs: models in order of first appearance, and within a
 * model the inits in WEIGHT_INITS order (unknown names last), so a report does not depend on the
 * order in which run folders are listed.
 */
export function compareGroups<T extends { model: string; init: string }>(xs: T[]): { model: string; init: string }[] {
  const seen = new Map<string, { model: string; init: string }>();
  for (const x of xs) if (!seen.has(`${x.model}/${x.init}`)) seen.set(`${x.model}/${x.init}`, { model: x.model, init: x.init });
  const models = [...new Set(xs.map((x) => x.model))];
  const rank = (init: string) => (WEIGHT_INITS.includes(init as WeightInit) ? WEIGHT_INITS.indexOf(init as WeightInit) : WEIGHT_INITS.length);
  return [...seen.values()].sort((a, b) => models.indexOf(a.model) - models.indexOf(b.model) || rank(a.init) - rank(b.init));
}
