/**
 * Affine corruption (docs/method.md §4, E3 "affine shifts"): shift + rotate + shrink about the image
 * centre, bilinear resampling with zeros outside the image, as MNIST-C's `shear` / `scale` /
 * `rotate` / `translate` (google-research/mnist-c `corruptions.py`: `skimage.transform.warp(x,
 * inverse_map=AffineTransform(...))`, whose defaults are order=1 (bilinear) and mode='constant',
 * cval=0; a neighbour outside the image counts as 0; the image centre is kept fixed).
 * Severities: `AFFINE_SEVERITIES` in `tables.ts` (our definition, derived from MNIST-C).
 * Images are NHWC [n*h*w*c], any h and w; every channel of an image gets the same map.
 *
 * Coordinates: x = column (to the right), y = row (downwards), pixel centres at integers,
 * centre C = ((w - 1) / 2, (h - 1) / 2), (13.5, 13.5) for 28x28. The forward map sends a source
 * point p to
 *   C + scale * R(rotation) (p - C) + (dx, dy),   R(t) = [[cos t, -sin t], [sin t, cos t]],
 * so the content moves by +dx columns and +dy rows; with y downwards a positive rotation turns
 * the picture clockwise on screen. Each output pixel samples the source at the inverse image of
 * its centre.
 */
import type { HostRng } from "../engine/hostRng.ts";
import { type CorruptOptions, type ImageShape, checkParam, checkShape, mapImages, mapImagesRandom } from "./images.ts";
import type { AffineSeverity } from "./tables.ts";

/** A concrete affine map: shift (pixels), rotation (radians), scale (forward factor, < 1 shrinks). */
export type AffineParams = { dx: number; dy: number; rotation: number; scale: number };

function checkAffine(p: AffineParams): void {
  checkParam("affine dx", p.dx, () => true, "finite");
  checkParam("affine dy", p.dy, () => true, "finite");
  checkParam("affine rotation", p.rotation, () => true, "finite (radians)");
  checkParam("affine scale", p.scale, (v) => v > 0, "a finite number > 0");
}

/**
 * Warp one image `src` into `dst` (both h*w*c values, HWC, of `shape`) with `p`; bilinear, zero
 * outside; the same sample positions and weights for every channel.
 */
export function warpAffineImage(src: Float32Array, dst: Float32Array, shape: ImageShape, p: AffineParams): void {
  checkShape(shape);
  const { h: H, w: W, c: NC } = shape; // local copies: see the performance note in images.ts
  if (src.length !== H * W * NC || dst.length !== H * W * NC) {
    throw new RangeError(`warpAffineImage: ${src.length} and ${dst.length} values for ${H}x${W}x${NC}`);
  }
  const CX = (W - 1) / 2;
  const CY = (H - 1) / 2;
  const cos = Math.cos(p.rotation);
  const sin = Math.sin(p.rotation);
  const inv = 1 / p.scale;
  for (let y = 0; y < H; y++) {
    const v = y - CY - p.dy;
    for (let x = 0; x < W; x++) {
      const u = x - CX - p.dx;
      const sx = CX + (cos * u + sin * v) * inv;
      const sy = CY + (-sin * u + cos * v) * inv;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const d = (y * W + x) * NC;
      if (!(x0 >= -1 && x0 < W && y0 >= -1 && y0 < H)) {
        for (let ch = 0; ch < NC; ch++) dst[d + ch] = 0;
        continue;
      }
      const fx = sx - x0;
      const fy = sy - y0;
      // Neighbours outside the image read as cval = 0 (skimage mode 'constant').
      const inX0 = x0 >= 0;
      const inX1 = x0 + 1 < W;
      const inY0 = y0 >= 0;
      const inY1 = y0 + 1 < H;
      const oTop = (y0 * W + x0) * NC;
      const oBottom = ((y0 + 1) * W + x0) * NC;
      for (let ch = 0; ch < NC; ch++) {
        let top = 0;
        let bottom = 0;
        if (inY0) {
          const o = oTop + ch;
          top = (inX0 ? (1 - fx) * src[o] : 0) + (inX1 ? fx * src[o + NC] : 0);
        }
        if (inY1) {
          const o = oBottom + ch;
          bottom = (inX0 ? (1 - fx) * src[o] : 0) + (inX1 ? fx * src[o + NC] : 0);
        }
        const val = (1 - fy) * top + fy * bottom;
        dst[d + ch] = val < 0 ? 0 : val > 1 ? 1 : val;
      }
    }
  }
}

/** Apply the same affine map `p` to every image. @param images [n*h*w*c] NHWC; @returns [n*h*w*c] */
export function warpAffine(images: Float32Array, shape: ImageShape, p: AffineParams): Float32Array {
  checkAffine(p);
  return mapImages(images, shape, (src, dst) => warpAffineImage(src, dst, shape, p));
}

/**
 * The map one image gets at severity `sev`: shift `sev.shift` along each axis and rotation
 * `sev.rotation`, each with a random sign (three draws from `rng`: dx sign, dy sign, rotation
 * sign; as MNIST-C's `np.random.choice([-1, 1])`), and shrink `sev.scale`.
 */
export function drawAffineParams(sev: AffineSeverity, rng: HostRng): AffineParams {
  const sign = () => (rng.uniform() < 0.5 ? -1 : 1);
  const dx = sign() * sev.shift;
  const dy = sign() * sev.shift;
  const rotation = sign() * sev.rotation;
  return { dx, dy, rotation, scale: sev.scale };
}

/**
 * The `affine` corruption: each image warped by its own `drawAffineParams(sev, rng)` (one draw
 * per image, applied to all its channels). @param images [n*h*w*c] NHWC; @returns [n*h*w*c]
 */
export function affine(
  images: Float32Array,
  shape: ImageShape,
  sev: AffineSeverity,
  seed: number,
  opts: CorruptOptions = {},
): Float32Array {
  checkAffine({ dx: sev.shift, dy: sev.shift, rotation: sev.rotation, scale: sev.scale });
  return mapImagesRandom(images, shape, seed, opts, (src, dst, rng) =>
    warpAffineImage(src, dst, shape, drawAffineParams(sev, rng)),
  );
}

