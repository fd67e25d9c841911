/**
 * Softmax cross-entropy and accuracy counts against hand-computed values (log-sum-exp worked
 * out in the comments). The loss functions consume their arguments.
 */
import { describe, expect, it } from "vitest";
import { numpy as np } from "@jax-js/jax";
import { correctCount, crossEntropy, crossEntropySum } from "../../src/train/loss.ts";

const f32 = (rows: number[][]) => np.array(rows, { dtype: np.float32 });
/** One-hot float32 rows for the given labels over C classes. */
const oneHot = (labels: number[], C: number) => f32(labels.map((l) => Array.from({ length: C }, (_, c) => (c === l ? 1 : 0))));
const scalar = async (a: np.Array) => (await a.data())[0] as number;
const rel = (a: number, e: number) => Math.abs(a - e) / Math.abs(e);

// Row 0: logits [1, 2, 3], label 2.
//   lse = 3 + ln(1 + e^-1 + e^-2) = 3 + ln(1.5032147244) = 3 + 0.4076059644 = 3.4076059644
//   CE  = lse - 3 = 0.4076059644
// Row 1: logits [2, 0, 0], label 1 (a wrong, confident prediction).
//   lse = 2 + ln(1 + 2 e^-2) = 2 + ln(1.2706705665) = 2 + 0.2395447662 = 2.2395447662
//   CE  = lse - 0 = 2.2395447662
// Mean = (0.4076059644 + 2.2395447662) / 2 = 1.3235753653; sum = 2.6471507306.
const LOGITS = [
  [1, 2, 3],
  [2, 0, 0],
];
const LABELS = [2, 1];
const MEAN = 1.3235753653;

describe("crossEntropy", () => {
  it("is the mean of lse(z) - z_y over the batch (2x3 by hand)", async () => {
    const ce = await scalar(crossEntropy(f32(LOGITS), oneHot(LABELS, 3)));
    expect(rel(ce, MEAN)).toBeLessThan(1e-6);
  });

  it("per row: each row alone gives its own CE", async () => {
    expect(rel(await scalar(crossEntropy(f32([LOGITS[0]]), oneHot([2], 3))), 0.4076059644)).toBeLessThan(1e-6);
    expect(rel(await scalar(crossEntropy(f32([LOGITS[1]]), oneHot([1], 3))), 2.2395447662)).toBeLessThan(1e-6);
  });

  it("uniform logits give ln C", async () => {
    // lse([0, 0, 0]) = ln 3 = 1.0986122887, z_y = 0
    expect(rel(await scalar(crossEntropy(f32([[0, 0, 0]]), oneHot([0], 3))), Math.log(3))).toBeLessThan(1e-6);
  });

  it("stays finite for logits of +-1000", async () => {
    // Row 0: [1000, 0, -1000], label 2: lse = 1000 + ln(1 + e^-1000 + e^-2000) = 1000, CE = 2000
    // Row 1: [1000, 1000, 0], label 1:  lse = 1000 + ln 2, CE = ln 2 = 0.6931471806
    // Mean = (2000 + 0.6931471806) / 2 = 1000.3465735903 (a naive exp(1000) would be Infinity)
    const logits = [
      [1000, 0, -1000],
      [1000, 1000, 0],
    ];
    const ce = await scalar(crossEntropy(f32(logits), oneHot([2, 1], 3)));
    expect(Number.isFinite(ce)).toBe(true);
    expect(rel(ce, 1000.3465735903)).toBeLessThan(1e-6);
    // The right class at +1000 against 0 and -1000: CE = ln(1 + e^-1000 + e^-2000) = 0 (not NaN).
    const ok = await scalar(crossEntropy(f32([logits[0]]), oneHot([0], 3)));
    expect(Number.isFinite(ok)).toBe(true);
    expect(Math.abs(ok)).toBeLessThan(1e-6);
  });
});

describe("crossEntropySum", () => {
  it("is B times the mean", async () => {
    const sum = await scalar(crossEntropySum(f32(LOGITS), oneHot(LABELS, 3)));
    expect(rel(sum, 2.6471507306)).toBeLessThan(1e-6);
    const mean = await scalar(crossEntropy(f32(LOGITS), oneHot(LABELS, 3)));
    expect(rel(sum, 2 * mean)).toBeLessThan(1e-6);
  });
});

describe("correctCount", () => {
  it("counts argmax hits, ties going to the first index", async () => {
    const logits = [
      [1, 2, 3], // argmax 2, label 2: correct
      [2, 0, 0], // argmax 0, label 1: wrong
      [5, 5, 1], // tie 0/1 -> argmax 0, label 0: correct
      [5, 5, 1], // tie 0/1 -> argmax 0, label 1: wrong
      [0, 0, 0], // three-way tie -> 0, label 2: wrong
      [-1, 4, 4], // tie 1/2 -> 1, label 1: correct
    ];
    const n = correctCount(f32(logits), oneHot([2, 1, 0, 1, 2, 1], 3));
    expect(n.dtype).toBe(np.float32);
    expect(await scalar(n)).toBe(3);
  });

  it("is 0 and B at the extremes", async () => {
    expect(await scalar(correctCount(f32(LOGITS), oneHot([0, 1], 3)))).toBe(0);
    expect(await scalar(correctCount(f32(LOGITS), oneHot([2, 0], 3)))).toBe(2);
  });
});
