/**
 * Fast 3x3-style convolution and 2x2 max-pooling for the Wasm backend.
 *
 * Why not `lax.conv`: on jax-js's Wasm backend it ran the spec's CNN about 20x slower than the
 * same convolution written with shifted slices and matmuls, because the matmul kernel is the only
 * one that is tiled and vectorised. How the matmuls are arranged matters as much, because the
 * backward pass is whatever autodiff makes of the forward (measured with bench/profile.ts cnn):
 *   - wide inputs (Cin >= 8, the second layer): one matmul per kernel tap, summed;
 *   - narrow inputs (the first layer, Cin = 1): im2col patches, one matmul per sample.
 * Together they took the CNN train step from 232 to about 415 samples/s on one core. Both paths
 * are checked against `lax.conv` in `test/engine/conv.test.ts`, and the network's gradients
 * against central differences in `test/models/network.test.ts`.
 *
 * Layout: NHWC activations, HWIO kernels (channels last, so a shifted slice reshapes to a
 * [B*H*W, Cin] matrix and im2col is a concatenate on the last axis).
 * Ownership: every function consumes its array arguments (jax-js convention).
 */
import { numpy as np } from "@jax-js/jax";

/** Layers with at least this many input channels sum one matmul per kernel tap; narrower ones
 * (the first layer, Cin = 1) take the per-sample im2col path. */
const SUM_FROM_CIN = 8;

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
  if (Cin >= SUM_FROM_CIN) {
    // One [B*H*W, Cin] x [Cin, Cout] matmul per kernel tap, summed: no patch matrix at all. The
    // backward then has no concatenate to undo (its transpose, a sum of 9 padded views, was 85 ms
    // of a 530 ms CNN step) and the taps' weight gradients are 2048-output tiled reductions:
    // conv2's forward + backward 164 ms instead of 299 (scratch A/B, batch 128).
    const kt = k.reshape([kh * kw, Cin, Cout]);
    let out: np.Array | null = null;
    cols.forEach((c, t) => {
      const y = np.dot(c.reshape([B * H * W, Cin]), kt.ref.slice(t));
      out = out ? out.add(y) : y;
    });
    kt.dispose();
    return out!.reshape([B, H, W, Cout]);
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
