/**
 * Gaussian blur as in CIFAR-10-C / MNIST-C `gaussian_blur`: `skimage.filters.gaussian(x,
 * sigma=c, multichannel=True)`. skimage's defaults there are `mode='nearest'`, `cval=0`,
 * `truncate=4.0`, and it calls `scipy.ndimage.gaussian_filter`, i.e. a separable correlation
 * with the 1-D kernel of `scipy.ndimage._gaussian_kernel1d`:
 *   radius r = int(truncate * sigma + 0.5),  w[k] = exp(-k^2 / (2 sigma^2)) / sum_j exp(-j^2 / (2 sigma^2)),
 *   k = -r..r (normalized to sum 1 on the taps, not by sqrt(2 pi) sigma).
 * Boundary `nearest` repeats the edge pixel (a a a | a b c d | d d d); note this is not the
 * `reflect` mode that `make_cifar_c.py` passes explicitly elsewhere (elastic, spatter), since
 * `gaussian_blur` relies on the default. `multichannel` blurs each channel separately. The
 * output is clipped to [0,1] as in the source (a convex combination already is). Images are
 * NHWC [n*h*w*c], any h and w (taps are clamped at the edges, so the kernel may exceed the image).
 */
import { type ImageShape, checkParam, imageCount, mapImages } from "./images.ts";

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
 * Clamped source offset (index times `stride`) for every (output position, tap) along an axis
 * of length `n`: mode 'nearest'.
 */
function nearestTaps(n: number, r: number, stride: number): Int32Array {
  const L = 2 * r + 1;
  const idx = new Int32Array(n * L);
  for (let p = 0; p < n; p++) {
    for (let k = -r; k <= r; k++) idx[p * L + k + r] = Math.min(n - 1, Math.max(0, p + k)) * stride;
  }
  return idx;
}

/**
 * Blur every image with `sigma` (pixels, both axes), mode `nearest`, truncate 4; each channel
 * independently (as skimage with multichannel=True: sigma 0 along the channel axis).
 * @param images [n*h*w*c] NHWC; @returns [n*h*w*c]
 */
export function gaussianBlur(images: Float32Array, shape: ImageShape, sigma: number): Float32Array {
  const wt1 = gaussianKernel1d(sigma);
  imageCount(images, shape);
  const L = wt1.length;
  const r = (L - 1) / 2;
  const { h: H, w: W, c: C } = shape; // local copies: see the performance note in images.ts
  const RW = W * C; // values per image row
  const idxY = nearestTaps(H, r, RW);
  const idxX = nearestTaps(W, r, C);
  const tmp = new Float64Array(H * RW);
  return mapImages(images, shape, (src, dst) => {
    // Axis 0 (vertical) first, then axis 1, as scipy loops over the axes in order. The
    // vertical pass moves whole rows, so it treats the w*c values of a row alike.
    for (let y = 0; y < H; y++) {
      const row = y * RW;
      const base = y * L;
      for (let x = 0; x < RW; x++) tmp[row + x] = 0;
      for (let t = 0; t < L; t++) {
        const wt = wt1[t];
        const from = idxY[base + t];
        for (let x = 0; x < RW; x++) tmp[row + x] += wt * src[from + x];
      }
    }
    for (let y = 0; y < H; y++) {
      const row = y * RW;
      for (let x = 0; x < W; x++) {
        const base = x * L;
        for (let ch = 0; ch < C; ch++) {
          const at = row + ch;
          let s = 0;
          for (let t = 0; t < L; t++) s += wt1[t] * tmp[at + idxX[base + t]];
          dst[row + x * C + ch] = s < 0 ? 0 : s > 1 ? 1 : s;
        }
      }
    }
  });
}
