import { describe, expect, it } from "vitest";
import {
  AFFINE_SEVERITIES,
  CORRUPTIONS,
  affine,
  boxCoefficients,
  brightness,
  contrast,
  gaussianBlur,
  gaussianKernel1d,
  pixelate,
  resizeBox,
  warpAffine,
  type ImageShape,
} from "../../src/corrupt/index.ts";

const S28: ImageShape = { h: 28, w: 28, c: 1 };

/** A deterministic 28x28 test pattern in [0,1] with structure up to the borders. */
function pattern(): Float32Array {
  const img = new Float32Array(784);
  for (let r = 0; r < 28; r++) for (let c = 0; c < 28; c++) img[r * 28 + c] = ((r * 7 + c * 13) % 17) / 16;
  return img;
}
const at = (img: Float32Array, r: number, c: number) => img[r * 28 + c];
const sum = (a: Float32Array) => a.reduce((s, v) => s + v, 0);
const maxDev = (a: Float32Array, v: number) => a.reduce((m, x) => Math.max(m, Math.abs(x - v)), 0);

describe("gaussian_blur", () => {
  it("uses scipy's 1-D kernel: exp(-k^2 / 2 sigma^2) normalized over k = -r..r, r = int(4 sigma + 0.5)", () => {
    // Hand-computed for sigma = 1: r = 4, weights exp(-k^2/2) = 1, e^-0.5, e^-2, e^-4.5, e^-8.
    const e = [1, 0.6065306597126334, 0.1353352832366127, 0.011108996538242306, 0.00033546262790251185];
    const z = e[0] + 2 * (e[1] + e[2] + e[3] + e[4]);
    const hand = [e[4], e[3], e[2], e[1], e[0], e[1], e[2], e[3], e[4]].map((v) => v / z);
    const k1 = gaussianKernel1d(1);
    expect(k1).toHaveLength(9);
    hand.forEach((v, i) => expect(k1[i]).toBeCloseTo(v, 14));
    // scipy.ndimage._filters._gaussian_kernel1d(1.0, 0, 4), printed by scipy 1.17:
    const scipy1 = [1.33830625e-4, 4.43186162e-3, 5.39911274e-2, 2.41971446e-1, 3.98943469e-1];
    scipy1.forEach((v, i) => expect(k1[i]).toBeCloseTo(v, 9));
    // sigma 0.4 (CIFAR-C severity 1): r = int(2.1) = 2; scipy gives these five weights.
    const k04 = gaussianKernel1d(0.4);
    const scipy04 = [3.42560636e-6, 4.03876165e-2, 9.19217916e-1, 4.03876165e-2, 3.42560636e-6];
    expect(k04).toHaveLength(5);
    scipy04.forEach((v, i) => expect(k04[i]).toBeCloseTo(v, 9));
    // radii of the five CIFAR-C sigmas .4 .6 .7 .8 1 -> 2 2 3 3 4
    expect([0.4, 0.6, 0.7, 0.8, 1].map((s) => (gaussianKernel1d(s).length - 1) / 2)).toEqual([2, 2, 3, 3, 4]);
  });

  it("matches scipy.ndimage.gaussian_filter(mode='nearest', truncate=4) incl. borders", () => {
    // Reference values computed with scipy 1.17 on pattern() (float64).
    const pts: [number, number][] = [[0, 0], [0, 13], [5, 27], [27, 27], [14, 14], [27, 3]];
    const ref: Record<number, number[]> = {
      0.4: [0.048756191, 0.933575016, 0.717183282, 0.763747449, 0.5, 0.421567807],
      1: [0.30204649, 0.609699587, 0.535643727, 0.564468245, 0.5, 0.456334598],
      3: [0.356808421, 0.520958788, 0.52392378, 0.580008506, 0.5, 0.501209985],
    };
    for (const s of [0.4, 1, 3]) {
      const b = gaussianBlur(pattern(), S28, s);
      pts.forEach(([r, c], i) => expect(at(b, r, c)).toBeCloseTo(ref[s][i], 6));
    }
  });

  it("boundary is 'nearest' (edge repeated): a bright first column keeps 1/2 + w0/2 of its mass", () => {
    const img = new Float32Array(784);
    for (let r = 0; r < 28; r++) img[r * 28] = 1;
    const w = gaussianKernel1d(1);
    const b = gaussianBlur(img, S28, 1);
    // column 0 receives taps k = -4..0 all from column 0 -> sum of w[0..4] = 1/2 + w_centre/2
    expect(at(b, 10, 0)).toBeCloseTo(0.5 + w[4] / 2, 6);
    expect(at(b, 10, 1)).toBeCloseTo(w[0] + w[1] + w[2] + w[3], 6); // taps k = -4..-1 clamp to column 0
  });

  it("keeps a constant image constant and preserves the mean away from the borders", () => {
    for (const v of [0, 0.37, 1]) {
      const b = gaussianBlur(new Float32Array(784).fill(v), S28, 0.8);
      expect(maxDev(b, v)).toBeLessThan(1e-6);
    }
    const img = new Float32Array(784); // blob well inside: margin 6 > radius 4
    for (let r = 6; r < 22; r++) for (let c = 6; c < 22; c++) img[r * 28 + c] = ((r * c) % 5) / 4;
    const b = gaussianBlur(img, S28, 1);
    expect(sum(b)).toBeCloseTo(sum(img), 3);
  });

  it("blurs a single pixel into the outer product of the 1-D kernel", () => {
    const img = new Float32Array(784);
    img[14 * 28 + 14] = 1;
    const w = gaussianKernel1d(0.7);
    const r = (w.length - 1) / 2;
    const b = gaussianBlur(img, S28, 0.7);
    for (let dy = -r; dy <= r; dy++)
      for (let dx = -r; dx <= r; dx++) expect(at(b, 14 + dy, 14 + dx)).toBeCloseTo(w[dy + r] * w[dx + r], 7);
  });
});

describe("contrast and brightness", () => {
  it("contrast leaves a mean-valued (constant) image unchanged", () => {
    const img = new Float32Array(784 * 2).fill(0.42);
    for (const c of CORRUPTIONS.contrast.severities as number[]) {
      const y = contrast(img, S28, c);
      expect(maxDev(y, 0.42)).toBeLessThan(1e-6);
    }
  });

  it("contrast scales the deviation from the image mean by c", () => {
    const img = pattern().map((v) => 0.3 + 0.4 * v); // in [0.3, 0.7]: no clipping for c <= 1
    const m = sum(img) / 784;
    const y = contrast(img, S28, 0.3);
    for (let j = 0; j < 784; j++) expect(y[j] - m).toBeCloseTo(0.3 * (img[j] - m), 6);
    // and clips: c = 3 pushes the extremes out of [0,1]
    const z = contrast(pattern(), S28, 3);
    expect(Math.min(...z)).toBe(0);
    expect(Math.max(...z)).toBe(1);
  });

  it("brightness is clip(x + c) (HSV value shift on gray pixels)", () => {
    const img = pattern();
    const y = brightness(img, S28, 0.3);
    for (let j = 0; j < 784; j++) expect(y[j]).toBeCloseTo(Math.min(1, img[j] + 0.3), 6);
  });
});

describe("pixelate (PIL BOX resize)", () => {
  it("BOX coefficients follow Pillow's precompute_coeffs: 5 -> 2 averages pixels {0,1,2} and {3,4}", () => {
    // scale 2.5, support 1.25; out 0: centre 1.25, t = (j + .5 - 1.25)/2.5 = -.3, .1, .5 -> all in (-.5, .5]
    // out 1: centre 3.75, j = 3, 4 (t = -.1, .3); j = 2 belongs to out 0 only (t = -.5 excluded)
    const c = boxCoefficients(5, 2);
    expect(Array.from(c.bounds)).toEqual([0, 3, 3, 2]);
    expect(Array.from(c.k.subarray(0, 3))).toEqual([1 / 3, 1 / 3, 1 / 3]);
    expect(Array.from(c.k.subarray(c.ksize, c.ksize + 2))).toEqual([0.5, 0.5]);
  });

  it("BOX upsampling is nearest: output i takes input floor((i + .5) * in / out)", () => {
    const c = boxCoefficients(18, 28);
    for (let i = 0; i < 28; i++) {
      expect(c.bounds[2 * i]).toBe(Math.floor(((i + 0.5) * 18) / 28));
      expect(c.bounds[2 * i + 1]).toBe(1);
      expect(c.k[i * c.ksize]).toBe(1);
    }
  });

  it("28 -> 14 is the mean of each 2x2 block; an image constant on those blocks survives 28 -> 14 -> 28", () => {
    const img = pattern();
    const low = resizeBox(img, S28, 14, 14);
    for (let r = 0; r < 14; r++)
      for (let c = 0; c < 14; c++) {
        const m = (at(img, 2 * r, 2 * c) + at(img, 2 * r, 2 * c + 1) + at(img, 2 * r + 1, 2 * c) + at(img, 2 * r + 1, 2 * c + 1)) / 4;
        expect(low[r * 14 + c]).toBeCloseTo(m, 6);
      }
    const blocks = new Float32Array(784);
    for (let r = 0; r < 28; r++) for (let c = 0; c < 28; c++) blocks[r * 28 + c] = low[(r >> 1) * 14 + (c >> 1)];
    expect(Array.from(pixelate(blocks, S28, 0.5))).toEqual(Array.from(blocks));
  });

  it("leaves constant images unchanged at every severity, and changes the pattern", () => {
    const img = new Float32Array(784 * 2).fill(0.6);
    for (const sev of [1, 2, 3, 4, 5] as const) {
      expect(maxDev(CORRUPTIONS.pixelate.apply(img, S28, sev, 0), 0.6)).toBeLessThan(1e-6);
      const y = CORRUPTIONS.pixelate.apply(pattern(), S28, sev, 0);
      expect(y.some((v, j) => Math.abs(v - pattern()[j]) > 0.05)).toBe(true);
    }
  });
});

describe("affine", () => {
  it("an integer shift moves a single bright pixel by (dx, dy) exactly", () => {
    const img = new Float32Array(784);
    img[10 * 28 + 12] = 1;
    const y = warpAffine(img, S28, { dx: 3, dy: -2, rotation: 0, scale: 1 });
    expect(at(y, 8, 15)).toBe(1);
    expect(sum(y)).toBe(1);
    // off the image: the pixel is lost, zeros come in
    expect(sum(warpAffine(img, S28, { dx: 20, dy: 0, rotation: 0, scale: 1 }))).toBe(0);
  });

  it("rotates about the centre (13.5, 13.5): +pi/2 sends (x, y) to (27 - y, x) (clockwise on screen)", () => {
    const img = new Float32Array(784);
    img[3 * 28 + 20] = 1; // row 3, col 20 -> x = 20, y = 3 -> x' = 24, y' = 20
    const y = warpAffine(img, S28, { dx: 0, dy: 0, rotation: Math.PI / 2, scale: 1 });
    expect(at(y, 20, 24)).toBeCloseTo(1, 6);
    expect(sum(y)).toBeCloseTo(1, 6);
  });

  it("matches scipy.ndimage.affine_transform(order=1, mode='grid-constant') for a combined map", () => {
    // Forward map C + 0.8 R(0.3) (p - C) + (2, -1); scipy 1.17 reference on pattern().
    const y = warpAffine(pattern(), S28, { dx: 2, dy: -1, rotation: 0.3, scale: 0.8 });
    const pts: [number, number][] = [[0, 0], [3, 20], [14, 14], [20, 5], [27, 27], [10, 26], [26, 1]];
    const ref = [0, 0.624605313, 0.679132266, 0.480640101, 0, 0.276649991, 0];
    pts.forEach(([r, c], i) => expect(at(y, r, c)).toBeCloseTo(ref[i], 6));
  });

  it("the corruption moves a centred blob's centroid by (+-shift, +-shift) at every severity", () => {
    const blob = new Float32Array(784 * 4);
    for (let i = 0; i < 4; i++)
      for (let r = 0; r < 28; r++)
        for (let c = 0; c < 28; c++) blob[i * 784 + r * 28 + c] = Math.exp(-((r - 13.5) ** 2 + (c - 13.5) ** 2) / 8);
    AFFINE_SEVERITIES.forEach((sev, k) => {
      const y = affine(blob, S28, sev, 17 + k);
      for (let i = 0; i < 4; i++) {
        let m = 0;
        let mx = 0;
        let my = 0;
        for (let r = 0; r < 28; r++)
          for (let c = 0; c < 28; c++) {
            const v = y[i * 784 + r * 28 + c];
            m += v;
            mx += v * c;
            my += v * r;
          }
        expect(Math.abs(mx / m - 13.5)).toBeCloseTo(sev.shift, 1);
        expect(Math.abs(my / m - 13.5)).toBeCloseTo(sev.shift, 1);
        // shrinking by `scale` shrinks the mass by scale^2
        expect(m / sum(blob.subarray(0, 784))).toBeCloseTo(sev.scale ** 2, 1);
      }
    });
  });
});
