/**
 * The data a run trains on: the holdout (for selection; docs/method.md §4: 5,000 of the 60,000
 * training images, at most 10% on small data), then an optional training subset.
 */
import { DEFAULT_CONFIG, type RunConfig } from "../config.ts";
import type { Dataset, Split } from "../data/dataset.ts";
import { holdout as holdoutSplit, subset } from "../data/split.ts";
import { streamSeed } from "../engine/keys.ts";
import { NinrError } from "../errors.ts";

export type TrainData = { train: Split; test: Split; holdout?: Split };

/** The holdout is drawn with a fixed seed so every run of an experiment selects on the same images. */
const HOLDOUT_SEED = 0;

/** Images held out for selection from `nTrain` training images: `holdout`, at most 10%. */
function holdoutSize(nTrain: number, holdout: number): number {
  return Math.min(holdout, Math.floor(nTrain / 10));
}

/** Training images left for fitting after the holdout (what `trainSize` budgets draw from). */
export function fitSize(ds: Pick<Dataset, "train">, holdout = DEFAULT_CONFIG.holdout): number {
  return ds.train.n - holdoutSize(ds.train.n, holdout);
}

/**
 * Check the config's data-dependent limits before anything is computed or written: the
 * training subset must fit in the fit split and hold at least one batch.
 */
export function checkDataLimits(ds: Pick<Dataset, "train" | "name">, cfg: RunConfig): void {
  const fit = fitSize(ds, cfg.holdout);
  if (cfg.trainSize > fit) throw new NinrError(`--train-size ${cfg.trainSize} is larger than the ${fit} training images of ${ds.name} left after the holdout; use --train-size <= ${fit} (0 = all)`);
  const n = cfg.trainSize > 0 ? cfg.trainSize : fit;
  if (n < cfg.batch) throw new NinrError(`--batch ${cfg.batch} is larger than the ${n} training images; use --batch <= ${n}`);
}

/** Split a dataset as the config asks: holdout (at most 10% of train), then an optional subset. */
export function prepareData(ds: Dataset, cfg: RunConfig): TrainData {
  const nHold = holdoutSize(ds.train.n, cfg.holdout);
  const { fit, holdout } = nHold > 0 ? holdoutSplit(ds.train, nHold, HOLDOUT_SEED) : { fit: ds.train, holdout: undefined };
  const train = cfg.trainSize > 0 ? subset(fit, cfg.trainSize, streamSeed(cfg.seed, "data/subset")) : fit;
  return { train, test: ds.test, holdout };
}
