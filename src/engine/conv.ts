/**
 * Fast 3x3-style convolution and 2x2 max-pooling for the Wasm backend.
 *
 * Why not `lax.conv`: on jax-js's Wasm backend it ran the CNN of docs/method.md §4 about 20x slower than the
 * same convolution written with shifted slices and matmuls, because the matmul kernel is the only
 * one that is tiled and vectorised. How the matmuls are arranged matters as much, and the best
 * arrangement depends on what the program does with the convolution, because jax-js's autodiff
 * transposes (reverse mode) or pushes forward (forward mode) whatever the forward wrote. Two
 * forms, the same function (both checked against `lax.conv`, and their gradients against each
 * other, in test/engine/conv.test.ts):
 *
 *   "im2col"    shifted slices, one concatenate, one [B*H*W, kh*kw*Cin] x [kh*kw*Cin, Cout]
 *               matmul. Fastest forward, and for forward-mode products (the NIW probe's JVP,
 *               curvature): the default.
 *   "backward"  for reverse mode (the training step): wide layers (Cin >= 8) as one matmul per
 *               kernel tap, summed, so the backward has no concatenate to transpose (that
 *               transpose, a sum of 9 padded views, took 85 of 530 ms of a CNN step); narrow
 *               layers (Cin = 1) as im2col with one matmul per sample, so the kernel's gradient
 *               is per-sample tiled reductions instead of one reduction of B*H*W products into
 *               only 288 outputs, which jax-js runs untiled at 0.3 GFLOP/s (189 ms a step), and
 *               the patch length padded with zeros to a multiple of 4 (9 -> 12), without which
 *               even the per-sample reductions stay untiled (61 ms a step at 1 GFLOP/s).
 *               Train step 232 -> about 410 samples/s on one core (bench/README.md). Not for
 *               anything else: its forward alone is 2.7x slower than "im2col", the probe's JVP
 *               3.4x, the curvature's linearised noise product 12x (scratch A/Bs, batch 64-500).
 *
 * Layout: NHWC activations, HWIO kernels (channels last, so a shifted slice reshapes to a
 * [B*H*W, Cin] matrix and im2col is a concatenate on the last axis).
 * Ownership: every function consumes its array arguments (jax-js convention).
 */
import { numpy as np } from "@jax-js/jax";

export type ConvForm = "im2col" | "backward";

/** In the "backward" form, layers with at least this many input channels sum one matmul per tap. */
const TAPS_FROM_CIN = 8;
/** f32x4: jax-js's Wasm reductions are tiled in groups of this many outputs. */
const SIMD_LANES = 4;

/**
 * 2-D convolution, stride 1, "same" zero padding (odd kernel sizes).
 * @param x [B, H, W, Cin]
 * @param k [kh, kw, Cin, Cout]
 * @param form which arrangement of matmuls (see the module comment); same result either way
 * @returns [B, H, W, Cout]
 */
export function conv2dSame(x: np.Array, k: np.Array, form: ConvForm = "im2col"): np.Array {
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
  if (form === "backward" && Cin >= TAPS_FROM_CIN) {
    const kt = k.reshape([kh * kw, Cin, Cout]);
    let out: np.Array | null = null;
    cols.forEach((c, t) => {
      const y = np.dot(c.reshape([B * H * W, Cin]), kt.ref.slice(t));
      out = out ? out.add(y) : y;
    });
    kt.dispose();
    return out!.reshape([B, H, W, Cout]);
  }
  // Patches [B, H, W, K] with (i, j, c) ordering matching k.reshape([K, Cout]).
  const patches = np.concatenate(cols, 3);
  if (form === "backward") {
    // The kernel's gradient is [B, K, Cout] of per-sample reductions; jax-js tiles a reduction
    // only when its output rows come in SIMD groups of 4, so K = 9 (3x3, Cin = 1) ran untiled at
    // 0.2-0.3 GFLOP/s. Zero columns / rows up to a multiple of 4 (adding exact zeros) make it
    // tiled: that kernel 188 -> 36 ms and 512 -> 42 ms in two traced CNN steps (bench/README.md).
    const Kp = Math.ceil(K / SIMD_LANES) * SIMD_LANES;
    let pk = patches.reshape([B, H * W, K]);
    let kk = k.reshape([K, Cout]);
    if (Kp > K) {
      pk = np.pad(pk, [[0, 0], [0, 0], [0, Kp - K]]);
      kk = np.pad(kk, [[0, Kp - K], [0, 0]]);
    }
    const kb = np.broadcastTo(kk.reshape([1, Kp, Cout]), [B, Kp, Cout]);
    return np.matmul(pk, kb).reshape([B, H, W, Cout]);
  }
  return np.dot(patches.reshape([B * H * W, K]), k.reshape([K, Cout])).reshape([B, H, W, Cout]);
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

/**
 * Keep every second row and column: [B, H, W, C] -> [B, H/2, W/2, C] (H, W even). A stride-2
 * "same" convolution is `subsample2(conv2dSame(x, k))`: the same outputs as a strided conv, at
 * four times the work, which is fine for the small residual nets it serves.
 */
export function subsample2(x: np.Array): np.Array {
  const [B, H, W, C] = x.shape;
  return x.reshape([B, H / 2, 2, W / 2, 2, C]).slice([], [], 0, [], 0);
}
