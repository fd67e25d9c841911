/**
 * NIN noise (spec 1): one scalar eps per sample and per NIN, zero mean, variance sigma^2,
 * drawn from an explicit jax-js PRNG key at every training forward pass.
 */
import { numpy as np, random } from "@jax-js/jax";
import type { NoiseKind } from "../config.ts";

/**
 * Draw eps for a batch.
 * @param key a jax-js PRNG key (consumed)
 * @returns [batch] float32, mean 0, variance sigma^2. "uniform" is U(-sqrt(3) sigma, sqrt(3) sigma),
 *   which has the same variance as the Gaussian.
 */
export function sampleEps(key: np.Array, batch: number, sigma: number, kind: NoiseKind): np.Array {
  if (kind === "uniform") {
    const a = Math.sqrt(3) * sigma;
    return random.uniform(key, [batch], { minval: -a, maxval: a });
  }
  return random.normal(key, [batch]).mul(sigma);
}
