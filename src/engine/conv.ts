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
 *   "backward"  for reverse mode (the training step): one matmul per kernel tap, summed, so the
 *               backward has no concatenate to transpose (that transpose, a sum of 9 padded
 *               views, took 85 of 530 ms of a CNN step), and the kernel's gradient is one tiled
 *               [Cin, Cout] reduction per tap. jax-js tiles a reduction only when its output rows
 *               come in SIMD groups of 4, so 2 <= Cin < 8 not a multiple of 4 (the detector's 6
 *               calorimeter layers) is padded with zero channels; Cin = 1 is left alone (measured
 *               faster unpadded). Until 2026-12-07 layers with Cin < 8 used im2col with one matmul
 *               per sample instead, whose forward ran untiled (a [B, H*W, K] x [B, K, Cout]
 *               matmul: 222-232 ms of a traced CNN step at batch 128, 44-67 ms of the ResNet's):
 *               taps for every Cin gave the CNN step about +45% and the ResNet step about +10%
 *               (same-run medians on a loaded machine, bench/README.md). Not for anything else:
 *               per-tap products cost more than one im2col matmul in a forward or forward-mode
 *               program (the probe's JVP, the curvature's linearised noise product).
 *
 * Layout: NHWC activations, HWIO kernels (channels last, so a shifted slice reshapes to a
 * [B*H*W, Cin] matrix and im2col is a concatenate on the last axis).
 * Ownership: every function consumes its array arguments (jax-js convention).
 */
import { numpy as np } from "@jax-js/jax";

export type ConvForm = "im2col" | "backward";

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
  if (form === "backward") {
    // Zero channels (exact zeros in every product) so the per-tap kernel gradient is tiled.
    const Cp = Cin === 1 ? 1 : Math.ceil(Cin / SIMD_LANES) * SIMD_LANES;
    let kt = k.reshape([kh * kw, Cin, Cout]);
    if (Cp > Cin) kt = np.pad(kt, [[0, 0], [0, Cp - Cin], [0, 0]]);
    let out: np.Array | null = null;
    cols.forEach((c, t) => {
      const cp = Cp > Cin ? np.pad(c, [[0, 0], [0, 0], [0, 0], [0, Cp - Cin]]) : c;
      const y = np.dot(cp.reshape([B * H * W, Cp]), kt.ref.slice(t));
      out = out ? out.add(y) : y;
    });
    kt.dispose();
    return out!.reshape([B, H, W, Cout]);
  }
  // Patches [B, H, W, K] with (i, j, c) ordering matching k.reshape([K, Cout]).
  const K = kh * kw * Cin;
  const patches = np.concatenate(cols, 3);
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
