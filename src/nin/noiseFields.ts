/**
 * Spatially correlated Gaussian NIN noise (docs/method.md §6.1): one field per sample over a
 * conv site's image, eps = sigma * (K * w), w white N(0, 1), K a separable Gaussian kernel
 * normalised to sum K^2 = 1. The white noise is drawn on the image padded by the kernel's
 * radius and convolved "valid", so every pixel sees the whole kernel: the field is stationary,
 * with marginal variance exactly sigma^2 at every pixel, borders included.
 *
 * Correlation length l (cells): the kernel's 1-D taps are k(u) ~ exp(-u^2 / l^2) (a Gaussian of
 * width l / sqrt(2)), so the field's correlation at lag d along an axis is
 * rho(d) = sum_u k(u) k(u + d) ~ exp(-d^2 / (2 l^2)) (exact discrete value: `fieldCorrelation`);
 * at lag (dy, dx) it is rho(dy) rho(dx). l = 0 is the one-tap kernel: i.i.d. N(0, sigma^2) per
 * pixel, the white field. Channels are independent fields.
 *
 * Dense (fc) sites have no geometry: there every structured kind injects today's white scalar
 * eps [B] (docs/method.md §6.1).
 */
import { numpy as np, random } from "@jax-js/jax";
import { type NoiseModel, sampleEps } from "./noise.ts";
import type { NinSite } from "./sites.ts";

/** The kernel is cut at this many widths (l / sqrt(2)); the cut tail holds < 1e-8 of sum k^2. */
const KERNEL_CUT = 4;

/** Normalised 1-D taps k(-R..R) of correlation length l (cells), sum k^2 = 1. l = 0: [1]. */
export function kernelTaps(length: number): Float64Array {
  if (!(length >= 0) || !Number.isFinite(length)) throw new Error(`kernelTaps: correlation length must be finite and >= 0, got ${length}`);
  if (length === 0) return Float64Array.of(1);
  const R = Math.ceil((KERNEL_CUT * length) / Math.SQRT2);
  const k = new Float64Array(2 * R + 1);
  let s2 = 0;
  for (let u = -R; u <= R; u++) {
    k[u + R] = Math.exp(-(u * u) / (length * length));
    s2 += k[u + R] ** 2;
  }
  const norm = 1 / Math.sqrt(s2);
  for (let i = 0; i < k.length; i++) k[i] *= norm;
  return k;
}

/** The field's correlation at lag d along one axis (exact for the discrete kernel). */
export function fieldCorrelation(length: number, d: number): number {
  const k = kernelTaps(length);
  let s = 0;
  for (let u = 0; u + Math.abs(d) < k.length; u++) s += k[u] * k[u + Math.abs(d)];
  return s;
}

/** The banded [n, n + 2R] matrix A with (A w)[i] = sum_u k(u) w[i + R + u]: a "valid" 1-D convolution. */
function bandMatrix(k: Float64Array, n: number): np.Array {
  const m = n + k.length - 1;
  const a = new Float32Array(n * m);
  for (let i = 0; i < n; i++) for (let u = 0; u < k.length; u++) a[i * m + i + u] = k[u];
  return np.array(a, { shape: [n, m] });
}

/**
 * One correlated field per sample and channel, [batch, H, W, C], marginal N(0, sigma^2).
 * Traceable (runs inside jit). Consumes key.
 */
export function sampleCorrelatedField(key: np.Array, batch: number, shape: readonly number[], sigma: number, length: number): np.Array {
  const [H, W, C] = shape;
  const k = kernelTaps(length);
  if (k.length === 1) return random.normal(key, [batch, H, W, C]).mul(sigma);
  const pad = k.length - 1;
  // White noise drawn as [Hp, B*C*Wp] (i.i.d., so any layout is the same draw): rows are one
  // 2-D matmul, [H, Hp] @ [Hp, B*C*Wp], columns another, [H*B*C, Wp] @ [Wp, W]; then NHWC.
  const w = random.normal(key, [H + pad, batch * C * (W + pad)]);
  const rows = np.dot(bandMatrix(k, H), w).reshape([H * batch * C, W + pad]);
  const field = np.dot(rows, bandMatrix(k, W).transpose()).reshape([H, batch, C, W]);
  return field.transpose([1, 0, 3, 2]).mul(sigma);
}

/** Correlated Gaussian noise: a field at conv sites, white scalar eps at dense sites. */
export function correlatedNoise(sigma: number, length: number): NoiseModel {
  kernelTaps(length); // validate once, at build time
  return {
    kind: "correlated",
    sigma,
    scalar: false,
    sample(key: np.Array, batch: number, site: NinSite) {
      if (site.kind === "fc") return sampleEps(key, batch, sigma, "gaussian");
      return sampleCorrelatedField(key, batch, site.shape, sigma, length);
    },
  };
}

