/**
 * The E3 robustness suite (docs/method.md §4): the corruption registry with 5 severities each, `corrupt`,
 * and the additive-Gaussian test grid.
 *
 * `CORRUPTIONS` uses the CIFAR-10-C constants (Hendrycks & Dietterich 2019,
 * hendrycks/robustness ImageNet-C/create_c/make_cifar_c.py) for the eight corruptions it shares
 * with the spec, and the suite's own MNIST-C-derived table for `affine`; `CORRUPTIONS_MNIST_C`
 * is the same suite with the harsher MNIST-C constants (Mu & Gilmer 2019,
 * google-research/mnist-c corruptions.py). Tables and verbatim quotes: `tables.ts`.
 *
 * Every `apply(images, shape, severity, seed)` takes [n*h*w*c] NHWC images of `shape` in [0,1]
 * (see `images.ts`) and returns a new [n*h*w*c] array in [0,1]; random corruptions draw per
 * image, deterministic ones ignore the seed. Spatial corruptions (blur, pixelate, affine) treat
 * each channel alike with the same spatial parameters per image.
 */
import { NinrError } from "../errors.ts";
import { affine } from "./affine.ts";
import { gaussianBlur } from "./blur.ts";
import { type CorruptOptions, type ImageShape, checkFirstIndex, checkSeed, imageCount } from "./images.ts";
import { gaussianNoise, impulseNoise, shotNoise, speckleNoise } from "./noise.ts";
import { brightness, contrast } from "./photometric.ts";
import { pixelate } from "./pixelate.ts";
import {
  AFFINE_SEVERITIES,
  type AffineSeverity,
  CIFAR10C_SOURCE,
  CIFAR10C_TABLE,
  MNISTC_SOURCE,
  MNISTC_TABLE,
  type SeverityTable,
} from "./tables.ts";

/** Names of the corruptions, in the order of docs/method.md §4.3. */
export const CORRUPTION_NAMES = [
  "gaussian_noise",
  "shot_noise",
  "impulse_noise",
  "speckle_noise",
  "gaussian_blur",
  "contrast",
  "brightness",
  "pixelate",
  "affine",
] as const;
export type CorruptionName = (typeof CORRUPTION_NAMES)[number];

export const SEVERITIES = [1, 2, 3, 4, 5] as const;
export type Severity = (typeof SEVERITIES)[number];

export type Corruption = {
  /** Parameter per severity 1..5 (index severity-1): a number `c`, or an `AffineSeverity`. */
  readonly severities: readonly number[] | readonly AffineSeverity[];
  /** What a severity's parameter means. */
  readonly parameter: string;
  /** Whether the result depends on the seed. */
  readonly random: boolean;
  /** Where the formula and the constants come from. */
  readonly source: string;
  /** @param images [n*h*w*c] NHWC in [0,1] of `shape`; @returns a corrupted copy [n*h*w*c] in [0,1] */
  apply(images: Float32Array, shape: ImageShape, severity: Severity, seed: number, opts?: CorruptOptions): Float32Array;
};

/** Throws NinrError unless `severity` is one of 1..5. */
export function checkSeverity(severity: number, name: string): asserts severity is Severity {
  if (!(SEVERITIES as readonly number[]).includes(severity)) {
    throw new NinrError(
      `severity ${String(severity)} is not allowed for corruption "${name}"; allowed: ${SEVERITIES.join(", ")}`,
    );
  }
}

function scalar(
  name: CorruptionName,
  table: SeverityTable,
  tableSource: string,
  parameter: string,
  random: boolean,
  fn: (images: Float32Array, shape: ImageShape, c: number, seed: number, opts: CorruptOptions) => Float32Array,
): Corruption {
  const severities = table[name as keyof SeverityTable];
  return {
    severities,
    parameter,
    random,
    source: `${tableSource}, function ${name}`,
    apply(images, shape, severity, seed, opts = {}) {
      checkSeverity(severity, name);
      return fn(images, shape, severities[severity - 1], seed, opts);
    },
  };
}

/** Build the registry from a table of the eight scalar corruptions (plus `affine`). */
export function buildCorruptions(table: SeverityTable, tableSource: string): Readonly<Record<CorruptionName, Corruption>> {
  const det =
    (f: (images: Float32Array, shape: ImageShape, c: number) => Float32Array) =>
    (images: Float32Array, shape: ImageShape, c: number, seed: number, opts: CorruptOptions) => {
      imageCount(images, shape);
      checkSeed(seed); // unused, but a bad seed or index is still a caller error
      checkFirstIndex(opts.firstIndex ?? 0);
      return f(images, shape, c);
    };
  return {
    gaussian_noise: scalar("gaussian_noise", table, tableSource, "noise std c: clip(x + N(0, c^2))", true, (x, sh, c, s, o) =>
      gaussianNoise(x, sh, c, s, true, o),
    ),
    shot_noise: scalar("shot_noise", table, tableSource, "photons c: clip(Poisson(x c) / c)", true, shotNoise),
    impulse_noise: scalar("impulse_noise", table, tableSource, "flipped fraction c (salt:pepper 1:1)", true, (x, sh, c, s, o) =>
      impulseNoise(x, sh, c, s, o),
    ),
    speckle_noise: scalar("speckle_noise", table, tableSource, "relative std c: clip(x + x N(0, c^2))", true, speckleNoise),
    gaussian_blur: scalar(
      "gaussian_blur",
      table,
      tableSource,
      "sigma c in pixels (skimage gaussian, mode nearest, truncate 4)",
      false,
      det(gaussianBlur),
    ),
    contrast: scalar("contrast", table, tableSource, "factor c: clip((x - mean) c + mean)", false, det(contrast)),
    brightness: scalar("brightness", table, tableSource, "shift c: clip(x + c) (HSV value on gray)", false, det(brightness)),
    pixelate: scalar(
      "pixelate",
      table,
      tableSource,
      "factor c: PIL BOX resize to int(h c) x int(w c) and back",
      false,
      det(pixelate),
    ),
    affine: {
      severities: AFFINE_SEVERITIES,
      parameter: "shift (px, random sign per axis), rotation (rad, random sign), scale (shrink) about the centre",
      random: true,
      source: `our table derived from ${MNISTC_SOURCE}, functions translate/rotate/scale (see tables.ts AFFINE_SEVERITIES)`,
      apply(images, shape, severity, seed, opts = {}) {
        checkSeverity(severity, "affine");
        return affine(images, shape, AFFINE_SEVERITIES[severity - 1], seed, opts);
      },
    },
  };
}

/** The suite with CIFAR-10-C severities (the default for E3). */
export const CORRUPTIONS: Readonly<Record<CorruptionName, Corruption>> = buildCorruptions(CIFAR10C_TABLE, CIFAR10C_SOURCE);

/** The same suite with MNIST-C severities (harsher; built for 28x28 grayscale). */
export const CORRUPTIONS_MNIST_C: Readonly<Record<CorruptionName, Corruption>> = buildCorruptions(
  MNISTC_TABLE,
  MNISTC_SOURCE,
);

/** Throws NinrError unless `name` is a corruption name. */
export function checkCorruptionName(name: string): asserts name is CorruptionName {
  if (!(CORRUPTION_NAMES as readonly string[]).includes(name)) {
    throw new NinrError(`unknown corruption "${name}"; allowed: ${CORRUPTION_NAMES.join(", ")}`);
  }
}

/**
 * Corrupt `images` [n*h*w*c] (NHWC, of `shape`) with corruption `name` at `severity` (1..5),
 * seeded by `seed`. `opts.table` picks the constants ("cifar10c", default, or "mnistc");
 * `opts.firstIndex` is the data-set index of the first image, for chunked processing.
 * @returns a new [n*h*w*c] array in [0,1]
 */
export function corrupt(
  images: Float32Array,
  shape: ImageShape,
  name: string,
  severity: number,
  seed: number,
  opts: CorruptOptions & { table?: "cifar10c" | "mnistc" } = {},
): Float32Array {
  checkCorruptionName(name);
  checkSeverity(severity, name);
  const table = opts.table ?? "cifar10c";
  if (table !== "cifar10c" && table !== "mnistc") {
    throw new NinrError(`unknown severity table "${String(table)}"; allowed: cifar10c, mnistc`);
  }
  const reg = table === "cifar10c" ? CORRUPTIONS : CORRUPTIONS_MNIST_C;
  return reg[name].apply(images, shape, severity, seed, { firstIndex: opts.firstIndex });
}

/** E3's (docs/method.md §4.3) test-time additive Gaussian noise levels `s` (std, on the [0,1] pixel scale). */
export const GAUSSIAN_GRID: readonly number[] = [0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2];

/** The two E3 variants of the Gaussian grid. */
export const GAUSSIAN_GRID_MODES = ["unclipped", "clipped"] as const;
export type GaussianGridMode = (typeof GAUSSIAN_GRID_MODES)[number];

/**
 * E3 (docs/method.md §4.3) additive Gaussian noise: x + N(0, s^2) per value, `mode` "clipped" clips to [0,1],
 * "unclipped" does not. Elementwise, so it needs no image shape and works on any data (images
 * or vectors), but it draws per sample, via `addGaussianNoise` (additive.ts) from the sample's
 * own seed (see `images.ts`): `sampleSize` is the number of values per sample (h*w*c for NHWC
 * images, 784 for Fashion-MNIST, D for vectors), which splits `images` into samples and fixes
 * what `opts.firstIndex` counts. "clipped" at s equals the clip of "unclipped" at s for the same
 * seed, and the result equals `gaussianNoise` with any shape of h*w*c = `sampleSize`. Any s >= 0
 * is accepted; `GAUSSIAN_GRID` lists the levels of docs/method.md §4.3.
 * @param images [n*sampleSize] in [0,1]; @returns [n*sampleSize]
 */
export function additiveGaussian(
  images: Float32Array,
  sampleSize: number,
  s: number,
  mode: GaussianGridMode,
  seed: number,
  opts: CorruptOptions = {},
): Float32Array {
  if (mode !== "clipped" && mode !== "unclipped") {
    throw new NinrError(`unknown Gaussian grid mode "${String(mode)}"; allowed: ${GAUSSIAN_GRID_MODES.join(", ")}`);
  }
  if (!Number.isInteger(sampleSize) || sampleSize < 1) {
    throw new NinrError(`additive Gaussian sampleSize (values per sample) must be a positive integer, got ${String(sampleSize)}`);
  }
  if (!(images instanceof Float32Array)) throw new NinrError(`images must be a Float32Array of n*${sampleSize} values`);
  if (images.length % sampleSize !== 0) {
    throw new NinrError(`images has ${images.length} values, not a multiple of the sample size ${sampleSize}`);
  }
  // One "image" of 1 x 1 x sampleSize: gaussianNoise only uses the number of values per image.
  return gaussianNoise(images, { h: 1, w: 1, c: sampleSize }, s, seed, mode === "clipped", opts);
}
