/** Softmax cross-entropy and accuracy counts. Consume their arguments (jax-js ownership). */
import { numpy as np, nn } from "@jax-js/jax";

/**
 * Mean softmax cross-entropy.
 * @param logits [B, C]
 * @param y one-hot [B, C]
 * @returns scalar
 */
export function crossEntropy(logits: np.Array, y: np.Array): np.Array {
  return nn.logSoftmax(logits).mul(y).sum(1).mean().neg();
}

/** Summed (not mean) cross-entropy, for exact averages over uneven eval batches. */
export function crossEntropySum(logits: np.Array, y: np.Array): np.Array {
  return nn.logSoftmax(logits).mul(y).sum().neg();
}

/**
 * Number of samples whose argmax logit is the labelled class.
 * @param logits [B, C]; @param y one-hot [B, C]
 * @returns scalar float32 count
 */
export function correctCount(logits: np.Array, y: np.Array): np.Array {
  return np.argmax(logits, 1).equal(np.argmax(y, 1)).astype(np.float32).sum();
}
