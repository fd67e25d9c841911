/**
 * Additive Gaussian test noise (docs/method.md §4, E3): x + N(0, s^2), optionally clipped to [0,1].
 * Pure: returns a new array; the draw comes from the given seed. Shape-agnostic: one draw per
 * value, in memory order, from a single stream (per-image streams: `gaussianNoise` in noise.ts).
 */
import { HostRng } from "../engine/hostRng.ts";

/** @param images any number of values (e.g. [n*h*w*c] NHWC) in [0,1]; @returns a corrupted copy */
export function addGaussianNoise(images: Float32Array, s: number, seed: number, clip = false): Float32Array {
  const rng = new HostRng(seed);
  const out = new Float32Array(images.length);
  for (let i = 0; i < images.length; i++) {
    const v = images[i] + s * rng.normal();
    out[i] = clip ? Math.min(1, Math.max(0, v)) : v;
  }
  return out;
}
