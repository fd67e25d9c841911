import { describe, expect, it } from "vitest";
import { HostRng } from "../../src/engine/hostRng.ts";
import { NinrError } from "../../src/errors.ts";
import { addGaussianNoise } from "../../src/corrupt/additive.ts";
import {
  AFFINE_SEVERITIES,
  CORRUPTION_NAMES,
  additiveGaussian,
  affine,
  brightness,
  checkShape,
  contrast,
  corrupt,
  gaussianBlur,
  gaussianKernel1d,
  gaussianNoise,
  imageSeeds,
  impulseNoise,
  pixelate,
  resizeBox,
  shotNoise,
  speckleNoise,
  warpAffine,
  warpAffineImage,
  type ImageShape,
} from "../../src/corrupt/index.ts";

const equal = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => v === b[i]);
const size = (s: ImageShape) => s.h * s.w * s.c;

/** `n` seeded random images of `shape` in [0,1] (a third of the values exactly 0 or 1). */
function random(shape: ImageShape, n: number, seed: number): Float32Array {
  const rng = new HostRng(seed);
  const x = new Float32Array(n * size(shape));
  for (let j = 0; j < x.length; j++) {
    const u = rng.uniform();
    x[j] = u < 0.2 ? 0 : u > 0.85 ? 1 : u;
  }
  return x;
}

/** NHWC images with `c` channels, every channel a copy of the grayscale images `gray`. */
function replicate(gray: Float32Array, c: number): Float32Array {
  const out = new Float32Array(gray.length * c);
  for (let j = 0; j < gray.length; j++) for (let ch = 0; ch < c; ch++) out[j * c + ch] = gray[j];
  return out;
}

/** Channel `ch` of NHWC images with `c` channels. */
function channel(x: Float32Array, c: number, ch: number): Float32Array {
  const out = new Float32Array(x.length / c);
  for (let j = 0; j < out.length; j++) out[j] = x[j * c + ch];
  return out;
}

/** Swap rows and columns of every image: [n, h, w, c] -> [n, w, h, c]. */
function transpose(x: Float32Array, s: ImageShape): Float32Array {
  const out = new Float32Array(x.length);
  const n = x.length / size(s);
  for (let i = 0; i < n; i++)
    for (let r = 0; r < s.h; r++)
      for (let col = 0; col < s.w; col++)
        for (let ch = 0; ch < s.c; ch++) {
          out[((i * s.w + col) * s.h + r) * s.c + ch] = x[((i * s.h + r) * s.w + col) * s.c + ch];
        }
  return out;
}

const RGB: ImageShape = { h: 8, w: 6, c: 3 };
const GRAY: ImageShape = { h: 8, w: 6, c: 1 };

describe("multi-channel images (NHWC)", () => {
  const gray = random(GRAY, 3, 1);
  const rgb = replicate(gray, 3);

  // Each case: the same corruption on the 3-channel copies and on the grayscale images.
  const cases: [string, (x: Float32Array, s: ImageShape) => Float32Array][] = [
    ["blur 0.6", (x, s) => gaussianBlur(x, s, 0.6)],
    ["blur 3 (kernel wider than the image)", (x, s) => gaussianBlur(x, s, 3)],
    ["pixelate 0.5", (x, s) => pixelate(x, s, 0.5)],
    ["pixelate 0.7", (x, s) => pixelate(x, s, 0.7)],
    ["brightness", (x, s) => brightness(x, s, 0.2)],
    ["warpAffine", (x, s) => warpAffine(x, s, { dx: 0.7, dy: -1.2, rotation: 0.4, scale: 0.8 })],
    ["affine (one draw per image)", (x, s) => affine(x, s, AFFINE_SEVERITIES[2], 5)],
  ];
  for (const name of ["gaussian_blur", "brightness", "pixelate", "affine"]) cases.push([`corrupt ${name}`, (x, s) => corrupt(x, s, name, 4, 9)]);

  it("copies of one grayscale image: every channel equals the grayscale result, bit for bit", () => {
    for (const [what, f] of cases) {
      const ref = f(gray, GRAY);
      const y = f(rgb, RGB);
      expect(y.length, what).toBe(rgb.length);
      for (let ch = 0; ch < 3; ch++) expect(equal(channel(y, 3, ch), ref), `${what}, channel ${ch}`).toBe(true);
    }
  });

  it("contrast with equal channels matches grayscale (mean over all h*w*c values)", () => {
    for (const c of [0.15, 0.5, 2]) {
      const ref = contrast(gray, GRAY, c);
      const y = contrast(rgb, RGB, c);
      for (let ch = 0; ch < 3; ch++) channel(y, 3, ch).forEach((v, j) => expect(v).toBeCloseTo(ref[j], 6));
    }
    // with different channels the mean is the image's mean over all its values
    const x = random(RGB, 1, 2);
    const m = x.reduce((s, v) => s + v, 0) / x.length;
    const y = contrast(x, RGB, 0.5);
    x.forEach((v, j) => expect(y[j]).toBeCloseTo(Math.min(1, Math.max(0, (v - m) * 0.5 + m)), 6));
  });

  it("spatial corruptions treat channels independently: channel k of the output is the corruption of channel k", () => {
    const x = random(RGB, 2, 3); // different channels
    const spatial: [string, (x: Float32Array, s: ImageShape) => Float32Array][] = [
      ["blur", (x, s) => gaussianBlur(x, s, 0.8)],
      ["pixelate", (x, s) => pixelate(x, s, 0.6)],
      ["warpAffine", (x, s) => warpAffine(x, s, { dx: 1, dy: 0.5, rotation: -0.3, scale: 0.9 })],
      ["affine", (x, s) => affine(x, s, AFFINE_SEVERITIES[4], 12)],
    ];
    for (const [what, f] of spatial) {
      const y = f(x, RGB);
      for (let ch = 0; ch < 3; ch++) expect(equal(channel(y, 3, ch), f(channel(x, 3, ch), GRAY)), `${what}, channel ${ch}`).toBe(true);
    }
  });

  it("every corruption keeps [0,1], per-image streams and chunking (firstIndex) on 8x6x3 images", () => {
    const x = random(RGB, 5, 4);
    const P = size(RGB);
    for (const name of CORRUPTION_NAMES) {
      const full = corrupt(x, RGB, name, 5, 21);
      expect(full.length).toBe(x.length);
      expect(full.every((v) => v >= 0 && v <= 1), name).toBe(true);
      const tail = corrupt(x.slice(2 * P), RGB, name, 5, 21, { firstIndex: 2 });
      expect(equal(full.subarray(2 * P), tail), name).toBe(true);
    }
    const raw = additiveGaussian(x, P, 0.5, "unclipped", 3);
    expect(equal(raw, gaussianNoise(x, RGB, 0.5, 3, false))).toBe(true);
    expect(equal(raw.subarray(3 * P), additiveGaussian(x.slice(3 * P), P, 0.5, "unclipped", 3, { firstIndex: 3 }))).toBe(true);
  });
});

describe("non-square images", () => {
  const WIDE: ImageShape = { h: 5, w: 9, c: 1 };
  const TALL: ImageShape = { h: 9, w: 5, c: 2 };

  it("blur: a single pixel becomes the outer product of the kernel; transposing commutes with it", () => {
    const img = new Float32Array(size({ h: 11, w: 13, c: 1 }));
    img[5 * 13 + 6] = 1;
    const w = gaussianKernel1d(0.7);
    const r = (w.length - 1) / 2;
    const b = gaussianBlur(img, { h: 11, w: 13, c: 1 }, 0.7);
    for (let dy = -r; dy <= r; dy++)
      for (let dx = -r; dx <= r; dx++) expect(b[(5 + dy) * 13 + 6 + dx]).toBeCloseTo(w[dy + r] * w[dx + r], 7);
    for (const s of [WIDE, TALL]) {
      const x = random(s, 2, 7);
      const t = { h: s.w, w: s.h, c: s.c };
      const ref = transpose(gaussianBlur(x, s, 1.1), s);
      gaussianBlur(transpose(x, s), t, 1.1).forEach((v, j) => expect(v).toBeCloseTo(ref[j], 6));
      expect(gaussianBlur(new Float32Array(size(s)).fill(0.3), s, 2).every((v) => Math.abs(v - 0.3) < 1e-6)).toBe(true);
    }
  });

  it("pixelate: each axis goes to int(side * c) separately; block-constant images survive", () => {
    const s: ImageShape = { h: 12, w: 8, c: 1 };
    const x = random(s, 1, 8);
    // c = 0.5: 12x8 -> 6x4, each low pixel the mean of a 2x2 block, then nearest back up
    const low = resizeBox(x, s, 6, 4);
    const y = pixelate(x, s, 0.5);
    const at = (r: number, col: number) => x[r * 8 + col];
    for (let r = 0; r < 12; r++)
      for (let col = 0; col < 8; col++) {
        const [r0, c0] = [r - (r % 2), col - (col % 2)];
        const m = (at(r0, c0) + at(r0, c0 + 1) + at(r0 + 1, c0) + at(r0 + 1, c0 + 1)) / 4;
        expect(low[(r >> 1) * 4 + (col >> 1)]).toBeCloseTo(m, 6);
        expect(y[r * 8 + col]).toBe(low[(r >> 1) * 4 + (col >> 1)]);
      }
    expect(equal(pixelate(y, s, 0.5), y)).toBe(true);
    // c = 0.75: 9x6 (not 9x9 or 6x6); the transposed image gives the transposed result (up to
    // float32 rounding: the horizontal pass runs first)
    const t = { h: 8, w: 12, c: 1 };
    const a = pixelate(x, s, 0.75);
    transpose(pixelate(transpose(x, s), t, 0.75), t).forEach((v, j) => expect(v).toBeCloseTo(a[j], 6));
    expect(equal(a, resizeBox(resizeBox(x, s, 9, 6), { h: 9, w: 6, c: 1 }, 12, 8))).toBe(true);
    for (const sh of [WIDE, TALL]) {
      const z = random(sh, 3, 9);
      const p = pixelate(z, sh, 0.6);
      expect(p.length).toBe(z.length);
      expect(p.every((v) => v >= 0 && v <= 1)).toBe(true);
    }
  });

  it("affine: shifts are exact and rotation by pi turns the image about its own centre", () => {
    const s: ImageShape = { h: 7, w: 10, c: 1 };
    const img = new Float32Array(size(s));
    img[2 * 10 + 3] = 1; // row 2, column 3
    const shifted = warpAffine(img, s, { dx: 4, dy: 3, rotation: 0, scale: 1 });
    expect(shifted[5 * 10 + 7]).toBe(1);
    expect(shifted.reduce((a, v) => a + v, 0)).toBe(1);
    // centre ((w-1)/2, (h-1)/2) = (4.5, 3): rotating by pi sends (x, y) to (9 - x, 6 - y)
    const x = random(s, 1, 10);
    const rot = new Float32Array(size(s));
    warpAffineImage(x, rot, s, { dx: 0, dy: 0, rotation: Math.PI, scale: 1 });
    for (let r = 0; r < 7; r++) for (let col = 0; col < 10; col++) expect(rot[r * 10 + col]).toBeCloseTo(x[(6 - r) * 10 + 9 - col], 6);
    for (const sh of [WIDE, TALL]) {
      const z = random(sh, 4, 11);
      const y = affine(z, sh, AFFINE_SEVERITIES[1], 3);
      expect(y.length).toBe(z.length);
      expect(y.every((v) => v >= 0 && v <= 1)).toBe(true);
      expect(equal(y, affine(z, sh, AFFINE_SEVERITIES[1], 3))).toBe(true);
    }
  });
});

describe("shape errors", () => {
  const x = new Float32Array(size(RGB));
  const calls: [string, (s: ImageShape, x: Float32Array) => unknown][] = [
    ["corrupt", (s, x) => corrupt(x, s, "contrast", 1, 0)],
    ["corrupt affine", (s, x) => corrupt(x, s, "affine", 1, 0)],
    ["gaussianNoise", (s, x) => gaussianNoise(x, s, 0.1, 0, true)],
    ["shotNoise", (s, x) => shotNoise(x, s, 10, 0)],
    ["impulseNoise", (s, x) => impulseNoise(x, s, 0.1, 0)],
    ["speckleNoise", (s, x) => speckleNoise(x, s, 0.1, 0)],
    ["contrast", (s, x) => contrast(x, s, 0.5)],
    ["brightness", (s, x) => brightness(x, s, 0.1)],
    ["gaussianBlur", (s, x) => gaussianBlur(x, s, 1)],
    ["pixelate", (s, x) => pixelate(x, s, 0.9)],
    ["warpAffine", (s, x) => warpAffine(x, s, { dx: 1, dy: 0, rotation: 0, scale: 1 })],
    ["affine", (s, x) => affine(x, s, AFFINE_SEVERITIES[0], 0)],
  ];

  it("checkShape names the bad field and value", () => {
    expect(() => checkShape(RGB)).not.toThrow();
    const bad: [Partial<ImageShape>, RegExp][] = [
      [{ h: 0, w: 6, c: 3 }, /image shape h must be a positive integer, got 0/],
      [{ h: 8, w: 2.5, c: 3 }, /image shape w must be a positive integer, got 2\.5/],
      [{ h: 8, w: 6, c: -1 }, /image shape c must be a positive integer, got -1/],
      [{ h: Number.NaN, w: 6, c: 3 }, /image shape h must be a positive integer, got NaN/],
      [{ h: 8, w: 6 }, /image shape c must be a positive integer, got undefined/],
    ];
    for (const [s, msg] of bad) {
      expect(() => checkShape(s as ImageShape)).toThrow(NinrError);
      expect(() => checkShape(s as ImageShape)).toThrow(msg);
      for (const [what, f] of calls) expect(() => f(s as ImageShape, x), what).toThrow(msg);
    }
    expect(() => checkShape(null as unknown as ImageShape)).toThrow(/image shape must be an object .*got null/);
    for (const [what, f] of calls) expect(() => f(null as unknown as ImageShape, x), what).toThrow(NinrError);
  });

  it("a length that is not a multiple of h*w*c names the length and h x w x c", () => {
    for (const [what, f] of calls) {
      expect(() => f(RGB, new Float32Array(100)), what).toThrow(NinrError);
      expect(() => f(RGB, new Float32Array(100)), what).toThrow(/100 values, not a multiple of 144 \(8 x 6 x 3 images/);
    }
    // 784 values are one 28x28 image but not whole 8x6x3 images
    expect(() => corrupt(new Float32Array(784), RGB, "pixelate", 1, 0)).toThrow(/784 values, not a multiple of 144/);
    expect(() => corrupt(new Float32Array(144), { h: 28, w: 28, c: 1 }, "pixelate", 1, 0)).toThrow(/not a multiple of 784 \(28 x 28 x 1/);
  });

  it("pixelate's factor is checked against the shorter side", () => {
    const s: ImageShape = { h: 8, w: 12, c: 1 };
    const img = new Float32Array(size(s));
    expect(() => pixelate(img, s, 0.1)).toThrow(NinrError);
    expect(() => pixelate(img, s, 0.1)).toThrow(/pixelate factor c must be in \(1\/8, 1\] for 8x12 images, got 0\.1/);
    expect(pixelate(img, s, 0.125)).toHaveLength(img.length); // int(8 * 0.125) = 1
  });
});

describe("additive Gaussian grid on any data (sampleSize values per sample)", () => {
  it("draws per sample from the sample's own seed, for vectors too", () => {
    const D = 10;
    const x = random({ h: 1, w: 1, c: D }, 6, 12); // 6 vectors of 10 values
    const seeds = imageSeeds(4, 6);
    const y = additiveGaussian(x, D, 0.3, "unclipped", 4);
    for (let k = 0; k < 6; k++) {
      const ref = addGaussianNoise(x.subarray(k * D, (k + 1) * D), 0.3, seeds[k]);
      expect(equal(y.subarray(k * D, (k + 1) * D), ref)).toBe(true);
    }
    expect(equal(additiveGaussian(x, D, 0.3, "clipped", 4), y.map((v) => Math.min(1, Math.max(0, v))))).toBe(true);
    expect(equal(y.subarray(4 * D), additiveGaussian(x.slice(4 * D), D, 0.3, "unclipped", 4, { firstIndex: 4 }))).toBe(true);
  });

  it("bad sampleSize or a length that is not a multiple of it names the value", () => {
    const x = new Float32Array(30);
    for (const bad of [0, -3, 2.5, Number.NaN]) {
      expect(() => additiveGaussian(x, bad, 0.1, "clipped", 0)).toThrow(NinrError);
      expect(() => additiveGaussian(x, bad, 0.1, "clipped", 0)).toThrow(new RegExp(`sampleSize .*positive integer, got ${String(bad)}`));
    }
    expect(() => additiveGaussian(x, 7, 0.1, "clipped", 0)).toThrow(/30 values, not a multiple of the sample size 7/);
    expect(() => additiveGaussian([0.5] as unknown as Float32Array, 1, 0.1, "clipped", 0)).toThrow(/must be a Float32Array/);
  });
});
