import { describe, expect, it } from "vitest";
import { HostRng } from "../../src/engine/hostRng.ts";
import {
  CORRUPTIONS,
  gaussianNoise,
  impulseNoise,
  logGamma,
  poissonSample,
  shotNoise,
  speckleNoise,
  type ImageShape,
} from "../../src/corrupt/index.ts";

const S28: ImageShape = { h: 28, w: 28, c: 1 };
const N_IMAGES = 40; // 31,360 pixels per statistic
const constant = (v: number, n = N_IMAGES) => new Float32Array(n * 784).fill(v);

function meanVar(a: ArrayLike<number>): { mean: number; variance: number } {
  let m = 0;
  for (let i = 0; i < a.length; i++) m += a[i];
  m /= a.length;
  let v = 0;
  for (let i = 0; i < a.length; i++) v += (a[i] - m) ** 2;
  return { mean: m, variance: v / (a.length - 1) };
}

describe("gaussian_noise", () => {
  it("adds N(0, c^2) at every CIFAR-10-C severity (0.5 image: no clipping within 5 sigma)", () => {
    const x = constant(0.5);
    for (const sev of [1, 2, 3, 4, 5] as const) {
      const c = CORRUPTIONS.gaussian_noise.severities[sev - 1] as number;
      const { mean, variance } = meanVar(CORRUPTIONS.gaussian_noise.apply(x, S28, sev, 11));
      expect(Math.abs(mean - 0.5)).toBeLessThan(4 * (c / Math.sqrt(x.length)));
      expect(variance / (c * c)).toBeGreaterThan(0.97); // sd of the ratio ~ sqrt(2/N) = 0.008
      expect(variance / (c * c)).toBeLessThan(1.03);
    }
  });

  it("unclipped mode keeps values outside [0,1]; clipped mode is its clip", () => {
    const x = constant(0.5, 5);
    const raw = gaussianNoise(x, S28, 1, 3, false);
    const clipped = gaussianNoise(x, S28, 1, 3, true);
    expect(Math.min(...raw)).toBeLessThan(0);
    expect(Math.max(...raw)).toBeGreaterThan(1);
    expect(meanVar(raw).variance).toBeGreaterThan(0.95);
    expect(meanVar(raw).variance).toBeLessThan(1.05);
    for (let i = 0; i < raw.length; i++) expect(clipped[i]).toBe(Math.fround(Math.min(1, Math.max(0, raw[i]))));
  });
});

describe("shot_noise", () => {
  it("keeps the mean and has variance x / c (checked where clipping at 1 is out of reach)", () => {
    let checked = 0;
    for (const x0 of [0.3, 0.7]) {
      for (const c of [500, 100, 50, 12, 3]) {
        const { mean, variance } = meanVar(shotNoise(constant(x0), S28, c, 5));
        if (x0 * c + 4 * Math.sqrt(x0 * c) < c) {
          expect(Math.abs(mean - x0)).toBeLessThan(4 * Math.sqrt(x0 / c / (N_IMAGES * 784)));
          expect(variance / (x0 / c)).toBeGreaterThan(0.96);
          expect(variance / (x0 / c)).toBeLessThan(1.04);
          checked++;
        }
      }
    }
    expect(checked).toBe(5);
  });

  it("zero pixels stay zero; output is a multiple of 1/c", () => {
    const x = constant(0.4, 2);
    x.fill(0, 0, 784);
    const y = shotNoise(x, S28, 50, 1);
    expect(y.subarray(0, 784).every((v) => v === 0)).toBe(true);
    for (const v of y.subarray(784)) expect(Math.abs(v * 50 - Math.round(v * 50))).toBeLessThan(1e-4);
  });
});

describe("poissonSample", () => {
  it("matches the Poisson pmf on both algorithm branches (lambda < 10 inversion, >= 10 PTRS)", () => {
    const rng = new HostRng(99);
    for (const lambda of [0.4, 3, 9.5, 10, 23.7, 150]) {
      const n = 60_000;
      const counts = new Map<number, number>();
      for (let i = 0; i < n; i++) {
        const k = poissonSample(rng, lambda);
        counts.set(k, (counts.get(k) ?? 0) + 1);
      }
      // total variation distance between empirical and exact pmf
      let tv = 0;
      const hi = Math.ceil(lambda + 10 * Math.sqrt(lambda) + 10);
      for (let k = 0; k <= hi; k++) {
        const p = Math.exp(-lambda + k * Math.log(lambda) - logGamma(k + 1));
        tv += Math.abs((counts.get(k) ?? 0) / n - p);
      }
      expect(tv / 2).toBeLessThan(lambda > 50 ? 0.03 : 0.015);
    }
    expect(poissonSample(rng, 0)).toBe(0);
  });

  it("logGamma(k + 1) = log(k!)", () => {
    let lf = 0;
    for (let k = 1; k <= 200; k++) {
      lf += Math.log(k);
      expect(logGamma(k + 1)).toBeCloseTo(lf, 8);
    }
  });
});

describe("impulse_noise", () => {
  it("flips a fraction c of pixels, half to 1 and half to 0 (skimage s&p, salt_vs_pepper 0.5)", () => {
    const x = constant(0.5);
    for (const c of [0.01, 0.07, 0.27]) {
      const y = impulseNoise(x, S28, c, 8);
      let salt = 0;
      let pepper = 0;
      let other = 0;
      for (const v of y) {
        if (v === 1) salt++;
        else if (v === 0) pepper++;
        else if (v !== 0.5) other++;
      }
      expect(other).toBe(0);
      const n = y.length;
      const sd = Math.sqrt((c * (1 - c)) / n);
      expect(Math.abs((salt + pepper) / n - c)).toBeLessThan(4 * sd);
      expect(Math.abs(salt / n - c / 2)).toBeLessThan(4 * Math.sqrt(c / 2 / n));
    }
  });
});

describe("speckle_noise", () => {
  it("has variance x^2 c^2 and mean x (checked where clipping is out of reach)", () => {
    let checked = 0;
    for (const x0 of [0.25, 0.5]) {
      for (const c of [0.06, 0.2, 0.6]) {
        const { mean, variance } = meanVar(speckleNoise(constant(x0), S28, c, 4));
        if (x0 * (1 + 5 * c) <= 1 && 5 * c <= 1) {
          // no clipping within 5 sigma on either side
          const s = x0 * c;
          expect(Math.abs(mean - x0)).toBeLessThan(4 * (s / Math.sqrt(N_IMAGES * 784)));
          expect(variance / (s * s)).toBeGreaterThan(0.97);
          expect(variance / (s * s)).toBeLessThan(1.03);
          checked++;
        }
      }
    }
    expect(checked).toBe(4);
  });
});
