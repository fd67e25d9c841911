/**
 * Pixelate (CIFAR-10-C / MNIST-C `pixelate`): downsample an h x w image to `int(h * c)` x
 * `int(w * c)` pixels with PIL's BOX filter, then back up to h x w with BOX:
 *   x = x.resize((int(32 * c), int(32 * c)), PILImage.BOX); x = x.resize((32, 32), PILImage.BOX)
 * (CIFAR is 32 px; MNIST-C writes 28). `int` truncates, as `Math.trunc` here. Images are NHWC
 * [n*h*w*c]; each channel is resized independently with the same coefficients (as PIL does for
 * the bands of an RGB image).
 *
 * What PIL's BOX does (Pillow `src/libImaging/Resample.c`, `precompute_coeffs` and `box_filter`,
 * support 0.5), per axis, for input size `in` and output size `out`, scale = in / out:
 *   centre_i = (i + 0.5) * scale; filterscale = max(scale, 1); support = 0.5 * filterscale;
 *   candidate inputs j from int(centre - support + 0.5) (>= 0) to int(centre + support + 0.5) (<= in), exclusive;
 *   weight_j = box((j + 0.5 - centre) / filterscale), box(t) = 1 if -0.5 < t <= 0.5 else 0;
 *   weights normalized to sum 1.
 * Downsampling: output pixel i is the plain (unweighted) mean of the input pixels whose centres
 * fall in (centre - scale/2, centre + scale/2] -- no partial-area weights. Upsampling
 * (scale < 1): weight 1 on input floor((i + 0.5) * scale) only, i.e. exactly NEAREST
 * (Pillow's docs: "For upscaling is equivalent of NEAREST"). The 2-D resize is separable,
 * horizontal pass first, then vertical. CIFAR-C resizes 8-bit images (Pillow then rounds
 * the weights to 22-bit fixed point and the result to uint8); we work in float, as Pillow's
 * mode "F" path does (float32 intermediate image), with no 8-bit quantization.
 */
import { type ImageShape, checkParam, checkShape, mapImages } from "./images.ts";

/** Box-filter coefficients for one axis: `bounds[2i]` = first input, `bounds[2i+1]` = count; weights in `k[i*ksize ..]`. */
export type BoxCoefficients = { inSize: number; outSize: number; ksize: number; bounds: Int32Array; k: Float64Array };

/** Pillow `precompute_coeffs` for the BOX filter (in0 = 0, in1 = inSize). */
export function boxCoefficients(inSize: number, outSize: number): BoxCoefficients {
  checkParam("resize input size", inSize, (v) => Number.isInteger(v) && v >= 1, "an integer >= 1");
  checkParam("resize output size", outSize, (v) => Number.isInteger(v) && v >= 1, "an integer >= 1");
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = 0.5 * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const k = new Float64Array(outSize * ksize);
  const ss = 1 / filterscale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    // C's (int) cast truncates toward zero.
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const t = (x + xmin - center + 0.5) * ss;
      const w = t > -0.5 && t <= 0.5 ? 1 : 0;
      k[xx * ksize + x] = w;
      ww += w;
    }
    if (ww !== 0) for (let x = 0; x < xmax; x++) k[xx * ksize + x] /= ww;
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { inSize, outSize, ksize, bounds, k };
}

/**
 * Resize one image `src` of `shape` (h x w x c, HWC) to `outH` x `outW` x c with PIL BOX:
 * horizontal pass (coefficients `cx`: w -> outW), then vertical (`cy`: h -> outH), float32
 * intermediate `tmp` [h*outW*c]; each channel independently. Omitted coefficients and buffers
 * are made here. @returns `out` (new if omitted) [outH*outW*c]
 */
export function resizeBox(
  src: Float32Array,
  shape: ImageShape,
  outH: number,
  outW: number,
  cx?: BoxCoefficients,
  cy?: BoxCoefficients,
  out?: Float32Array,
  tmp?: Float32Array,
): Float32Array {
  checkShape(shape);
  const { h: H, w: W, c: C } = shape; // local copies: see the performance note in images.ts
  if (src.length !== H * W * C) throw new RangeError(`resizeBox: ${src.length} values for ${H}x${W}x${C}`);
  const hc = cx ?? boxCoefficients(W, outW);
  const vc = cy ?? boxCoefficients(H, outH);
  if (hc.inSize !== W || hc.outSize !== outW || vc.inSize !== H || vc.outSize !== outH) {
    throw new RangeError("resizeBox: coefficients for other sizes");
  }
  const RW = outW * C; // values per row of tmp and of the output
  const dst = out ?? new Float32Array(outH * RW);
  const mid = tmp ?? new Float32Array(H * RW);
  if (dst.length !== outH * RW || mid.length !== H * RW) throw new RangeError("resizeBox: buffers of other sizes");
  // mid: H rows x outW cols x C (horizontal pass, as Pillow does first)
  const { bounds: bx, k: kx, ksize: nx } = hc;
  for (let y = 0; y < H; y++) {
    for (let xx = 0; xx < outW; xx++) {
      const xmin = bx[xx * 2];
      const xmax = bx[xx * 2 + 1];
      const kb = xx * nx;
      for (let ch = 0; ch < C; ch++) {
        const sb = (y * W + xmin) * C + ch;
        let s = 0;
        for (let x = 0; x < xmax; x++) s += src[sb + x * C] * kx[kb + x];
        mid[y * RW + xx * C + ch] = s;
      }
    }
  }
  const { bounds: by, k: ky, ksize: ny } = vc;
  for (let yy = 0; yy < outH; yy++) {
    const ymin = by[yy * 2];
    const ymax = by[yy * 2 + 1];
    const kb = yy * ny;
    for (let xx = 0; xx < RW; xx++) {
      let s = 0;
      for (let y = 0; y < ymax; y++) s += mid[(ymin + y) * RW + xx] * ky[kb + y];
      dst[yy * RW + xx] = s;
    }
  }
  return dst;
}

/** Length of the low-resolution axis at factor `c` for an axis of `side` pixels: `int(side * c)`. */
export function pixelateSide(c: number, side: number): number {
  return Math.trunc(side * c);
}

/**
 * Pixelate every image: BOX-downsample h x w to `int(h * c)` x `int(w * c)`, BOX-upsample back
 * to h x w, each channel independently. `c` must keep the shorter side at least 1 pixel.
 * Values stay in [0,1] (both passes are convex combinations).
 * @param images [n*h*w*c] NHWC; @returns [n*h*w*c]
 */
export function pixelate(images: Float32Array, shape: ImageShape, c: number): Float32Array {
  checkShape(shape);
  const { h: H, w: W } = shape;
  const minSide = Math.min(H, W);
  checkParam(
    "pixelate factor c",
    c,
    (v) => v > 0 && v <= 1 && pixelateSide(v, minSide) >= 1,
    `in (1/${minSide}, 1] for ${H}x${W} images`,
  );
  const lowH = pixelateSide(c, H);
  const lowW = pixelateSide(c, W);
  const low: ImageShape = { h: lowH, w: lowW, c: shape.c };
  const downX = boxCoefficients(W, lowW);
  const downY = boxCoefficients(H, lowH);
  const upX = boxCoefficients(lowW, W);
  const upY = boxCoefficients(lowH, H);
  const small = new Float32Array(lowH * lowW * shape.c);
  const tmpDown = new Float32Array(H * lowW * shape.c);
  const tmpUp = new Float32Array(lowH * W * shape.c);
  return mapImages(images, shape, (src, dst) => {
    if (lowH === H && lowW === W) {
      dst.set(src); // PIL returns a copy when the size is unchanged
      return;
    }
    resizeBox(src, shape, lowH, lowW, downX, downY, small, tmpDown);
    resizeBox(small, low, H, W, upX, upY, dst, tmpUp);
  });
}
