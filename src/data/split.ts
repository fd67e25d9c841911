/**
 * Pure, seeded helpers on a data split: hold-out, subsets, shuffled mini-batch indices and
 * copying examples out (docs/method.md §4: 5k of the 60k train images held out for selection; plain SGD
 * with batch 64). All randomness comes from `HostRng`, so the same seed gives the same split
 * on every platform. No I/O.
 */
import { NinrError } from "../errors.ts";
import { HostRng } from "../engine/hostRng.ts";
import type { Split } from "./dataset.ts";

/** Number of features per example (784 for Fashion-MNIST), derived from the split itself. */
export function featureSize(split: Split): number {
  if (split.n === 0) return 0;
  const d = split.images.length / split.n;
  if (!Number.isInteger(d) || split.labels.length !== split.n) {
    throw new RangeError(
      `inconsistent split: n=${split.n}, images.length=${split.images.length}, labels.length=${split.labels.length}`,
    );
  }
  return d;
}

/** The examples at `idx`, in that order, as a new (copied) split. */
export function take(split: Split, idx: Int32Array): Split {
  const { x, y } = gather(split, idx);
  return { images: x, labels: y, n: idx.length };
}

function sortedCopy(a: Int32Array): Int32Array {
  return Int32Array.from(a).sort();
}

/**
 * Split off `nHoldout` examples for model selection (docs/method.md §4: 5000 of the 60000 train images).
 * A permutation from `HostRng(seed)` is drawn; its first `nHoldout` entries are the hold-out,
 * the rest the fit set. Each part keeps the original order (indices sorted ascending), so the
 * two parts are disjoint, cover the split, and are easy to verify; training shuffles anyway.
 * Needs `0 <= nHoldout < split.n` (the fit set must not be empty).
 */
export function holdout(split: Split, nHoldout: number, seed: number): { fit: Split; holdout: Split } {
  if (!Number.isInteger(nHoldout) || nHoldout < 0 || nHoldout >= split.n) {
    throw new NinrError(
      `hold-out size ${nHoldout} is invalid for a split of ${split.n} examples; ` +
        `use an integer from 0 to ${split.n - 1} (the rest is the fit set)`,
    );
  }
  const idx = holdoutIndices(split.n, nHoldout, seed);
  return { holdout: take(split, idx.holdout), fit: take(split, idx.fit) };
}

/** The indices `holdout()` takes, each part sorted ascending. */
export function holdoutIndices(n: number, nHoldout: number, seed: number): { holdout: Int32Array; fit: Int32Array } {
  const perm = new HostRng(seed).permutation(n);
  return { holdout: sortedCopy(perm.subarray(0, nHoldout)), fit: sortedCopy(perm.subarray(nHoldout)) };
}

/**
 * A random subset of `n` examples: the first `n` entries of a `HostRng(seed)` permutation,
 * sorted ascending (original order kept). Nested for a fixed seed: `subset(s, m, seed)` is
 * contained in `subset(s, n, seed)` for `m <= n`. Needs `1 <= n <= split.n`.
 */
export function subset(split: Split, n: number, seed: number): Split {
  if (!Number.isInteger(n) || n < 1 || n > split.n) {
    throw new NinrError(
      `subset size ${n} is invalid: the split has ${split.n} examples; use an integer from 1 to ${split.n}`,
    );
  }
  const perm = new HostRng(seed).permutation(split.n);
  return take(split, sortedCopy(perm.subarray(0, n)));
}

/**
 * One shuffled epoch of mini-batch index lists (docs/method.md §4: plain SGD, batch 64).
 * Draws a permutation of `0..n-1` from `rng` (advancing it, so successive epochs differ) and
 * cuts it into batches of `batchSize`. Choice: the last, partial batch (`n % batchSize`
 * examples) is KEPT, so every example is seen exactly once per epoch; callers that need equal
 * batch shapes can drop it (`batches.filter(b => b.length === batchSize)`).
 */
export function batchIndices(n: number, batchSize: number, rng: HostRng): Int32Array[] {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new NinrError(`batch size ${batchSize} is invalid; use a positive integer (the default is 64)`);
  }
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`batchIndices: bad n ${n}`);
  const perm = rng.permutation(n);
  const out: Int32Array[] = [];
  for (let s = 0; s < n; s += batchSize) out.push(perm.slice(s, Math.min(n, s + batchSize)));
  return out;
}

/**
 * Copy the examples at `idx` (images and labels, in that order): `x` is `[idx.length, d]`
 * row-major float32, `y` the `[idx.length]` labels. Batches for a model (one-hot targets, device
 * arrays) come from `hostBatch` / `deviceBatch` in dataset.ts.
 */
export function gather(split: Split, idx: Int32Array): { x: Float32Array; y: Uint8Array } {
  const d = featureSize(split);
  const m = idx.length;
  const x = new Float32Array(m * d);
  const y = new Uint8Array(m);
  for (let k = 0; k < m; k++) {
    const i = idx[k];
    if (i < 0 || i >= split.n) throw new RangeError(`gather: index ${i} out of range 0..${split.n - 1}`);
    x.set(split.images.subarray(i * d, (i + 1) * d), k * d);
    y[k] = split.labels[i];
  }
  return { x, y };
}

/**
 * Class-balanced pick: walk a permutation drawn from `rng` and keep the first `perClass`
 * indices of each class `0..classes-1`; return them sorted ascending by original index.
 * Used to choose the bundled sample (scripts/make-sample.ts) and by the tests that verify it.
 */
export function stratifiedPick(labels: Uint8Array, perClass: number, rng: HostRng, classes = 10): Int32Array {
  const perm = rng.permutation(labels.length);
  const counts = new Array<number>(classes).fill(0);
  const picked: number[] = [];
  for (let k = 0; k < perm.length && picked.length < perClass * classes; k++) {
    const i = perm[k];
    const c = labels[i];
    if (c < classes && counts[c] < perClass) {
      counts[c]++;
      picked.push(i);
    }
  }
  const short = counts.findIndex((c) => c < perClass);
  if (short >= 0) {
    throw new NinrError(`class ${short} has only ${counts[short]} examples; cannot pick ${perClass} per class`);
  }
  return Int32Array.from(picked).sort();
}
