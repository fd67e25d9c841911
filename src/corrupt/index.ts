/** Test-time corruption suite for docs/method.md §4, E3 (robustness), on NHWC images of any `ImageShape`. See `suite.ts`. */
export { addGaussianNoise } from "./additive.ts";
export { affine, drawAffineParams, warpAffine, warpAffineImage, type AffineParams } from "./affine.ts";
export { gaussianBlur, gaussianKernel1d } from "./blur.ts";
export { checkShape, imageSeeds, type CorruptOptions, type ImageShape } from "./images.ts";
export { gaussianNoise, impulseNoise, shotNoise, speckleNoise } from "./noise.ts";
export { brightness, contrast } from "./photometric.ts";
export { boxCoefficients, pixelate, pixelateSide, resizeBox, type BoxCoefficients } from "./pixelate.ts";
export { logGamma, poissonSample } from "./poisson.ts";
export {
  CORRUPTIONS,
  CORRUPTIONS_MNIST_C,
  CORRUPTION_NAMES,
  GAUSSIAN_GRID,
  GAUSSIAN_GRID_MODES,
  SEVERITIES,
  additiveGaussian,
  buildCorruptions,
  checkCorruptionName,
  checkSeverity,
  corrupt,
  type Corruption,
  type CorruptionName,
  type GaussianGridMode,
  type Severity,
} from "./suite.ts";
export {
  AFFINE_SEVERITIES,
  CIFAR10C_SOURCE,
  CIFAR10C_TABLE,
  MNISTC_AFFINE,
  MNISTC_SOURCE,
  MNISTC_TABLE,
  type AffineSeverity,
  type ScalarCorruptionName,
  type SeverityTable,
} from "./tables.ts";
