/**
 * Pixelate (CIFAR-10-C / MNIST-C `pixelate`): downsample to `int(28 * c)` pixels a side with
 * PIL's BOX filter, then back up to 28 with BOX:
 *   x = x.resize((int(32 * c), int(32 * c)), PILImage.BOX); x = x.resize((32, 32), PILImage.BOX)
 * (CIFAR is 32 px; MNIST-C writes 28). `int` truncates, as `Math.trunc` here.
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
import { SIDE, checkParam, mapImages } from "./images.ts";

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
 * Resize one square `inSide` x `inSide` image (row-major) to `outSide` x `outSide` with PIL BOX:
 * horizontal pass, then vertical, float32 intermediate.
 */
export function resizeBox(
  src: Float32Array,
  inSide: number,
  outSide: number,
  c: BoxCoefficients = boxCoefficients(inSide, outSide),
  out: Float32Array = new Float32Array(outSide * outSide),
  tmp: Float32Array = new Float32Array(inSide * outSide),
): Float32Array {
  if (src.length !== inSide * inSide) throw new RangeError(`resizeBox: ${src.length} values for ${inSide}x${inSide}`);
  if (c.inSize !== inSide || c.outSize !== outSide) throw new RangeError("resizeBox: coefficients for other sizes");
  const { bounds, k, ksize } = c;
  // tmp: inSide rows x outSide cols (horizontal pass, as Pillow does first)
  for (let y = 0; y < inSide; y++) {
    for (let xx = 0; xx < outSide; xx++) {
      const xmin = bounds[xx * 2];
      const xmax = bounds[xx * 2 + 1];
      const kb = xx * ksize;
      const sb = y * inSide + xmin;
      let s = 0;
      for (let x = 0; x < xmax; x++) s += src[sb + x] * k[kb + x];
      tmp[y * outSide + xx] = s;
    }
  }
  for (let yy = 0; yy < outSide; yy++) {
    const ymin = bounds[yy * 2];
    const ymax = bounds[yy * 2 + 1];
    const kb = yy * ksize;
    for (let xx = 0; xx < outSide; xx++) {
      let s = 0;
      for (let y = 0; y < ymax; y++) s += tmp[(ymin + y) * outSide + xx] * k[kb + y];
      out[yy * outSide + xx] = s;
    }
  }
  return out;
}

/** Side of the low-resolution image at factor `c`: `int(28 * c)`. */
export function pixelateSide(c: number, side = SIDE): number {
  return Math.trunc(side * c);
}

/**
 * Pixelate every image: BOX-downsample to `int(28 * c)` a side, BOX-upsample back to 28.
 * Values stay in [0,1] (both passes are convex combinations).
 * @param images [n*784]; @returns [n*784]
 */
export function pixelate(images: Float32Array, c: number): Float32Array {
  checkParam("pixelate factor c", c, (v) => v > 0 && v <= 1 && pixelateSide(v) >= 1, "in (1/28, 1]");
  const low = pixelateSide(c);
  const S = SIDE;
  const down = boxCoefficients(S, low);
  const up = boxCoefficients(low, S);
  const small = new Float32Array(low * low);
  const tmpDown = new Float32Array(S * low);
  const tmpUp = new Float32Array(low * S);
  return mapImages(images, (src, dst) => {
    if (low === S) {
      dst.set(src); // PIL returns a copy when the size is unchanged
      return;
    }
    resizeBox(src, S, low, down, small, tmpDown);
    resizeBox(small, low, S, up, dst, tmpUp);
  });
}
