/**
 * Pile-up-like NIN noise (docs/method.md §6.1): per sample a Poisson number N ~ Poisson(mu) of
 * soft, shower-like deposits, each a 2-D Gaussian blob of width r cells at a uniform position,
 * with an Exponential(1) amplitude (a falling spectrum), the same blobs in every channel (a
 * deposit hits every calorimeter layer at one place):
 *
 *   P(x) = sum_{j < N} A_j exp(-|x - c_j|^2 / (2 r^2))
 *
 * Centres are uniform over the image extended by a margin of 3r, so blobs just outside the window
 * leak in, as real pile-up does. By Campbell's theorem the per-pixel mean and variance are
 *
 *   m(x) = mu E[A]   E_c[g(x - c)]       = mu a_y(i) a_x(j)
 *   v(x) = mu E[A^2] E_c[g(x - c)^2]     = 2 mu b_y(i) b_x(j)
 *
 * (closed forms with erf below), and eps = sigma (P - m) / sqrt(v) pixel by pixel: zero mean and
 * variance sigma^2 at every pixel (`zeroMean`, the default: a mean turns the first-order term of
 * docs/method.md §2.1 into a bias). With `zeroMean: false`, eps = sigma P / sqrt(v): standard
 * deviation sigma about a positive mean sigma m / sqrt(v), i.e. the raw, one-sided deposits.
 *
 * N is drawn by inverting the Poisson CDF on one uniform per sample, truncated at the count
 * whose upper tail is below 1e-9 (`poissonCap`), so everything has static shapes and runs inside
 * jit. Dense (fc) sites get white scalar eps [B].
 */
import { numpy as np, random } from "@jax-js/jax";
import { splitN } from "../engine/keys.ts";
import { type NoiseModel, sampleEps } from "./noise.ts";
import type { NinSite } from "./sites.ts";

export type PileupOptions = {
  /** Mean number of blobs per sample, mu > 0. */
  rate: number;
  /** Blob width r (Gaussian standard deviation, cells), > 0. */
  size: number;
  /** Subtract the analytic mean (default true). */
  zeroMean: boolean;
};

/** Upper-tail probability left out by the truncated Poisson draw. */
const POISSON_TAIL = 1e-9;

/** Poisson CDF F(0..K-1) up to the first K with P(N >= K) < 1e-9; K is the largest count drawn. */
export function poissonCdf(mu: number): number[] {
  const cdf: number[] = [];
  let p = Math.exp(-mu);
  let F = 0;
  for (let k = 0; k < 10_000; k++) {
    F += p;
    cdf.push(F);
    if (1 - F < POISSON_TAIL) break;
    p *= mu / (k + 1);
  }
  return cdf;
}

/** The largest count `poissonCounts` can return for rate mu. */
export const poissonCap = (mu: number) => poissonCdf(mu).length;

/** N ~ Poisson(mu) per sample, [batch] float32, by inverting the CDF at one uniform each. Consumes key. */
export function poissonCounts(key: np.Array, batch: number, mu: number): np.Array {
  const cdf = poissonCdf(mu);
  const u = random.uniform(key, [batch, 1]);
  return np.greater(u, np.array(Float32Array.from(cdf), { shape: [1, cdf.length] })).astype(np.float32).sum(1);
}

/** erf, Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7). */
function erf(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

/** The centre range along an axis of n cells: [-margin, n - 1 + margin]. */
const margin = (r: number) => 3 * r;

/**
 * E_c[exp(-(i - c)^2 / (2 s^2))] for c uniform on [-M, n - 1 + M], per cell i: the blob profile's
 * mean along one axis (s = r) or its square's (s = r / sqrt(2)).
 */
function axisMean(n: number, r: number, s: number): Float64Array {
  const M = margin(r);
  const L = n - 1 + 2 * M;
  const out = new Float64Array(n);
  const c = s * Math.SQRT2;
  for (let i = 0; i < n; i++) out[i] = ((s * Math.sqrt(Math.PI / 2)) / L) * (erf((n - 1 + M - i) / c) - erf((-M - i) / c));
  return out;
}

/** Per-pixel mean m and variance v of P over an [H, W] window (Campbell's theorem), row-major. */
export function pileupMoments(H: number, W: number, o: Pick<PileupOptions, "rate" | "size">): { mean: Float64Array; variance: Float64Array } {
  const r = o.size;
  const [ay, ax] = [axisMean(H, r, r), axisMean(W, r, r)];
  const [by, bx] = [axisMean(H, r, r / Math.SQRT2), axisMean(W, r, r / Math.SQRT2)];
  const mean = new Float64Array(H * W);
  const variance = new Float64Array(H * W);
  for (let i = 0; i < H; i++)
    for (let j = 0; j < W; j++) {
      mean[i * W + j] = o.rate * ay[i] * ax[j]; // E[A] = 1
      variance[i * W + j] = 2 * o.rate * by[i] * bx[j]; // E[A^2] = 2
    }
  return { mean, variance };
}

/**
 * The raw deposits P and the counts behind them, on an [H, W] window.
 * @returns counts [batch] (float32), field [batch, H, W]. Traceable. Consumes key.
 */
export function drawPileup(key: np.Array, batch: number, H: number, W: number, o: Pick<PileupOptions, "rate" | "size">): { counts: np.Array; field: np.Array } {
  const K = poissonCap(o.rate);
  const [kN, kY, kX, kA] = splitN(key, 4);
  const counts = poissonCounts(kN, batch, o.rate);
  const M = margin(o.size);
  const cy = random.uniform(kY, [batch, K, 1], { minval: -M, maxval: H - 1 + M });
  const cx = random.uniform(kX, [batch, K, 1], { minval: -M, maxval: W - 1 + M });
  // Blob j is present when j < N: amplitude A_j, else 0.
  const present = np.greater(counts.ref.reshape([batch, 1]), np.arange(K).astype(np.float32).reshape([1, K])).astype(np.float32);
  const amp = random.exponential(kA, [batch, K]).mul(present).reshape([batch, K, 1]);
  const profile = (c: np.Array, n: number) => np.exp(np.square(np.arange(n).astype(np.float32).reshape([1, 1, n]).sub(c)).mul(-1 / (2 * o.size * o.size)));
  const gy = profile(cy, H).mul(amp); // [B, K, H]
  const gx = profile(cx, W); // [B, K, W]
  return { counts, field: np.matmul(gy.transpose([0, 2, 1]), gx) }; // [B, H, W]
}

/** Pile-up noise: normalised deposits at conv sites ([B, H, W, C]), white scalar eps at dense sites. */
export function pileupNoise(sigma: number, o: PileupOptions): NoiseModel {
  if (!(o.rate > 0) || !(o.size > 0)) throw new Error(`pileupNoise: rate and size must be > 0, got ${o.rate}, ${o.size}`);
  const cache = new Map<string, { shift: Float32Array; scale: Float32Array }>();
  const normaliser = (H: number, W: number) => {
    const id = `${H}x${W}`;
    let n = cache.get(id);
    if (!n) {
      const { mean, variance } = pileupMoments(H, W, o);
      const scale = Float32Array.from(variance, (v) => sigma / Math.sqrt(v));
      const shift = Float32Array.from(mean, (m, i) => (o.zeroMean ? m * scale[i] : 0));
      n = { shift, scale };
      cache.set(id, n);
    }
    return n;
  };
  return {
    kind: "pileup",
    sigma,
    scalar: false,
    sample(key: np.Array, batch: number, site: NinSite) {
      if (site.kind === "fc") return sampleEps(key, batch, sigma, "gaussian");
      const [H, W, C] = site.shape;
      const { counts, field } = drawPileup(key, batch, H, W, o);
      counts.dispose();
      const { shift, scale } = normaliser(H, W);
      const eps = field.mul(np.array(scale, { shape: [1, H, W] })).sub(np.array(shift, { shape: [1, H, W] }));
      return np.broadcastTo(eps.reshape([batch, H, W, 1]), [batch, H, W, C]);
    },
  };
}
