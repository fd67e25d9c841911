import { describe, expect, it } from "vitest";
import {
  AFFINE_SEVERITIES,
  CIFAR10C_TABLE,
  CORRUPTIONS,
  CORRUPTIONS_MNIST_C,
  CORRUPTION_NAMES,
  GAUSSIAN_GRID,
  MNISTC_AFFINE,
  MNISTC_TABLE,
  pixelateSide,
} from "../../src/corrupt/index.ts";

// Published constants, typed in again from the sources (not imported), so a typo in src shows.
// hendrycks/robustness, ImageNet-C/create_c/make_cifar_c.py (commit ca360085d57889288c4143fddd8a707bbcae01bd):
const CIFAR10C = {
  gaussian_noise: [0.04, 0.06, 0.08, 0.09, 0.1], // def gaussian_noise: c = [0.04, 0.06, .08, .09, .10]
  shot_noise: [500, 250, 100, 75, 50], // def shot_noise: c = [500, 250, 100, 75, 50]
  impulse_noise: [0.01, 0.02, 0.03, 0.05, 0.07], // def impulse_noise: c = [.01, .02, .03, .05, .07]
  speckle_noise: [0.06, 0.1, 0.12, 0.16, 0.2], // def speckle_noise: c = [.06, .1, .12, .16, .2]
  gaussian_blur: [0.4, 0.6, 0.7, 0.8, 1], // def gaussian_blur: c = [.4, .6, 0.7, .8, 1]
  contrast: [0.75, 0.5, 0.4, 0.3, 0.15], // def contrast: c = [.75, .5, .4, .3, 0.15]
  brightness: [0.05, 0.1, 0.15, 0.2, 0.3], // def brightness: c = [.05, .1, .15, .2, .3]
  pixelate: [0.95, 0.9, 0.85, 0.75, 0.65], // def pixelate: c = [0.95, 0.9, 0.85, 0.75, 0.65]
};
// google-research/mnist-c, corruptions.py (commit aa075693016b6c8b616271a979854dacbcb45e22):
const MNISTC = {
  gaussian_noise: [0.08, 0.12, 0.18, 0.26, 0.38], // c = [.08, .12, 0.18, 0.26, 0.38]
  shot_noise: [60, 25, 12, 5, 3], // c = [60, 25, 12, 5, 3]
  impulse_noise: [0.03, 0.06, 0.09, 0.17, 0.27], // c = [.03, .06, .09, 0.17, 0.27]
  speckle_noise: [0.15, 0.2, 0.35, 0.45, 0.6], // c = [.15, .2, 0.35, 0.45, 0.6]
  gaussian_blur: [1, 2, 3, 4, 6], // c = [1, 2, 3, 4, 6]
  contrast: [0.4, 0.3, 0.2, 0.1, 0.05], // c = [0.4, .3, .2, .1, .05]
  brightness: [0.1, 0.2, 0.3, 0.4, 0.5], // c = [.1, .2, .3, .4, .5]
  pixelate: [0.6, 0.5, 0.4, 0.3, 0.25], // c = [0.6, 0.5, 0.4, 0.3, 0.25]
};

describe("severity tables", () => {
  it("CIFAR-10-C constants are the published ones and back the default registry", () => {
    expect(CIFAR10C_TABLE).toEqual(CIFAR10C);
    for (const [name, c] of Object.entries(CIFAR10C)) {
      expect(CORRUPTIONS[name as keyof typeof CIFAR10C].severities).toEqual(c);
      expect(CORRUPTIONS[name as keyof typeof CIFAR10C].source).toContain("make_cifar_c.py");
    }
  });

  it("MNIST-C constants are the published ones and back CORRUPTIONS_MNIST_C", () => {
    expect(MNISTC_TABLE).toEqual(MNISTC);
    for (const [name, c] of Object.entries(MNISTC)) {
      expect(CORRUPTIONS_MNIST_C[name as keyof typeof MNISTC].severities).toEqual(c);
    }
    // def shear / rotate: c = [0.2, 0.4, 0.6, 0.8, 1.]; def translate: c = [1, 2, 3, 4, 5];
    // def scale: c = [(1/.9, 1/.9), (1/.8, 1/.8), (1/.7, 1/.7), (1/.6, 1/.6), (1/.5, 1/.5)]
    expect(MNISTC_AFFINE.shear).toEqual([0.2, 0.4, 0.6, 0.8, 1]);
    expect(MNISTC_AFFINE.rotate).toEqual([0.2, 0.4, 0.6, 0.8, 1]);
    expect(MNISTC_AFFINE.translate).toEqual([1, 2, 3, 4, 5]);
    expect(MNISTC_AFFINE.scale).toEqual([1 / 0.9, 1 / 0.8, 1 / 0.7, 1 / 0.6, 1 / 0.5]);
  });

  it("affine severities follow their documented derivation from MNIST-C", () => {
    expect(AFFINE_SEVERITIES.map((s) => s.shift)).toEqual(MNISTC_AFFINE.translate);
    AFFINE_SEVERITIES.forEach((s, i) => {
      expect(s.rotation).toBeCloseTo(MNISTC_AFFINE.rotate[i] / 2, 12);
      expect(s.scale).toBeCloseTo(1 - (1 - 1 / MNISTC_AFFINE.scale[i]) / 2, 12);
    });
    expect(CORRUPTIONS.affine.severities).toBe(AFFINE_SEVERITIES);
  });

  it("every corruption has 5 severities, a source, and the names of docs/method.md §4.3", () => {
    expect([...CORRUPTION_NAMES]).toEqual([
      "gaussian_noise",
      "shot_noise",
      "impulse_noise",
      "speckle_noise",
      "gaussian_blur",
      "contrast",
      "brightness",
      "pixelate",
      "affine",
    ]);
    for (const name of CORRUPTION_NAMES) {
      expect(CORRUPTIONS[name].severities).toHaveLength(5);
      expect(CORRUPTIONS[name].source.length).toBeGreaterThan(10);
    }
  });

  it("pixelate sizes are int(28 c) as PIL's resize gets them", () => {
    expect(CIFAR10C.pixelate.map((c) => pixelateSide(c, 28))).toEqual([26, 25, 23, 21, 18]);
    expect(MNISTC.pixelate.map((c) => pixelateSide(c, 28))).toEqual([16, 14, 11, 8, 7]);
  });

  it("the E3 Gaussian grid is that of docs/method.md §4.3", () => {
    expect(GAUSSIAN_GRID).toEqual([0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2]);
  });
});
