/**
 * Affine corruption (spec 4, E3 "affine shifts"): shift + rotate + shrink about the image
 * centre, bilinear resampling with zeros outside the image, as MNIST-C's `shear` / `scale` /
 * `rotate` / `translate` (google-research/mnist-c `corruptions.py`: `skimage.transform.warp(x,
 * inverse_map=AffineTransform(...))`, whose defaults are order=1 (bilinear) and mode='constant',
 * cval=0; a neighbour outside the image counts as 0; the centre (13.5, 13.5) is kept fixed).
 * Severities: `AFFINE_SEVERITIES` in `tables.ts` (our definition, derived from MNIST-C).
 *
 * Coordinates: x = column (to the right), y = row (downwards), pixel centres at integers, centre
 * C = 13.5. The forward map sends a source point p to
 *   C + scale * R(rotation) (p - C) + (dx, dy),   R(t) = [[cos t, -sin t], [sin t, cos t]],
 * so the content moves by +dx columns and +dy rows; with y downwards a positive rotation turns
 * the picture clockwise on screen. Each output pixel samples the source at the inverse image of
 * its centre.
 */
import type { HostRng } from "../engine/hostRng.ts";
import { type CorruptOptions, SIDE, checkParam, mapImages, mapImagesRandom } from "./images.ts";
import type { AffineSeverity } from "./tables.ts";

/** A concrete affine map: shift (pixels), rotation (radians), scale (forward factor, < 1 shrinks). */
export type AffineParams = { dx: number; dy: number; rotation: number; scale: number };

function checkAffine(p: AffineParams): void {
  checkParam("affine dx", p.dx, () => true, "finite");
  checkParam("affine dy", p.dy, () => true, "finite");
  checkParam("affine rotation", p.rotation, () => true, "finite (radians)");
  checkParam("affine scale", p.scale, (v) => v > 0, "a finite number > 0");
}

/** Warp one 28x28 image `src` into `dst` (both 784 values) with `p`; bilinear, zero outside. */
export function warpAffineImage(src: Float32Array, dst: Float32Array, p: AffineParams): void {
  const S = SIDE; // local copy: see the performance note in images.ts
  const C = (S - 1) / 2;
  const cos = Math.cos(p.rotation);
  const sin = Math.sin(p.rotation);
  const inv = 1 / p.scale;
  for (let y = 0; y < S; y++) {
    const v = y - C - p.dy;
    for (let x = 0; x < S; x++) {
      const u = x - C - p.dx;
      const sx = C + (cos * u + sin * v) * inv;
      const sy = C + (-sin * u + cos * v) * inv;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      let val = 0;
      if (x0 >= -1 && x0 < S && y0 >= -1 && y0 < S) {
        const fx = sx - x0;
        const fy = sy - y0;
        // Neighbours outside the image read as cval = 0 (skimage mode 'constant').
        const inX0 = x0 >= 0;
        const inX1 = x0 + 1 < S;
        let top = 0;
        let bottom = 0;
        if (y0 >= 0) {
          const o = y0 * S + x0;
          top = (inX0 ? (1 - fx) * src[o] : 0) + (inX1 ? fx * src[o + 1] : 0);
        }
        if (y0 + 1 < S) {
          const o = (y0 + 1) * S + x0;
          bottom = (inX0 ? (1 - fx) * src[o] : 0) + (inX1 ? fx * src[o + 1] : 0);
        }
        val = (1 - fy) * top + fy * bottom;
      }
      dst[y * S + x] = val < 0 ? 0 : val > 1 ? 1 : val;
    }
  }
}

/** Apply the same affine map `p` to every image. @param images [n*784]; @returns [n*784] */
export function warpAffine(images: Float32Array, p: AffineParams): Float32Array {
  checkAffine(p);
  return mapImages(images, (src, dst) => warpAffineImage(src, dst, p));
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

/** The `affine` corruption: each image warped by its own `drawAffineParams(sev, rng)`. @returns [n*784] */
export function affine(images: Float32Array, sev: AffineSeverity, seed: number, opts: CorruptOptions = {}): Float32Array {
  checkAffine({ dx: sev.shift, dy: sev.shift, rotation: sev.rotation, scale: sev.scale });
  return mapImagesRandom(images, seed, opts, (src, dst, rng) => warpAffineImage(src, dst, drawAffineParams(sev, rng)));
}

