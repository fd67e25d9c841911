/**
 * Building blocks with state, for models beyond plain chains (residual nets): BatchNorm with
 * running statistics. Pure: the new running statistics are returned, never written in place.
 */
import { lax, numpy as np } from "@jax-js/jax";

/**
 * BatchNorm over every axis but the last (channels).
 * Train mode normalises with the batch's mean and (biased) variance and returns running
 * statistics updated as r <- (1 - momentum) r + momentum * batch (PyTorch's convention, with the
 * unbiased variance in the running estimate); eval mode normalises with the running statistics
 * and returns them unchanged.
 * @param x [..., C]; gamma, beta, mean, variance [C]
 * Consumes all arrays.
 */
export function batchNorm(
  x: np.Array,
  p: { gamma: np.Array; beta: np.Array },
  s: { mean: np.Array; variance: np.Array },
  train: boolean,
  opts: { momentum?: number; eps?: number } = {},
): { y: np.Array; mean: np.Array; variance: np.Array } {
  const momentum = opts.momentum ?? 0.1;
  const eps = opts.eps ?? 1e-5;
  const C = x.shape[x.ndim - 1];
  const axes = Array.from({ length: x.ndim - 1 }, (_, i) => i);
  const n = x.size / C;
  let mu: np.Array;
  let v: np.Array;
  let newMean: np.Array;
  let newVar: np.Array;
  if (train) {
    mu = x.ref.mean(axes);
    v = np.square(x.ref.sub(mu.ref)).mean(axes);
    const unbiased = v.ref.mul(n / Math.max(n - 1, 1));
    // Running statistics are not differentiated through.
    newMean = s.mean.mul(1 - momentum).add(lax.stopGradient(mu.ref).mul(momentum));
    newVar = s.variance.mul(1 - momentum).add(lax.stopGradient(unbiased).mul(momentum));
  } else {
    mu = s.mean.ref;
    v = s.variance.ref;
    newMean = s.mean;
    newVar = s.variance;
  }
  const y = x.sub(mu).mul(np.reciprocal(np.sqrt(v.add(eps)))).mul(p.gamma).add(p.beta);
  return { y, mean: newMean, variance: newVar };
}
