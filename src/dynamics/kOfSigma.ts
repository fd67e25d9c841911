/**
 * k = eta * lambda_noise as a function of sigma at fixed params: what the sigma searches of
 * `ninr compare`, `ninr detector` and the demo measure (docs/method.md §2, practical recipe).
 *
 * One curvature meter serves every sigma of a search: in the default noise mode (evaluated at
 * the sampled eps, hvp.ts) the noise-GN products depend on sigma only through the eps arrays,
 * which are inputs of the compiled Lanczos chunks (chunkedTop.ts). So the chunks compile once
 * per batch shape and every further measurement replays them. A fresh eager set-up per sigma
 * (the old way) cost 179 s per measurement on ResNet-18 (width 4, batch 32, 4 Lanczos steps);
 * the shared compiled meter 38 s for the first and about 6 s for every later one. Warm starts
 * are off: each measurement starts from its own seed's random vector, as a one-off
 * measureCurvature does, so a measurement is the same number (to float32 rounding) whichever
 * measurements came before it.
 */
import type { RunConfig } from "../config.ts";
import type { Dataset, Split } from "../data/dataset.ts";
import type { ModelState, Params } from "../models/model.ts";
import { buildNetwork } from "../models/network.ts";
import { curvatureBatches, curvatureModelFor, disposeBatches, makeCurvatureMeter } from "./curvature.ts";

export type SigmaBudget = { batches: number; batchSize: number; iters: number };

export type SigmaMeter = {
  /**
   * k at `sigma` on `budget.batches` batches of the split drawn with HostRng(seed), each with
   * fresh noise at sigma from the same seed (the numbers measureCurvature gives for
   * { ...cfg, sigma } with that seed).
   */
  k(sigma: number, seed: number): Promise<number>;
  dispose(): void;
};

/** A meter for the network of `cfg` (its NIN placement and noise kind; its sigma is ignored). Borrows params, state and split. */
export function makeSigmaMeter(cfg: RunConfig, info: Pick<Dataset, "inputShape" | "classes">, params: Params, state: ModelState, split: Split, budget: SigmaBudget): SigmaMeter {
  const meter = makeCurvatureMeter(curvatureModelFor(cfg, info), {
    iters: budget.iters,
    which: { noise: true, hessian: false, niw: false },
    timeGradient: false,
    warmStart: false,
    compiled: true,
  });
  return {
    async k(sigma, seed) {
      const data = curvatureBatches(info, split, budget.batches, budget.batchSize, seed);
      try {
        const r = await meter.measure(params, state, data, { lr: cfg.lr, seed, noise: buildNetwork({ ...cfg, sigma }, info) });
        return r.k ?? 0;
      } finally {
        disposeBatches(data);
      }
    },
    dispose: () => meter.dispose(),
  };
}

/**
 * The measurement `sigmaFor` searches with: the i-th call measures on batches and noise from
 * seed `budget.seed(i)`. Borrows params, state and split; call `dispose()` when done.
 */
export function kOfSigma(
  cfg: RunConfig,
  info: Pick<Dataset, "inputShape" | "classes">,
  params: Params,
  state: ModelState,
  split: Split,
  budget: SigmaBudget & { seed: (i: number) => number },
): ((sigma: number) => Promise<number>) & { dispose(): void } {
  const meter = makeSigmaMeter(cfg, info, params, state, split, budget);
  let n = 0;
  return Object.assign((sigma: number) => meter.k(sigma, budget.seed(n++)), { dispose: () => meter.dispose() });
}
