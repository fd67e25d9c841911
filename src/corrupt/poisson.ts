/**
 * Exact Poisson sampling on a `HostRng`, fast enough for shot noise on 10k images.
 *
 * `HostRng.poisson` uses Knuth's product method (cost ~lambda uniforms per draw) and a rounded
 * normal approximation above lambda = 50. Shot noise at the CIFAR-10-C levels draws
 * Poisson(x*c) with c up to 500, i.e. lambda up to 500 for every non-zero pixel; that costs
 * seconds per severity and the normal approximation is not Poisson. So this module draws with
 * the same two algorithms numpy's `np.random.poisson` uses (numpy/random/src/distributions/
 * distributions.c, `random_poisson`): below lambda = 10 an exact method needing ~lambda+1
 * flops (here inversion by sequential search on one uniform, instead of numpy's product of
 * uniforms), from lambda = 10 up Hormann's transformed rejection with squeeze, PTRS
 * (W. Hormann, "The transformed rejection method for generating Poisson random variables",
 * Insurance: Mathematics and Economics 12 (1993) 39-45), numpy's `random_poisson_ptrs`, with its
 * constants. Both are exact; all uniforms come from the given `HostRng`.
 */
import type { HostRng } from "../engine/hostRng.ts";

/** log(Gamma(x)) for x >= 1, numpy's `random_loggam` (Stirling series with a shift below 7). */
export function logGamma(x: number): number {
  const a = [
    8.333333333333333e-2, -2.777777777777778e-3, 7.936507936507937e-4, -5.952380952380952e-4, 8.417508417508418e-4,
    -1.917526917526918e-3, 6.410256410256410e-3, -2.955065359477124e-2, 1.796443723688307e-1, -1.3924322169059,
  ];
  if (x === 1 || x === 2) return 0;
  const n = x < 7 ? Math.trunc(7 - x) : 0;
  let x0 = x + n;
  const x2 = 1 / x0 / x0;
  let gl0 = a[9];
  for (let k = 8; k >= 0; k--) gl0 = gl0 * x2 + a[k];
  let gl = gl0 / x0 + 0.5 * 1.8378770664093453 + (x0 - 0.5) * Math.log(x0) - x0;
  for (let k = 1; k <= n; k++) {
    gl -= Math.log(x0 - 1);
    x0 -= 1;
  }
  return gl;
}

/** One Poisson(lambda) draw (lambda >= 0, finite). Exact; see the module comment. */
export function poissonSample(rng: HostRng, lambda: number): number {
  if (!(lambda > 0)) return 0;
  if (lambda < 10) {
    // Inversion: smallest k with F(k) >= u.
    const u = rng.uniform();
    let p = Math.exp(-lambda);
    let f = p;
    let k = 0;
    // The cap only matters when rounding leaves the summed CDF a hair below u (P ~ 1e-16);
    // P(Poisson(10) >= 100) is ~1e-60.
    while (u > f && k < 100) {
      k++;
      p *= lambda / k;
      f += p;
    }
    return k;
  }
  // PTRS (Hormann 1993), as numpy's random_poisson_ptrs.
  const slam = Math.sqrt(lambda);
  const loglam = Math.log(lambda);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const U = rng.uniform() - 0.5;
    const V = rng.uniform();
    const us = 0.5 - Math.abs(U);
    const k = Math.floor(((2 * a) / us + b) * U + lambda + 0.43);
    if (us >= 0.07 && V <= vr) return k;
    if (k < 0 || (us < 0.013 && V > us)) continue;
    if (Math.log(V) + Math.log(invalpha) - Math.log(a / (us * us) + b) <= -lambda + k * loglam - logGamma(k + 1)) {
      return k;
    }
  }
}
