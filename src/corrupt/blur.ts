/**
 * Gaussian blur as in CIFAR-10-C / MNIST-C `gaussian_blur`: `skimage.filters.gaussian(x,
 * sigma=c, multichannel=True)`. skimage's defaults there are `mode='nearest'`, `cval=0`,
 * `truncate=4.0`, and it calls `scipy.ndimage.gaussian_filter`, i.e. a separable correlation
 * with the 1-D kernel of `scipy.ndimage._gaussian_kernel1d`:
 *   radius r = int(truncate * sigma + 0.5),  w[k] = exp(-k^2 / (2 sigma^2)) / sum_j exp(-j^2 / (2 sigma^2)),
 *   k = -r..r (normalized to sum 1 on the taps, not by sqrt(2 pi) sigma).
 * Boundary `nearest` repeats the edge pixel (a a a | a b c d | d d d); note this is not the
 * `reflect` mode that `make_cifar_c.py` passes explicitly elsewhere (elastic, spatter), since
 * `gaussian_blur` relies on the default. On grayscale, `multichannel` is moot. The output is
 * clipped to [0,1] as in the source (a convex combination already is).
 */
import { SIDE, checkParam, mapImages } from "./images.ts";

/** The 1-D kernel `w[0..2r]` (centre at index r), scipy `_gaussian_kernel1d(sigma, 0, r)`. */
export function gaussianKernel1d(sigma: number, truncate = 4): Float64Array {
  checkParam("gaussian blur sigma", sigma, (v) => v > 0, "a finite number > 0");
  const r = Math.trunc(truncate * sigma + 0.5);
  const w = new Float64Array(2 * r + 1);
  let sum = 0;
  for (let k = -r; k <= r; k++) {
    const v = Math.exp((-0.5 / (sigma * sigma)) * k * k);
    w[k + r] = v;
    sum += v;
  }
  for (let k = 0; k < w.length; k++) w[k] /= sum;
  return w;
}

/**
 * Blur every 28x28 image with `sigma` (pixels), mode `nearest`, truncate 4.
 * @param images [n*784]; @returns [n*784]
 */
export function gaussianBlur(images: Float32Array, sigma: number): Float32Array {
  const w = gaussianKernel1d(sigma);
  const L = w.length;
  const r = (L - 1) / 2;
  const S = SIDE; // local copy: see the performance note in images.ts
  // Clamped source index for every (output position, tap): mode 'nearest'.
  const idx = new Int32Array(S * L);
  for (let p = 0; p < S; p++) {
    for (let k = -r; k <= r; k++) idx[p * L + k + r] = Math.min(S - 1, Math.max(0, p + k));
  }
  const tmp = new Float64Array(S * S);
  return mapImages(images, (src, dst) => {
    // Axis 0 (vertical) first, then axis 1, as scipy loops over the axes in order.
    for (let y = 0; y < S; y++) {
      const row = y * S;
      const base = y * L;
      for (let x = 0; x < S; x++) tmp[row + x] = 0;
      for (let t = 0; t < L; t++) {
        const wt = w[t];
        const from = idx[base + t] * S;
        for (let x = 0; x < S; x++) tmp[row + x] += wt * src[from + x];
      }
    }
    for (let y = 0; y < S; y++) {
      const row = y * S;
      for (let x = 0; x < S; x++) {
        const base = x * L;
        let s = 0;
        for (let t = 0; t < L; t++) s += w[t] * tmp[row + idx[base + t]];
        dst[row + x] = s < 0 ? 0 : s > 1 ? 1 : s;
      }
    }
  });
}
