/**
 * Shared plumbing for the test-time corruption suite (docs/method.md §4, E3): image-shape checks, seed
 * checks, and the per-image RNG scheme.
 *
 * Images are a batch of `n` images of one `ImageShape` {h, w, c}: a `Float32Array` of
 * `n * h * w * c` values in [0,1], row-major NHWC, so the value of image `i`, row `r`, column
 * `col`, channel `ch` is at index `((i*h + r)*w + col)*c + ch`. Fashion-MNIST is
 * {h: 28, w: 28, c: 1}. No corruption assumes a shape: every one takes it from the caller.
 *
 * Per-image randomness: a base `HostRng(seed)` is advanced once per image index, and image `i`
 * draws from `new HostRng(base's i-th nextU32())`, which is exactly the i-th `base.fork()`.
 * So the noise an image receives depends only on (seed, its index, its own values), never on
 * the other images in the batch. `firstIndex` lets a caller corrupt a large set in chunks and
 * get bit-identical results to one call on the whole set.
 *
 * Performance note for the kernels in this folder: under tsx / vitest a property or imported
 * binding read inside a hot loop costs a load per use (several times slower), so kernels copy
 * the shape's fields (and imported functions) to locals and inline clip(v, 0, 1).
 */
import { NinrError } from "../errors.ts";
import { HostRng } from "../engine/hostRng.ts";

/** Shape of one image: `h` rows, `w` columns, `c` channels (stored NHWC). */
export type ImageShape = { h: number; w: number; c: number };

/** Options shared by every corruption. */
export type CorruptOptions = {
  /** Index (in the full data set) of the first image of `images`; default 0. */
  firstIndex?: number;
};

/** Throws NinrError (naming the bad value) unless `shape.h`, `shape.w`, `shape.c` are positive integers. */
export function checkShape(shape: ImageShape): void {
  if (typeof shape !== "object" || shape === null) {
    throw new NinrError(`image shape must be an object {h, w, c} of positive integers, got ${String(shape)}`);
  }
  for (const key of ["h", "w", "c"] as const) {
    const v = shape[key];
    if (!Number.isInteger(v) || v < 1) {
      const all = `{h: ${String(shape.h)}, w: ${String(shape.w)}, c: ${String(shape.c)}}`;
      throw new NinrError(`image shape ${key} must be a positive integer, got ${String(v)} (shape ${all})`);
    }
  }
}

/**
 * Number of images in `images` [n*h*w*c] of `shape`; throws NinrError when the shape is bad or
 * the length is not a multiple of h*w*c.
 */
export function imageCount(images: Float32Array, shape: ImageShape, what = "images"): number {
  checkShape(shape);
  const { h, w, c } = shape;
  const size = h * w * c;
  if (!(images instanceof Float32Array)) {
    throw new NinrError(`${what} must be a Float32Array of n*${h}*${w}*${c} values in [0,1] (NHWC)`);
  }
  if (images.length % size !== 0) {
    throw new NinrError(
      `${what} has ${images.length} values, not a multiple of ${size} (${h} x ${w} x ${c} images, h x w x c, row-major NHWC)`,
    );
  }
  return images.length / size;
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
 * Apply a random per-image kernel. `fn(src, dst, rng)` reads one image (`src`, h*w*c values,
 * HWC) and writes its corrupted version into `dst` (h*w*c values, zero-filled); `rng` is that
 * image's own generator. @param images [n*h*w*c] NHWC; @returns a new [n*h*w*c] array.
 */
export function mapImagesRandom(
  images: Float32Array,
  shape: ImageShape,
  seed: number,
  opts: CorruptOptions,
  fn: (src: Float32Array, dst: Float32Array, rng: HostRng) => void,
): Float32Array {
  const n = imageCount(images, shape);
  const size = shape.h * shape.w * shape.c;
  const seeds = imageSeeds(seed, n, opts.firstIndex ?? 0);
  const out = new Float32Array(images.length);
  for (let i = 0; i < n; i++) {
    const o = i * size;
    fn(images.subarray(o, o + size), out.subarray(o, o + size), new HostRng(seeds[i]));
  }
  return out;
}

/**
 * Apply a deterministic per-image kernel `fn(src, dst)` (each h*w*c values, HWC).
 * @param images [n*h*w*c] NHWC; @returns a new [n*h*w*c] array.
 */
export function mapImages(
  images: Float32Array,
  shape: ImageShape,
  fn: (src: Float32Array, dst: Float32Array) => void,
): Float32Array {
  const n = imageCount(images, shape);
  const size = shape.h * shape.w * shape.c;
  const out = new Float32Array(images.length);
  for (let i = 0; i < n; i++) {
    const o = i * size;
    fn(images.subarray(o, o + size), out.subarray(o, o + size));
  }
  return out;
}

/** Throws NinrError unless `v` is a finite number satisfying `ok`. */
export function checkParam(name: string, v: number, ok: (v: number) => boolean, rule: string): void {
  if (!Number.isFinite(v) || !ok(v)) {
    throw new NinrError(`${name} must be ${rule}, got ${String(v)}`);
  }
}
