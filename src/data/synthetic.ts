/**
 * A small synthetic image dataset built in memory (seeded, pure): each class is a fixed random
 * prototype image, and a sample is its class prototype plus Gaussian pixel noise, clipped to
 * [0, 1]. Learnable in a few steps, any shape and number of classes: what tests use to run the
 * generic paths on data that is not Fashion-MNIST.
 */
import { HostRng } from "../engine/hostRng.ts";
import { NinrError } from "../errors.ts";
import type { Dataset, Split } from "./dataset.ts";

export type SyntheticOptions = {
  /** Per-sample shape, [H, W, C] or [D] (default [8, 8, 2]). */
  shape?: number[];
  classes?: number;
  nTrain?: number;
  nTest?: number;
  /** Pixel noise around the prototypes (default 0.15). */
  noise?: number;
  seed?: number;
};

export function syntheticDataset(opts: SyntheticOptions = {}): Dataset {
  const shape = opts.shape ?? [8, 8, 2];
  const classes = opts.classes ?? 3;
  const noise = opts.noise ?? 0.15;
  if (shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d < 1)) throw new NinrError(`synthetic data: shape must be positive integers, got [${shape}]`);
  if (!Number.isInteger(classes) || classes < 2 || classes > 255) throw new NinrError(`synthetic data: classes must be an integer in 2..255, got ${classes}`);
  const D = shape.reduce((a, b) => a * b, 1);
  const rng = new HostRng(opts.seed ?? 0);
  const protos = Array.from({ length: classes }, () => Float32Array.from({ length: D }, () => rng.uniform()));
  const make = (n: number, r: HostRng): Split => {
    const images = new Float32Array(n * D);
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const c = i % classes; // balanced
      labels[i] = c;
      for (let j = 0; j < D; j++) images[i * D + j] = Math.min(1, Math.max(0, protos[c][j] + noise * r.normal()));
    }
    return { images, labels, n };
  };
  return {
    name: "synthetic",
    inputShape: shape,
    classes,
    range: [0, 1],
    train: make(opts.nTrain ?? 512, rng.fork()),
    test: make(opts.nTest ?? 128, rng.fork()),
    source: "generated",
  };
}
