/**
 * The four pixel-noise corruptions of CIFAR-10-C / MNIST-C (docs/method.md §4, E3), on [n*h*w*c] NHWC
 * images in [0,1] (see `images.ts`). Noise is independent per value (pixel and channel), drawn
 * in memory order from the image's own generator, and every output is clipped to [0,1] as in
 * the sources. The same seed gives each image the same random stream at every severity (common
 * random numbers): for Gaussian, speckle and impulse noise the change of every value then grows
 * with the severity, which keeps severity curves smooth.
 *
 * Formulas (both `make_cifar_c.py` and MNIST-C `corruptions.py`; tables in `tables.ts`):
 *   gaussian_noise: clip(x + N(0, c^2))
 *   shot_noise:     clip(Poisson(x * c) / c)          (mean x, variance x / c)
 *   impulse_noise:  skimage random_noise(x, 's&p', amount=c), salt_vs_pepper 0.5
 *   speckle_noise:  clip(x + x * N(0, c^2))           (variance x^2 c^2)
 */
import type { HostRng } from "../engine/hostRng.ts";
import { addGaussianNoise } from "./additive.ts";
import { type CorruptOptions, type ImageShape, checkParam, imageCount, imageSeeds, mapImagesRandom } from "./images.ts";
import { poissonSample } from "./poisson.ts";

/**
 * Additive Gaussian noise with std `s` on each image (all its h*w*c values), drawn with
 * `addGaussianNoise` (additive.ts) from that image's own seed. `clip` true: clip(x + N(0, s^2),
 * 0, 1) (CIFAR-C `gaussian_noise` and the clipped E3 grid); false: x + N(0, s^2) unclipped (the
 * unclipped E3 grid).
 * @param images [n*h*w*c] NHWC; @returns [n*h*w*c]
 */
export function gaussianNoise(
  images: Float32Array,
  shape: ImageShape,
  s: number,
  seed: number,
  clip: boolean,
  opts: CorruptOptions = {},
): Float32Array {
  checkParam("gaussian noise std", s, (v) => v >= 0, "a finite number >= 0");
  const n = imageCount(images, shape);
  const size = shape.h * shape.w * shape.c;
  const seeds = imageSeeds(seed, n, opts.firstIndex ?? 0);
  const out = new Float32Array(images.length);
  for (let i = 0; i < n; i++) {
    const o = i * size;
    out.set(addGaussianNoise(images.subarray(o, o + size), s, seeds[i], clip), o);
  }
  return out;
}

/**
 * Shot (Poisson) noise: clip(Poisson(x * c) / c, 0, 1), `c` = expected photon count at x = 1
 * (larger c, less noise). Draws are exact Poisson (`poisson.ts`); values x = 0 stay 0
 * (Poisson(0) = 0) and use no draw.
 * @param images [n*h*w*c] NHWC; @returns [n*h*w*c]
 */
export function shotNoise(
  images: Float32Array,
  shape: ImageShape,
  c: number,
  seed: number,
  opts: CorruptOptions = {},
): Float32Array {
  checkParam("shot noise photon count c", c, (v) => v > 0, "a finite number > 0");
  const poisson = poissonSample;
  return mapImagesRandom(images, shape, seed, opts, (src, dst, rng) => {
    const P = src.length; // h*w*c, a local: see the performance note in images.ts
    for (let j = 0; j < P; j++) {
      const x = src[j];
      if (x > 0) {
        const v = poisson(rng, x * c) / c;
        dst[j] = v > 1 ? 1 : v;
      } else {
        dst[j] = 0;
      }
    }
  });
}

/**
 * Impulse (salt & pepper) noise as skimage `random_noise(x, mode='s&p', amount=c,
 * salt_vs_pepper=0.5)`: each value (pixel and channel, as skimage on a multichannel array)
 * independently is "flipped" with probability `c`; a flipped value becomes 1 (salt) with
 * probability `saltVsPepper`, else 0 (pepper; skimage's `low_clip` for non-negative images).
 * skimage draws two independent Bernoulli masks per value, `flipped` and `salted`
 * (scikit-image/skimage/util/noise.py; introduced by PR #2223, 2016, which fixed the older
 * scheme of setting ceil(amount*size*q) random coordinates, so before CIFAR-10-C was made).
 * We draw one uniform u per value: flipped iff u < c, salt iff u < c*q, which has the same
 * joint law (u/c is uniform given u < c).
 * @param images [n*h*w*c] NHWC; @returns [n*h*w*c]
 */
export function impulseNoise(
  images: Float32Array,
  shape: ImageShape,
  amount: number,
  seed: number,
  opts: CorruptOptions = {},
  saltVsPepper = 0.5,
): Float32Array {
  checkParam("impulse noise amount", amount, (v) => v >= 0 && v <= 1, "in [0, 1]");
  checkParam("salt_vs_pepper", saltVsPepper, (v) => v >= 0 && v <= 1, "in [0, 1]");
  const saltBelow = amount * saltVsPepper;
  return mapImagesRandom(images, shape, seed, opts, (src, dst, rng) => {
    const P = src.length; // h*w*c, a local: see the performance note in images.ts
    for (let j = 0; j < P; j++) {
      const u = rng.uniform();
      const x = src[j];
      dst[j] = u < amount ? (u < saltBelow ? 1 : 0) : x < 0 ? 0 : x > 1 ? 1 : x;
    }
  });
}

/**
 * Speckle (multiplicative Gaussian) noise: clip(x + x * N(0, c^2), 0, 1). Values x = 0
 * stay 0 and use no draw.
 * @param images [n*h*w*c] NHWC; @returns [n*h*w*c]
 */
export function speckleNoise(
  images: Float32Array,
  shape: ImageShape,
  c: number,
  seed: number,
  opts: CorruptOptions = {},
): Float32Array {
  checkParam("speckle noise std c", c, (v) => v >= 0, "a finite number >= 0");
  return mapImagesRandom(images, shape, seed, opts, (src, dst, rng: HostRng) => {
    const P = src.length;
    for (let j = 0; j < P; j++) {
      const x = src[j];
      if (x !== 0) {
        const v = x + x * c * rng.normal();
        dst[j] = v < 0 ? 0 : v > 1 ? 1 : v;
      } else {
        dst[j] = 0;
      }
    }
  });
}
