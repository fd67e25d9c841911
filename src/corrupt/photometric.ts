/**
 * Contrast and brightness (CIFAR-10-C / MNIST-C), on [n*784] grayscale images in [0,1].
 *
 * contrast: `np.clip((x - means) * c + means, 0, 1)` with `means` the per-channel mean over the
 *   image (axes 0, 1); for grayscale, the mean of the image's 784 pixels.
 * brightness: CIFAR-10-C converts RGB to HSV, sets V <- clip(V + c, 0, 1), converts back. A gray
 *   pixel R = G = B = x has H = 0, S = 0, V = max(R,G,B) = x, and HSV -> RGB with S = 0 gives
 *   R = G = B = V. So on grayscale it is exactly clip(x + c, 0, 1). MNIST-C does the same through
 *   gray2rgb / rgb2gray, whose luminance weights (0.2125, 0.7154, 0.0721) sum to 1, so again
 *   clip(x + c, 0, 1). That is what `brightness` computes.
 */
import { PIXELS, checkParam, mapImages } from "./images.ts";

/** (x - mean) * c + mean, clipped, per image. @param images [n*784]; @returns [n*784] */
export function contrast(images: Float32Array, c: number): Float32Array {
  checkParam("contrast factor c", c, (v) => v >= 0, "a finite number >= 0");
  const P = PIXELS; // local copy: see the performance note in images.ts
  return mapImages(images, (src, dst) => {
    let m = 0;
    for (let j = 0; j < P; j++) m += src[j];
    m /= P;
    for (let j = 0; j < P; j++) {
      const v = (src[j] - m) * c + m;
      dst[j] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
  });
}

/** clip(x + c, 0, 1) (the grayscale form of CIFAR-C's HSV brightness). @returns [n*784] */
export function brightness(images: Float32Array, c: number): Float32Array {
  checkParam("brightness shift c", c, (v) => v >= -1 && v <= 1, "in [-1, 1]");
  const P = PIXELS;
  return mapImages(images, (src, dst) => {
    for (let j = 0; j < P; j++) {
      const v = src[j] + c;
      dst[j] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
  });
}
