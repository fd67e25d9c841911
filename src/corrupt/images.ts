/**
 * Shared plumbing for the test-time corruption suite (spec 4, E3): image-shape checks, seed
 * checks, and the per-image RNG scheme.
 *
 * Images are Fashion-MNIST batches: a `Float32Array` of `n * 784` values, row-major 28x28,
 * grayscale, in [0,1] (index `i*784 + r*28 + c` is row `r`, column `c` of image `i`).
 *
 * Per-image randomness: a base `HostRng(seed)` is advanced once per image index, and image `i`
 * draws from `new HostRng(base's i-th nextU32())`, which is exactly the i-th `base.fork()`.
 * So the noise an image receives depends only on (seed, its index, its own pixels), never on
 * the other images in the batch. `firstIndex` lets a caller corrupt a large set in chunks and
 * get bit-identical results to one call on the whole set.
 *
 * Performance note for the kernels in this folder: under tsx / vitest an imported binding read
 * inside a hot loop costs a property load per use (several times slower), so kernels copy
 * imported constants (`PIXELS`, `SIDE`) to locals and inline clip(v, 0, 1).
 */
import { NinrError } from "../errors.ts";
import { HostRng } from "../engine/hostRng.ts";

export const SIDE = 28;
export const PIXELS = SIDE * SIDE;

/** Options shared by every corruption. */
export type CorruptOptions = {
  /** Index (in the full data set) of the first image of `images`; default 0. */
  firstIndex?: number;
};

/** Number of images in `images` [n*784]; throws NinrError when the length is not a multiple of 784. */
export function imageCount(images: Float32Array, what = "images"): number {
  if (!(images instanceof Float32Array)) {
    throw new NinrError(`${what} must be a Float32Array of n*784 pixel values in [0,1]`);
  }
  if (images.length % PIXELS !== 0) {
    throw new NinrError(
      `${what} has ${images.length} values, not a multiple of 784 (28x28 Fashion-MNIST images, row-major)`,
    );
  }
  return images.length / PIXELS;
}

/** Throws NinrError unless `seed` is a finite integer. */
export function checkSeed(seed: number): void {
  if (!Number.isInteger(seed)) {
    throw new NinrError(`corruption seed must be a finite integer, got ${String(seed)}`);
  }
}

export function checkFirstIndex(firstIndex: number): void {
  if (!Number.isInteger(firstIndex) || firstIndex < 0) {
    throw new NinrError(`firstIndex must be a non-negative integer, got ${String(firstIndex)}`);
  }
}

/**
 * Per-image seeds: `seeds[k]` is the seed of image `firstIndex + k`. Creating
 * `new HostRng(seeds[k])` is identical to taking the `(firstIndex + k)`-th `fork()` of
 * `new HostRng(seed)`.
 */
export function imageSeeds(seed: number, n: number, firstIndex = 0): Uint32Array {
  checkSeed(seed);
  checkFirstIndex(firstIndex);
  const base = new HostRng(seed);
  for (let i = 0; i < firstIndex; i++) base.nextU32();
  const seeds = new Uint32Array(n);
  for (let k = 0; k < n; k++) seeds[k] = base.nextU32();
  return seeds;
}

/**
 * Apply a random per-image kernel. `fn(src, dst, rng)` reads one image (`src`, 784 values) and
 * writes its corrupted version into `dst` (784 values, zero-filled); `rng` is that image's own
 * generator. @returns a new [n*784] array.
 */
export function mapImagesRandom(
  images: Float32Array,
  seed: number,
  opts: CorruptOptions,
  fn: (src: Float32Array, dst: Float32Array, rng: HostRng) => void,
): Float32Array {
  const n = imageCount(images);
  const seeds = imageSeeds(seed, n, opts.firstIndex ?? 0);
  const out = new Float32Array(images.length);
  for (let i = 0; i < n; i++) {
    const o = i * PIXELS;
    fn(images.subarray(o, o + PIXELS), out.subarray(o, o + PIXELS), new HostRng(seeds[i]));
  }
  return out;
}

/** Apply a deterministic per-image kernel `fn(src, dst)`. @returns a new [n*784] array. */
export function mapImages(images: Float32Array, fn: (src: Float32Array, dst: Float32Array) => void): Float32Array {
  const n = imageCount(images);
  const out = new Float32Array(images.length);
  for (let i = 0; i < n; i++) {
    const o = i * PIXELS;
    fn(images.subarray(o, o + PIXELS), out.subarray(o, o + PIXELS));
  }
  return out;
}

/** Throws NinrError unless `v` is a finite number satisfying `ok`. */
export function checkParam(name: string, v: number, ok: (v: number) => boolean, rule: string): void {
  if (!Number.isFinite(v) || !ok(v)) {
    throw new NinrError(`${name} must be ${rule}, got ${String(v)}`);
  }
}
