/**
 * Fast 3x3-style convolution and 2x2 max-pooling for the Wasm backend.
 *
 * Why not `lax.conv`: on jax-js's Wasm backend it ran the spec's CNN about 20x slower than the
 * same convolution written as im2col (shifted slices, one concatenate, one matmul), because the
 * matmul kernel is the only one that is tiled and vectorised. `test/engine/conv.test.ts` checks
 * this path against `lax.conv` for equality.
 *
 * Layout: NHWC activations, HWIO kernels (channels last, so im2col is a concatenate on the last
 * axis and the contraction is a plain [B*H*W, kh*kw*Cin] x [kh*kw*Cin, Cout] matmul).
 * Ownership: every function consumes its array arguments (jax-js convention).
 */
import { numpy as np } from "@jax-js/jax";

/** Contractions shorter than this (kh*kw*Cin) take the per-sample path. */
const SPLIT_BELOW_K = 32;

/**
 * 2-D convolution, stride 1, "same" zero padding (odd kernel sizes).
 * @param x [B, H, W, Cin]
 * @param k [kh, kw, Cin, Cout]
 * @returns [B, H, W, Cout]
 */
export function conv2dSame(x: np.Array, k: np.Array): np.Array {
  const [B, H, W, Cin] = x.shape;
  const [kh, kw, kCin, Cout] = k.shape;
  if (kCin !== Cin) throw new Error(`conv2dSame: kernel expects ${kCin} input channels, got ${Cin}`);
  const ph = (kh - 1) / 2;
  const pw = (kw - 1) / 2;
  const xp = np.pad(x, [[0, 0], [ph, ph], [pw, pw], [0, 0]]);
  const cols: np.Array[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      cols.push(xp.ref.slice([], [i, i + H], [j, j + W], []));
    }
  }
  xp.dispose();
  const K = kh * kw * Cin;
  if (K >= SPLIT_BELOW_K) {
    // [B*H*W, K] patches with (i, j, c) ordering matching k.reshape([K, Cout]); one matmul.
    const patches = np.concatenate(cols, 3).reshape([B * H * W, K]);
    return np.dot(patches, k.reshape([K, Cout])).reshape([B, H, W, Cout]);
  }
  // Short contractions (the first layer, K = 9): one matmul per sample against the kernel
  // broadcast over the batch. In the single-matmul form the kernel's gradient is one reduction
  // over all B*H*W rows into only K*Cout = 288 outputs, which jax-js runs untiled at 0.3 GFLOP/s
  // (189 of 663 ms of a CNN step, bench/profile.ts cnn); here it is B reductions over H*W summed
  // over B (68 ms). Not for long K: there jax-js's batched matmul is 2-3x slower than its 2-D
  // one. (Transposing the patches to [B, K, H*W] so both operands are contiguous along the
  // reduction was slower still: 77 ms.)
  const patches = np.concatenate(cols, 3).reshape([B, H * W, K]);
  const kb = np.broadcastTo(k.reshape([1, K, Cout]), [B, K, Cout]);
  return np.matmul(patches, kb).reshape([B, H, W, Cout]);
}

/**
 * 2x2 max-pooling with stride 2 (H and W must be even).
 * @param x [B, H, W, C]
 * @returns [B, H/2, W/2, C]
 */
export function maxPool2(x: np.Array): np.Array {
  const [B, H, W, C] = x.shape;
  if (H % 2 !== 0 || W % 2 !== 0) throw new Error(`maxPool2 needs even H and W, got ${H}x${W}`);
  return x.reshape([B, H / 2, 2, W / 2, 2, C]).max([2, 4]);
}
