import { describe, expect, it } from "vitest";
import { loadBundledSample } from "../../src/node/data/fashionFiles.ts";
import { NinrError } from "../../src/errors.ts";
import { addGaussianNoise } from "../../src/corrupt/additive.ts";
import {
  CORRUPTIONS,
  CORRUPTIONS_MNIST_C,
  CORRUPTION_NAMES,
  GAUSSIAN_GRID,
  additiveGaussian,
  corrupt,
  imageSeeds,
  type ImageShape,
} from "../../src/corrupt/index.ts";
import { HostRng } from "../../src/engine/hostRng.ts";

const S28: ImageShape = { h: 28, w: 28, c: 1 };
// 60 real Fashion-MNIST test images from the bundled sample.
const REAL = loadBundledSample().test.images.slice(0, 60 * 784);
const SEVS = [1, 2, 3, 4, 5] as const;

function meanAbsChange(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}
const equal = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => v === b[i]);

describe("registry", () => {
  it("every corruption at every severity returns a new [n*784] array in [0,1] and leaves the input alone", () => {
    const extreme = new Float32Array(3 * 784);
    for (let j = 0; j < extreme.length; j++) extreme[j] = j % 3 === 0 ? 0 : j % 3 === 1 ? 1 : 0.5;
    for (const reg of [CORRUPTIONS, CORRUPTIONS_MNIST_C]) {
      for (const name of CORRUPTION_NAMES) {
        for (const sev of SEVS) {
          for (const x of [REAL.subarray(0, 10 * 784), extreme]) {
            const before = x.slice();
            const y = reg[name].apply(x, S28, sev, 1);
            expect(y).toBeInstanceOf(Float32Array);
            expect(y.length).toBe(x.length);
            expect(y).not.toBe(x);
            let lo = Infinity;
            let hi = -Infinity;
            for (const v of y) {
              if (v < lo) lo = v;
              if (v > hi) hi = v;
            }
            expect(lo, `${name} ${sev}`).toBeGreaterThanOrEqual(0);
            expect(hi, `${name} ${sev}`).toBeLessThanOrEqual(1);
            expect(equal(x, before)).toBe(true);
          }
        }
      }
    }
  });

  it("is deterministic: same seed same output; a different seed differs exactly for the random ones", () => {
    const x = REAL.subarray(0, 8 * 784);
    for (const name of CORRUPTION_NAMES) {
      const c = CORRUPTIONS[name];
      const a = c.apply(x, S28, 3, 42);
      expect(equal(a, c.apply(x, S28, 3, 42))).toBe(true);
      expect(equal(a, c.apply(x, S28, 3, 43))).toBe(!c.random);
    }
    expect(CORRUPTION_NAMES.filter((n) => CORRUPTIONS[n].random)).toEqual([
      "gaussian_noise",
      "shot_noise",
      "impulse_noise",
      "speckle_noise",
      "affine",
    ]);
  });

  it("an image's result does not depend on the rest of the batch; firstIndex lets chunks match the whole", () => {
    const x = REAL.subarray(0, 6 * 784);
    const other = x.slice();
    other.set(REAL.subarray(30 * 784, 33 * 784), 3 * 784); // swap out images 3..5
    for (const name of CORRUPTION_NAMES) {
      const full = corrupt(x, S28, name, 4, 7);
      const mixed = corrupt(other, S28, name, 4, 7);
      expect(equal(full.subarray(0, 3 * 784), mixed.subarray(0, 3 * 784)), name).toBe(true);
      const tail = corrupt(x.slice(2 * 784), S28, name, 4, 7, { firstIndex: 2 });
      expect(equal(full.subarray(2 * 784), tail), name).toBe(true);
    }
  });

  it("image i draws from the i-th fork of HostRng(seed)", () => {
    const base = new HostRng(5);
    const seeds = imageSeeds(5, 4);
    for (let i = 0; i < 4; i++) {
      const a = base.fork();
      const b = new HostRng(seeds[i]);
      for (let k = 0; k < 5; k++) expect(a.nextU32()).toBe(b.nextU32());
    }
  });

  it("mean absolute change grows with severity for every corruption (real images)", () => {
    for (const reg of [CORRUPTIONS, CORRUPTIONS_MNIST_C]) {
      for (const name of CORRUPTION_NAMES) {
        // MNIST-C's pixelate sizes 16, 14, 11, 8, 7 are not monotone under PIL BOX: 14 and 7
        // divide 28 (exact block means), 16 and 8 do not. On the 10k test set the mean absolute
        // change is .0639 .0620 .0762 .1040 .1037. A property of the published table, not a bug.
        if (reg === CORRUPTIONS_MNIST_C && name === "pixelate") continue;
        const d = SEVS.map((s) => meanAbsChange(REAL, reg[name].apply(REAL, S28, s, 2024)));
        for (let k = 1; k < 5; k++) expect(d[k], `${name}: ${d.map((v) => v.toFixed(4)).join(" ")}`).toBeGreaterThan(d[k - 1]);
        expect(d[0]).toBeGreaterThan(0);
      }
    }
  });

  it("corrupt() uses the chosen table", () => {
    const x = REAL.subarray(0, 2 * 784);
    expect(equal(corrupt(x, S28, "contrast", 2, 0), CORRUPTIONS.contrast.apply(x, S28, 2, 0))).toBe(true);
    expect(equal(corrupt(x, S28, "contrast", 2, 0, { table: "mnistc" }), CORRUPTIONS_MNIST_C.contrast.apply(x, S28, 2, 0))).toBe(true);
  });
});

describe("errors", () => {
  const x = new Float32Array(784);
  it("bad name names the value and lists the allowed names", () => {
    expect(() => corrupt(x, S28, "fog", 1, 0)).toThrow(NinrError);
    expect(() => corrupt(x, S28, "fog", 1, 0)).toThrow(/"fog".*allowed: gaussian_noise, shot_noise, .*pixelate, affine/);
  });

  it("bad severity names the value and lists 1..5", () => {
    for (const s of [0, 6, 2.5, Number.NaN, -1]) {
      expect(() => corrupt(x, S28, "contrast", s, 0)).toThrow(NinrError);
      expect(() => corrupt(x, S28, "contrast", s, 0)).toThrow(new RegExp(`severity ${String(s)} .*allowed: 1, 2, 3, 4, 5`));
    }
    expect(() => CORRUPTIONS.shot_noise.apply(x, S28, 7 as 1, 0)).toThrow(/severity 7 .*"shot_noise".*allowed: 1, 2, 3, 4, 5/);
  });

  it("bad images, seed, table, grid level or mode", () => {
    expect(() => corrupt(new Float32Array(100), S28, "contrast", 1, 0)).toThrow(/100 values, not a multiple of 784/);
    expect(() => corrupt(x, S28, "gaussian_noise", 1, Number.NaN)).toThrow(NinrError);
    expect(() => corrupt(x, S28, "gaussian_blur", 1, 1.5)).toThrow(/seed must be a finite integer/);
    expect(() => corrupt(x, S28, "affine", 1, 0, { firstIndex: -1 })).toThrow(/firstIndex/);
    expect(() => corrupt(x, S28, "contrast", 1, 0, { firstIndex: 0.5 })).toThrow(/firstIndex/);
    expect(() => corrupt(x, S28, "contrast", 1, 0, { table: "imagenet" as "mnistc" })).toThrow(/allowed: cifar10c, mnistc/);
    expect(() => additiveGaussian(x, 784, -0.1, "clipped", 0)).toThrow(NinrError);
    expect(() => additiveGaussian(x, 784, Number.NaN, "clipped", 0)).toThrow(NinrError);
    expect(() => additiveGaussian(x, 784, 0.1, "clip" as "clipped", 0)).toThrow(/allowed: unclipped, clipped/);
  });
});

describe("additive Gaussian grid (E3, docs/method.md §4)", () => {
  const x = REAL.subarray(0, 20 * 784);
  it("s = 0 is the identity in both modes", () => {
    expect(equal(additiveGaussian(x, 784, 0, "unclipped", 1), x)).toBe(true);
    expect(equal(additiveGaussian(x, 784, 0, "clipped", 1), x)).toBe(true);
  });

  it("reuses addGaussianNoise per image with the image's own seed; clipped is the clip of unclipped", () => {
    const seeds = imageSeeds(9, 20);
    for (const s of GAUSSIAN_GRID) {
      const raw = additiveGaussian(x, 784, s, "unclipped", 9);
      const clipped = additiveGaussian(x, 784, s, "clipped", 9);
      for (let i = 0; i < 20; i += 7) {
        const ref = addGaussianNoise(x.subarray(i * 784, (i + 1) * 784), s, seeds[i], false);
        expect(equal(raw.subarray(i * 784, (i + 1) * 784), ref)).toBe(true);
      }
      expect(clipped.every((v, j) => v === Math.min(1, Math.max(0, raw[j])))).toBe(true);
    }
  });

  it("unclipped noise has std s; gaussian_noise severity k is the clipped grid at s = c_k", () => {
    for (const s of [0.05, 0.5, 2]) {
      const raw = additiveGaussian(x, 784, s, "unclipped", 3);
      let v = 0;
      for (let j = 0; j < x.length; j++) v += (raw[j] - x[j]) ** 2;
      expect(Math.sqrt(v / x.length) / s).toBeGreaterThan(0.98);
      expect(Math.sqrt(v / x.length) / s).toBeLessThan(1.02);
    }
    for (const sev of SEVS) {
      const c = CORRUPTIONS.gaussian_noise.severities[sev - 1] as number;
      expect(equal(CORRUPTIONS.gaussian_noise.apply(x, S28, sev, 4), additiveGaussian(x, 784, c, "clipped", 4))).toBe(true);
    }
  });
});
