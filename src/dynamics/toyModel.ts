/**
 * The linear toy model's math (docs/method.md §3; the derivation is in toy.ts): parameters,
 * batch moments, the exact loss and gradient, one SGD step, the noise-mode curvature, and the
 * exact batch-moment sampler. Pure; randomness only from HostRng.
 */
import type { HostRng } from "../engine/hostRng.ts";
import { NinrError } from "../errors.ts";

// ---------------------------------------------------------------------------------------------
// Model, loss, gradients
// ---------------------------------------------------------------------------------------------

export interface ToyParams {
  u: Float64Array;
  v: Float64Array;
  theta: Float64Array;
}

/** Batch means of x^2, x*eps, eps^2 (eps includes sigma). */
export interface BatchMoments {
  sxx: number;
  sxe: number;
  see: number;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function batchMoments(x: ArrayLike<number>, eps: ArrayLike<number>): BatchMoments {
  if (x.length !== eps.length || x.length === 0) throw new NinrError("batchMoments: x and eps must be non-empty and equally long");
  let sxx = 0, sxe = 0, see = 0;
  for (let i = 0; i < x.length; i++) {
    sxx += x[i] * x[i];
    sxe += x[i] * eps[i];
    see += eps[i] * eps[i];
  }
  const B = x.length;
  return { sxx: sxx / B, sxe: sxe / B, see: see / B };
}

/**
 * Reference forward pass, sample by sample: L = mean_b (v.(u x_b + theta eps_b) - a x_b)^2 / 2.
 * Independent of the moment algebra; used as the oracle in tests.
 */
export function toyBatchLoss(p: ToyParams, x: ArrayLike<number>, eps: ArrayLike<number>, a: number): number {
  const n = p.u.length;
  let L = 0;
  for (let b = 0; b < x.length; b++) {
    let f = 0;
    for (let i = 0; i < n; i++) f += p.v[i] * (p.u[i] * x[b] + p.theta[i] * eps[b]);
    const r = f - a * x[b];
    L += (r * r) / 2;
  }
  return L / x.length;
}

export interface ToyLossGrad {
  loss: number;
  gu: Float64Array;
  gv: Float64Array;
  gtheta: Float64Array;
}

/** Batch loss and its exact gradient, from the batch moments (see the header). */
export function toyLossGrad(p: ToyParams, m: BatchMoments, a: number): ToyLossGrad {
  const d = dot(p.v, p.u) - a;
  const s = dot(p.v, p.theta);
  const rx = d * m.sxx + s * m.sxe;
  const re = d * m.sxe + s * m.see;
  const n = p.u.length;
  const gu = new Float64Array(n), gv = new Float64Array(n), gtheta = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    gu[i] = rx * p.v[i];
    gv[i] = rx * p.u[i] + re * p.theta[i];
    gtheta[i] = re * p.v[i];
  }
  return { loss: (d * d * m.sxx + 2 * d * s * m.sxe + s * s * m.see) / 2, gu, gv, gtheta };
}

/** One plain SGD step on u, v, theta (in place, simultaneous update). Returns the batch loss. */
export function sgdStep(p: ToyParams, m: BatchMoments, a: number, lr: number): number {
  const d = dot(p.v, p.u) - a;
  const s = dot(p.v, p.theta);
  const rx = d * m.sxx + s * m.sxe;
  const re = d * m.sxe + s * m.see;
  const { u, v, theta } = p;
  for (let i = 0; i < u.length; i++) {
    const ui = u[i], vi = v[i], ti = theta[i];
    u[i] = ui - lr * rx * vi;
    v[i] = vi - lr * (rx * ui + re * ti);
    theta[i] = ti - lr * re * vi;
  }
  return (d * d * m.sxx + 2 * d * s * m.sxe + s * s * m.see) / 2;
}

/** Heavy-ball velocity buffers (zero at the start). */
export function zeroVelocity(width: number): ToyParams {
  return { u: new Float64Array(width), v: new Float64Array(width), theta: new Float64Array(width) };
}

/**
 * One heavy-ball step (m <- beta m + g, p <- p - lr m; the toolkit's traceMomentum) on u, v,
 * theta, in place, velocities in `vel`. beta = 0 is exactly sgdStep. Returns the batch loss.
 */
export function heavyBallStep(p: ToyParams, vel: ToyParams, m: BatchMoments, a: number, lr: number, beta: number): number {
  const g = toyLossGrad(p, m, a);
  for (let i = 0; i < p.u.length; i++) {
    vel.u[i] = beta * vel.u[i] + g.gu[i];
    vel.v[i] = beta * vel.v[i] + g.gv[i];
    vel.theta[i] = beta * vel.theta[i] + g.gtheta[i];
    p.u[i] -= lr * vel.u[i];
    p.v[i] -= lr * vel.v[i];
    p.theta[i] -= lr * vel.theta[i];
  }
  return g.loss;
}

/** Noise-mode NTK eigenvalue sigma^2 (|v|^2 + |theta|^2) (pass m2 = mean eps^2 for a fixed batch). */
export function noiseLambda(p: ToyParams, sigma2: number): number {
  return sigma2 * (dot(p.v, p.v) + dot(p.theta, p.theta));
}

/** Data-mode NTK eigenvalue E[x^2] (|u|^2 + |v|^2); eta times this must stay below 2 too. */
export function dataLambda(p: ToyParams): number {
  return dot(p.u, p.u) + dot(p.v, p.v);
}

/** Defaults (docs/method.md §3.4): u ~ N(0,1), v, theta ~ N(0, 1/n). */
export function initToyParams(width: number, rng: HostRng): ToyParams {
  const u = new Float64Array(width), v = new Float64Array(width), theta = new Float64Array(width);
  const sd = 1 / Math.sqrt(width);
  for (let i = 0; i < width; i++) u[i] = rng.normal();
  for (let i = 0; i < width; i++) v[i] = rng.normal() * sd;
  for (let i = 0; i < width; i++) theta[i] = rng.normal() * sd;
  return { u, v, theta };
}

/** sigma that makes eta * sigma^2 (|v|^2 + |theta|^2) equal k0 for these weights. */
export function sigmaForK0(p: ToyParams, k0: number, lr: number): number {
  return Math.sqrt(k0 / (lr * (dot(p.v, p.v) + dot(p.theta, p.theta))));
}

// ---------------------------------------------------------------------------------------------
// Exact batch-moment sampler
// ---------------------------------------------------------------------------------------------

/** Gamma(shape, 1) by Marsaglia–Tsang (exact), with the shape < 1 boost. */
export function gammaDraw(rng: HostRng, shape: number): number {
  if (shape <= 0) return 0;
  if (shape < 1) {
    let u = 0;
    while (u === 0) u = rng.uniform();
    return gammaDraw(rng, shape + 1) * Math.pow(u, 1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const z = rng.normal();
    const t = 1 + c * z;
    if (t <= 0) continue;
    const v = t * t * t;
    const u = rng.uniform();
    if (u < 1 - 0.0331 * z * z * z * z) return d * v;
    if (u > 0 && Math.log(u) < 0.5 * z * z + d * (1 - v + Math.log(v))) return d * v;
  }
}

/**
 * Batch moments of B i.i.d. draws x ~ N(0,1), eps ~ N(0, sigma^2), with the exact joint law:
 * the scatter matrix of (x, eps/sigma) is Wishart_2(B, I) = L L^T with
 * L = [[c1, 0], [z, c2]], c1^2 ~ chi2(B), c2^2 ~ chi2(B-1), z ~ N(0,1) (Bartlett).
 */
export function sampleMoments(rng: HostRng, batch: number, sigma: number): BatchMoments {
  const c1 = Math.sqrt(2 * gammaDraw(rng, batch / 2));
  const c2 = Math.sqrt(2 * gammaDraw(rng, (batch - 1) / 2));
  const z = rng.normal();
  return {
    sxx: (c1 * c1) / batch,
    sxe: (sigma * c1 * z) / batch,
    see: (sigma * sigma * (z * z + c2 * c2)) / batch,
  };
}

/** Batch moments from B explicit draws (the reference sampler). */
export function sampleMomentsExplicit(rng: HostRng, batch: number, sigma: number): BatchMoments {
  let sxx = 0, sxe = 0, see = 0;
  for (let b = 0; b < batch; b++) {
    const x = rng.normal();
    const e = sigma * rng.normal();
    sxx += x * x;
    sxe += x * e;
    see += e * e;
  }
  return { sxx: sxx / batch, sxe: sxe / batch, see: see / batch };
}
