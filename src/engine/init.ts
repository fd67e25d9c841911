/**
 * Weight initialisation schemes (docs/method.md §1, "Weight initialization"), as array tools: an experimental
 * factor of NINR, since the curvature at a given sigma, and how robust the vanilla network is to
 * begin with, depend on it.
 *
 *   pytorch         W, b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))  (PyTorch's nn.Linear/Conv2d default; variance 1/(3 fan_in))
 *   he-normal       W ~ N(0, 2/fan_in), b = 0
 *   he-uniform      W ~ U(-sqrt(6/fan_in), sqrt(6/fan_in)), b = 0   (variance 2/fan_in)
 *   glorot-uniform  W ~ U(-sqrt(6/(fan_in+fan_out)), ...), b = 0
 */
import { numpy as np, random } from "@jax-js/jax";

export type WeightInit = "pytorch" | "he-normal" | "he-uniform" | "glorot-uniform";
export const WEIGHT_INITS: readonly WeightInit[] = ["pytorch", "he-normal", "he-uniform", "glorot-uniform"];

/** Weights of `shape` for a layer with these fans. Consumes key. */
export function drawWeight(key: np.Array, shape: number[], fan: { in: number; out: number }, scheme: WeightInit): np.Array {
  switch (scheme) {
    case "pytorch": {
      const b = 1 / Math.sqrt(fan.in);
      return random.uniform(key, shape, { minval: -b, maxval: b });
    }
    case "he-normal":
      return random.normal(key, shape).mul(Math.sqrt(2 / fan.in));
    case "he-uniform": {
      const b = Math.sqrt(6 / fan.in);
      return random.uniform(key, shape, { minval: -b, maxval: b });
    }
    case "glorot-uniform": {
      const b = Math.sqrt(6 / (fan.in + fan.out));
      return random.uniform(key, shape, { minval: -b, maxval: b });
    }
  }
}

/** Biases of `shape`: PyTorch's U(-1/sqrt(fan_in), 1/sqrt(fan_in)), zeros for the other schemes. Consumes key. */
export function drawBias(key: np.Array, shape: number[], fanIn: number, scheme: WeightInit): np.Array {
  if (scheme === "pytorch") {
    const b = 1 / Math.sqrt(fanIn);
    return random.uniform(key, shape, { minval: -b, maxval: b });
  }
  key.dispose();
  return np.zeros(shape);
}
