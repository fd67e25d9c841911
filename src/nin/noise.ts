/**
 * How NIN noise is drawn (docs/method.md §1): a NoiseModel turns a key into eps for one site
 * and one batch. White noise is one scalar per sample and NIN, zero mean, variance sigma^2,
 * drawn afresh at every training forward pass. Structured noise (a field per sample over the
 * site's representation) implements the same interface and returns [B, ...site.shape]
 * (src/nin/noiseFields.ts, src/nin/noisePileup.ts; by name: src/nin/noiseRegistry.ts).
 */
import { numpy as np, random } from "@jax-js/jax";
import type { NinSite } from "./sites.ts";

export type NoiseKind = "gaussian" | "uniform";

export interface NoiseModel {
  readonly kind: string;
  /** Standard deviation of eps (per sample for scalar noise, per entry for fields). */
  readonly sigma: number;
  /**
   * true when eps is one scalar per sample ([B]) at every site; false for fields ([B, ...site.shape]),
   * which may still give [B] at a site without structure (the built-in fields do at dense sites).
   */
  readonly scalar: boolean;
  /** eps for one site and batch. Consumes key. */
  sample(key: np.Array, batch: number, site: NinSite): np.Array;
}

/**
 * Draw scalar eps for a batch.
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

/** White scalar noise of one kind and scale. */
export function whiteNoise(kind: NoiseKind, sigma: number): NoiseModel {
  return { kind, sigma, scalar: true, sample: (key, batch) => sampleEps(key, batch, sigma, kind) };
}
