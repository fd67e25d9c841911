/**
 * Contrast and brightness (CIFAR-10-C / MNIST-C), on [n*h*w*c] NHWC images in [0,1].
 *
 * contrast: `np.clip((x - means) * c + means, 0, 1)`. CIFAR-10-C takes `means` per channel over
 *   the image (axes 0, 1); here `mean` is one number per image, the mean of all its h*w*c
 *   values. For grayscale (c = 1) the two agree, and so they do when all channels are equal.
 * brightness: CIFAR-10-C converts RGB to HSV, sets V <- clip(V + c, 0, 1), converts back. A gray
 *   pixel R = G = B = x has H = 0, S = 0, V = max(R,G,B) = x, and HSV -> RGB with S = 0 gives
 *   R = G = B = V. So on grayscale it is exactly clip(x + c, 0, 1). MNIST-C does the same through
 *   gray2rgb / rgb2gray, whose luminance weights (0.2125, 0.7154, 0.0721) sum to 1, so again
 *   clip(x + c, 0, 1). That is what `brightness` computes, on every value (any number of
 *   channels; for colour images it is a per-channel shift, not the HSV one).
 */
import { type ImageShape, checkParam, mapImages } from "./images.ts";

/**
 * (x - mean) * c + mean, clipped, per image (`mean` over the image's h*w*c values).
 * @param images [n*h*w*c] NHWC; @returns [n*h*w*c]
 */
export function contrast(images: Float32Array, shape: ImageShape, c: number): Float32Array {
  checkParam("contrast factor c", c, (v) => v >= 0, "a finite number >= 0");
  return mapImages(images, shape, (src, dst) => {
    const P = src.length; // h*w*c, a local: see the performance note in images.ts
    let m = 0;
    for (let j = 0; j < P; j++) m += src[j];
    m /= P;
    for (let j = 0; j < P; j++) {
      const v = (src[j] - m) * c + m;
      dst[j] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
  });
}

/** clip(x + c, 0, 1) (the grayscale form of CIFAR-C's HSV brightness). @param images [n*h*w*c] NHWC; @returns [n*h*w*c] */
export function brightness(images: Float32Array, shape: ImageShape, c: number): Float32Array {
  checkParam("brightness shift c", c, (v) => v >= -1 && v <= 1, "in [-1, 1]");
  return mapImages(images, shape, (src, dst) => {
    const P = src.length;
    for (let j = 0; j < P; j++) {
      const v = src[j] + c;
      dst[j] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
  });
}
