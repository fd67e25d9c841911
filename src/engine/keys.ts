/**
 * Randomness from explicit keys (docs/method.md §7, "Reproducibility"). Two kinds of random
 * streams exist in the toolkit, and both start from the run's seed:
 *
 *   jax-js PRNG keys  for draws on the device (initialisation, NIN noise, dropout, CDT);
 *                     split positionally with `splitN`;
 *   HostRng           for host-side draws (batch order, subsets, corruption noise, curvature
 *                     batches), seeded by `streamSeed(seed, name)`.
 *
 * `streamSeed` gives every consumer its own named stream ("curvature/trace-batch",
 * "demo/test-noise/3", ...) so that adding or removing one consumer never shifts another's
 * draws, and no seed is an arithmetic offset of another (`seed + 7919` style offsets collide:
 * seed 7919's stream 0 is seed 0's stream 1).
 */
import { numpy as np, random } from "@jax-js/jax";

/** Split a jax-js key into n keys (consumes `key`). */
export function splitN(key: np.Array, n: number): np.Array[] {
  const keys = random.split(key, n);
  const out: np.Array[] = [];
  for (let i = 0; i < n; i++) out.push(keys.ref.slice(i));
  keys.dispose();
  return out;
}

/**
 * A 31-bit seed for the stream `name` of the run seeded `seed`: FNV-1a over "seed/name",
 * finished with a murmur3 mix so nearby inputs give unrelated seeds. Pure and platform-stable.
 */
export function streamSeed(seed: number, name: string): number {
  let h = 0x811c9dc5;
  for (const ch of `${seed}/${name}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) & 0x7fffffff;
}

/** A jax-js key for the named stream of a run seed (`random.key(streamSeed(seed, name))`). */
export function streamKey(seed: number, name: string): np.Array {
  return random.key(streamSeed(seed, name));
}
