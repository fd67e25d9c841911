/**
 * The Dataset contract (browser-safe) and the one batcher every consumer uses — training,
 * evaluation, curvature, the NIW probe and the tests — so inputs and one-hot targets are built
 * in exactly one place.
 *
 * A split stores n samples flat: `images` [n * D] float32 row-major (images NHWC, D = H*W*C),
 * `labels` [n] class indices. Models receive x [B, D] and reshape it themselves.
 */
import { numpy as np } from "@jax-js/jax";
import { NinrError } from "../errors.ts";

export type Split = { images: Float32Array; labels: Uint8Array; n: number };

export type Dataset = {
  /** Registry name ("fashion-mnist", "synthetic", ...). */
  name: string;
  /** Per-sample input shape: [H, W, C] for images (NHWC), [D] for vectors. */
  inputShape: number[];
  classes: number;
  classNames?: string[];
  /** Range of the input values (corruptions and CDT clip to it). */
  range: [number, number];
  train: Split;
  test: Split;
  /** Where it came from ("full", "sample", "generated"), and the folder when read from disk. */
  source: string;
  dir?: string;
};

/** The shape facts of a dataset (what models, corruptions and batches need). */
export type DataInfo = Pick<Dataset, "inputShape" | "classes" | "range">;

/** Features per sample. */
export function sampleSize(info: Pick<Dataset, "inputShape">): number {
  return info.inputShape.reduce((a, b) => a * b, 1);
}

/** Image shape of an image dataset ({h, w, c}); a NinrError for vector data. */
export function imageShape(info: Pick<Dataset, "inputShape" | "name">): { h: number; w: number; c: number } {
  if (info.inputShape.length !== 3) throw new NinrError(`data set '${info.name}' holds vectors of shape [${info.inputShape}], not images [H, W, C]`);
  const [h, w, c] = info.inputShape;
  return { h, w, c };
}

/**
 * Gather samples `idx` of a split on the host: x [B * D] and one-hot y [B * classes].
 * Labels outside 0..classes-1 are a NinrError (files read back are untrusted).
 */
export function hostBatch(info: Pick<Dataset, "inputShape" | "classes">, split: Split, idx: ArrayLike<number>): { x: Float32Array; y: Float32Array } {
  const D = sampleSize(info);
  const C = info.classes;
  const B = idx.length;
  const x = new Float32Array(B * D);
  const y = new Float32Array(B * C);
  for (let r = 0; r < B; r++) {
    const i = idx[r];
    if (!(i >= 0 && i < split.n)) throw new RangeError(`batch index ${i} is outside 0..${split.n - 1}`);
    x.set(split.images.subarray(i * D, i * D + D), r * D);
    const c = split.labels[i];
    if (c >= C) throw new NinrError(`label ${c} at index ${i} is outside 0..${C - 1}`);
    y[r * C + c] = 1;
  }
  return { x, y };
}

/** Samples `idx` as device arrays: x [B, D], y one-hot [B, classes] (the caller owns both). */
export function deviceBatch(info: Pick<Dataset, "inputShape" | "classes">, split: Split, idx: ArrayLike<number>): { x: np.Array; y: np.Array } {
  const { x, y } = hostBatch(info, split, idx);
  return { x: np.array(x).reshape([idx.length, sampleSize(info)]), y: np.array(y).reshape([idx.length, info.classes]) };
}

/** Indices lo..hi-1 (for contiguous evaluation batches). */
export function range(lo: number, hi: number): Int32Array {
  const out = new Int32Array(Math.max(0, hi - lo));
  for (let i = 0; i < out.length; i++) out[i] = lo + i;
  return out;
}

/** The first n samples of a split (views, no copy). */
export function head(info: Pick<Dataset, "inputShape">, split: Split, n: number): Split {
  const m = Math.min(n, split.n);
  return { images: split.images.subarray(0, m * sampleSize(info)), labels: split.labels.subarray(0, m), n: m };
}

/** Check a split's arrays against the data shape (a NinrError naming `what`). */
export function checkSplit(info: Pick<Dataset, "inputShape" | "classes">, split: Split, what: string): void {
  const D = sampleSize(info);
  if (split.labels.length !== split.n || split.images.length !== split.n * D)
    throw new NinrError(`${what}: ${split.images.length} values and ${split.labels.length} labels for n = ${split.n} samples of ${D} features`);
  for (let i = 0; i < split.n; i++) if (split.labels[i] >= info.classes) throw new NinrError(`${what}: label ${split.labels[i]} at index ${i} is outside 0..${info.classes - 1}`);
}
