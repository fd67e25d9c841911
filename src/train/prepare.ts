/**
 * The data a run trains on: the holdout (for selection; docs/method.md §4: 5,000 of the 60,000
 * training images, at most 10% on small data), then an optional training subset.
 */
import { DEFAULT_CONFIG, type RunConfig } from "../config.ts";
import type { Dataset, Split } from "../data/dataset.ts";
import { holdout as holdoutSplit, holdoutIndices, subset } from "../data/split.ts";
import { streamSeed } from "../engine/keys.ts";
import { NinrError } from "../errors.ts";
import { type Network, buildNetwork } from "../models/network.ts";

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
export function checkDataLimits(ds: Pick<Dataset, "train" | "name" | "inputShape" | "classes">, cfg: RunConfig): void {
  checkMemory(buildNetwork(cfg, ds), cfg.batch);
  const fit = fitSize(ds, cfg.holdout);
  if (cfg.trainSize > fit) throw new NinrError(`--train-size ${cfg.trainSize} is larger than the ${fit} training images of ${ds.name} left after the holdout; use --train-size <= ${fit} (0 = all)`);
  const n = cfg.trainSize > 0 ? cfg.trainSize : fit;
  if (n < cfg.batch) throw new NinrError(`--batch ${cfg.batch} is larger than the ${n} training images; use --batch <= ${n}`);
}

/** jax-js's Wasm backend addresses 4 GiB; leave room for the data, compiled kernels and the runtime. */
const MEMORY_BUDGET = 3 * 2 ** 30;

/**
 * A rough lower bound of the device memory a training run needs, checked before anything is
 * computed: float32 parameters about five times over (values, gradients, updates, optimizer
 * state, the step's copies) and, per sample of a batch, every NIN-site representation about
 * eight times over (forward, backward, probe). A network over the budget is a NinrError naming
 * the sizes, instead of a Wasm RangeError or an out-of-memory abort minutes later.
 */
export function checkMemory(net: Network, batch: number): void {
  const nParams = Object.values(net.shapes().params).reduce((s, shape) => s + shape.reduce((a, b) => a * b, 1), 0);
  const perSample = net.model.sites.reduce((s, site) => s + site.shape.reduce((a, b) => a * b, 1), 0);
  const bytes = 4 * (5 * nParams + 8 * batch * perSample);
  if (bytes > MEMORY_BUDGET)
    throw new NinrError(
      `the network has ${nParams.toExponential(2)} parameters and ${perSample.toExponential(2)} activations a sample: training it at batch ${batch} needs at least ${(bytes / 2 ** 30).toFixed(1)} GiB, ` +
        `more than the ${MEMORY_BUDGET / 2 ** 30} GiB jax-js's Wasm backend can use; use smaller --widths or --batch`,
    );
}

/** The fit / holdout indices into `nTrain` training images that prepareData() splits on (scripts/oracle-start.ts exports them). */
export function fitHoldoutIndices(nTrain: number, holdout: number): { fit: Int32Array; holdout: Int32Array } {
  return holdoutIndices(nTrain, holdoutSize(nTrain, holdout), HOLDOUT_SEED);
}

/** Split a dataset as the config asks: holdout (at most 10% of train), then an optional subset. */
export function prepareData(ds: Dataset, cfg: RunConfig): TrainData {
  const nHold = holdoutSize(ds.train.n, cfg.holdout);
  const { fit, holdout } = nHold > 0 ? holdoutSplit(ds.train, nHold, HOLDOUT_SEED) : { fit: ds.train, holdout: undefined };
  const train = cfg.trainSize > 0 ? subset(fit, cfg.trainSize, streamSeed(cfg.seed, "data/subset")) : fit;
  return { train, test: ds.test, holdout };
}
