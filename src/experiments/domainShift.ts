/**
 * A held-out shifted test domain (docs/method.md §4.5), built from the test set we have: shifts
 * no model trains on (CDT trains on additive Gaussian noise, NINR on additive noise in the
 * features) and that the E3 suite (§4.3) does not contain either, so no choice of method or
 * hyper-parameter has seen them. Browser-safe, pure and seeded.
 *
 *   elastic  a smooth random displacement field per image (Simard, Steinkraus & Platt 2003):
 *            dx, dy ~ U(-1, 1) per pixel, Gaussian-filtered with sigma (mode reflect, truncate
 *            4), times alpha; bilinear resampling, range[0] outside the image. Simard's MNIST
 *            values alpha = 34 px, sigma = 4 px at 28 px; for an image side s (min(h, w)),
 *            sigma = 4 s / 28 and alpha = 34 (s / 28)^2, so the displacement (RMS about 1.4 px
 *            at 28) is the same fraction of the image. New shapes of the same objects.
 *   gamma_dark, gamma_light
 *            a tone curve on the range [lo, hi]: lo + (hi - lo) ((x - lo) / (hi - lo))^gamma,
 *            gamma = 2 (under-exposed: mid-tones darkened, 0.5 -> 0.25, faint texture sinks
 *            towards the background) and gamma = 0.5 (over-exposed: 0.25 -> 0.5); the range's ends
 *            stay. Another sensor response / exposure. Deterministic, any data (images or vectors).
 *
 * Both change every image systematically and in a way that depends on its content, rather than
 * adding independent perturbations around it: a different acquisition of the same classes.
 */
import { gaussianKernel1d } from "../corrupt/blur.ts";
import { mapImagesRandom } from "../corrupt/images.ts";
import { type Dataset, type Split, imageShape } from "../data/dataset.ts";
import { streamSeed } from "../engine/keys.ts";
import { NinrError } from "../errors.ts";
import type { ModelState, Params } from "../models/model.ts";
import { evaluate } from "../train/evaluate.ts";
import type { StepFns } from "../train/step.ts";

export const DOMAIN_SHIFT_NAMES = ["elastic", "gamma_dark", "gamma_light"] as const;
export type DomainShiftName = (typeof DOMAIN_SHIFT_NAMES)[number];

export type DomainShift = {
  name: DomainShiftName;
  /** The fixed strength (elastic: alpha at 28 px; gamma_*: the exponent). */
  level: number;
  parameter: string;
  random: boolean;
  /** Needs [H, W, C] images (elastic) or works on any data (gamma_*). */
  images: boolean;
};

export const DOMAIN_SHIFTS: Readonly<Record<DomainShiftName, DomainShift>> = {
  elastic: { name: "elastic", level: 34, parameter: "alpha 34 px, sigma 4 px at 28 px (Simard et al. 2003), scaled with the image side", random: true, images: true },
  gamma_dark: { name: "gamma_dark", level: 2, parameter: "tone curve x^2 on the data range", random: false, images: false },
  gamma_light: { name: "gamma_light", level: 0.5, parameter: "tone curve x^0.5 on the data range", random: false, images: false },
};

type ShiftInfo = Pick<Dataset, "inputShape" | "name" | "range">;

export function checkDomainShiftName(name: string): asserts name is DomainShiftName {
  if (!(DOMAIN_SHIFT_NAMES as readonly string[]).includes(name)) throw new NinrError(`unknown domain shift '${name}'; allowed: ${DOMAIN_SHIFT_NAMES.join(", ")}`);
}

/** The shifts that apply to this data (elastic needs images). */
export function applicableShifts(info: Pick<Dataset, "inputShape">): DomainShiftName[] {
  return DOMAIN_SHIFT_NAMES.filter((n) => !DOMAIN_SHIFTS[n].images || info.inputShape.length === 3);
}

/** scipy.ndimage 'reflect' index (d c b a | a b c d | d c b a) for any offset. */
function reflect(i: number, n: number): number {
  const p = 2 * n;
  const k = ((i % p) + p) % p;
  return k < n ? k : p - 1 - k;
}

/** Source index of every (position, tap) along an axis of length n, mode reflect. */
function reflectTaps(n: number, r: number): Int32Array {
  const L = 2 * r + 1;
  const idx = new Int32Array(n * L);
  for (let p = 0; p < n; p++) for (let t = 0; t < L; t++) idx[p * L + t] = reflect(p + t - r, n);
  return idx;
}

/** Separable Gaussian filter of one h x w field in place (mode reflect; taps from `reflectTaps`). */
function smooth(f: Float64Array, h: number, w: number, kernel: Float64Array, tapsY: Int32Array, tapsX: Int32Array, tmp: Float64Array): void {
  const L = kernel.length;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let t = 0; t < L; t++) s += kernel[t] * f[tapsY[y * L + t] * w + x];
      tmp[y * w + x] = s;
    }
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let t = 0; t < L; t++) s += kernel[t] * tmp[y * w + tapsX[x * L + t]];
      f[y * w + x] = s;
    }
}

/**
 * Elastic deformation of every image (one field per image, from that image's own stream, as the
 * corruption suite does: chunk-invariant). @param images [n*h*w*c] NHWC; @returns a new array.
 */
export function elasticShift(images: Float32Array, shape: { h: number; w: number; c: number }, dataRange: [number, number], seed: number, opts: { alpha?: number; sigma?: number } = {}): Float32Array {
  const { h: H, w: W, c: C } = shape;
  const side = Math.min(H, W) / 28;
  const alpha = opts.alpha ?? 34 * side * side;
  const sigma = opts.sigma ?? 4 * side;
  if (!(alpha >= 0 && Number.isFinite(alpha))) throw new NinrError(`elastic alpha must be >= 0, got ${alpha}`);
  const kernel = gaussianKernel1d(sigma);
  const [lo, hi] = dataRange;
  const dx = new Float64Array(H * W);
  const dy = new Float64Array(H * W);
  const tmp = new Float64Array(H * W);
  const r = (kernel.length - 1) / 2;
  const tapsY = reflectTaps(H, r);
  const tapsX = reflectTaps(W, r);
  return mapImagesRandom(images, shape, seed, {}, (src, dst, rng) => {
    for (let j = 0; j < H * W; j++) dx[j] = 2 * rng.uniform() - 1;
    for (let j = 0; j < H * W; j++) dy[j] = 2 * rng.uniform() - 1;
    smooth(dx, H, W, kernel, tapsY, tapsX, tmp);
    smooth(dy, H, W, kernel, tapsY, tapsX, tmp);
    const at = (yy: number, xx: number, ch: number) => (yy >= 0 && yy < H && xx >= 0 && xx < W ? src[(yy * W + xx) * C + ch] : lo);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const sx = x + alpha * dx[y * W + x];
        const sy = y + alpha * dy[y * W + x];
        const x0 = Math.floor(sx);
        const y0 = Math.floor(sy);
        const fx = sx - x0;
        const fy = sy - y0;
        for (let ch = 0; ch < C; ch++) {
          const v = (1 - fy) * ((1 - fx) * at(y0, x0, ch) + fx * at(y0, x0 + 1, ch)) + fy * ((1 - fx) * at(y0 + 1, x0, ch) + fx * at(y0 + 1, x0 + 1, ch));
          dst[(y * W + x) * C + ch] = v < lo ? lo : v > hi ? hi : v;
        }
      }
  });
}

/** The gamma tone curve on the data range. @returns a new array. */
export function gammaShift(values: Float32Array, dataRange: [number, number], gamma: number): Float32Array {
  if (!(Number.isFinite(gamma) && gamma > 0)) throw new NinrError(`gamma must be > 0, got ${gamma}`);
  const [lo, hi] = dataRange;
  const width = hi - lo;
  const out = new Float32Array(values.length);
  for (let j = 0; j < values.length; j++) {
    const u = Math.min(1, Math.max(0, (values[j] - lo) / width));
    out[j] = lo + width * Math.pow(u, gamma);
  }
  return out;
}

/** The seed a shift draws from: stream `domain-shift/<name>` of `seed`. */
export function domainShiftSeed(name: DomainShiftName, seed: number): number {
  return streamSeed(seed, `domain-shift/${name}`);
}

/** Shifted copies of `images` [n * D] (pure; seeded). */
export function shiftImages(info: ShiftInfo, images: Float32Array, name: string, seed = 0): Float32Array {
  checkDomainShiftName(name);
  if (name !== "elastic") return gammaShift(images, info.range, DOMAIN_SHIFTS[name].level);
  return elasticShift(images, imageShape(info), info.range, domainShiftSeed(name, seed));
}

/** The shifted test domain of a data set: its test split with shifted images, the same labels. */
export function shiftedTestSet(ds: ShiftInfo & Pick<Dataset, "test">, name: string, seed = 0): Split {
  return { images: shiftImages(ds, ds.test.images, name, seed), labels: ds.test.labels, n: ds.test.n };
}

export type DomainShiftRow = { shift: DomainShiftName; level: number; parameter: string; acc: number; loss: number; clean_acc: number; n: number };

/**
 * Accuracy of a model on each shifted test domain, and on the clean split beside it. Borrows
 * params and state. Evaluates as E3 does (`evaluate`: the run's own test-time setting).
 */
export async function evaluateDomainShift(
  model: { fns: StepFns; params: Params; state: ModelState },
  ds: ShiftInfo & Pick<Dataset, "classes">,
  test: Split,
  opts: { shifts?: readonly string[]; seed?: number; onShift?: (done: number, total: number, name: string) => void } = {},
): Promise<DomainShiftRow[]> {
  const shifts = opts.shifts ?? applicableShifts(ds);
  for (const s of shifts) checkDomainShiftName(s);
  const clean = await evaluate(model.fns, model.params, model.state, ds, test);
  const rows: DomainShiftRow[] = [];
  for (const [i, name] of (shifts as DomainShiftName[]).entries()) {
    const shifted: Split = { images: shiftImages(ds, test.images, name, opts.seed ?? 0), labels: test.labels, n: test.n };
    const r = await evaluate(model.fns, model.params, model.state, ds, shifted);
    const d = DOMAIN_SHIFTS[name];
    rows.push({ shift: name, level: d.level, parameter: d.parameter, acc: r.acc, loss: r.loss, clean_acc: clean.acc, n: test.n });
    opts.onShift?.(i + 1, shifts.length, name);
  }
  return rows;
}
