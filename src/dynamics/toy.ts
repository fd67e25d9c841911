/**
 * The linear toy model of docs/method.md §3: an exact, cheap check of the NINR phase boundaries.
 *
 * Model (width n, scalar regression y = a x, one NIN on the first layer):
 *
 *     h = u x + theta eps          u, theta in R^n
 *     f = v . h = p x + s eps      p = v . u,  s = v . theta  (s is the output coupling dF/d eps)
 *     x ~ N(0, 1),  eps ~ N(0, sigma^2), fresh every step
 *
 * Loss normalisation: L = mean_batch (f - y)^2 / 2. With this choice the function-space
 * (NTK) step is f <- f - eta * Theta r with Theta = J J^T / B, and the noise mode
 * (the batch vector eps) is an eigenvector of Theta's noise block with eigenvalue
 *
 *     lambda = m2 (|v|^2 + |theta|^2),   m2 = mean_batch eps^2   (E[m2] = sigma^2),
 *
 * so lambda(t) = sigma^2 (|v|^2 + |theta|^2) as in the spec, and the thresholds
 * eta*lambda = 2 (catapult onset) and 4 (divergence) refer to this lambda.
 *
 * Because the model is linear and the inputs are Gaussian, the batch gradient depends on the
 * batch only through three moments: Sxx = mean x^2, Sxe = mean x eps, See = mean eps^2.
 *
 *     r = (p - a) x + s eps
 *     L       = ((p-a)^2 Sxx + 2 (p-a) s Sxe + s^2 See) / 2
 *     dL/du   = mean(r x) v                    mean(r x)   = (p-a) Sxx + s Sxe
 *     dL/dv   = mean(r x) u + mean(r eps) theta  mean(r eps) = (p-a) Sxe + s See
 *     dL/dtheta = mean(r eps) v
 *
 * The default sampler ("moments") draws (Sxx, Sxe, See/sigma^2) * B exactly from their joint
 * law, a 2x2 Wishart(B, I), by the Bartlett decomposition: the same distribution as drawing
 * B samples of (x, eps), at O(1) cost per step instead of O(B). The "batch" sampler draws the
 * B samples explicitly (slower; for cross-checks).
 *
 * Noise-only identities (x = 0, any fixed eps batch with m2 = mean eps^2, g = eta m2 s), exact
 * (not only to leading order in eta):
 *
 *     Q = |v|^2 + |theta|^2:   Q' - Q = eta m2 s^2 (eta m2 Q - 4) = eta m2 s^2 (eta lambda - 4)
 *     s' = s (1 - eta lambda + (eta m2 s)^2)
 *
 * Averaged over fresh Gaussian noise, E[m2^2] = sigma^4 (1 + 2/B), so the expected change is
 * eta sigma^2 s^2 (eta lambda (1 + 2/B) - 4): the docs/method.md §3.3 formula up to a 2/B correction.
 *
 * Pure math: no I/O, no logging. Randomness only from HostRng.
 */
import { DEFAULT_CONFIG } from "../config.ts";
import { NinrError } from "../errors.ts";
import { DECOUPLED_K_STEPS, K_CATAPULT, K_CEILING_LINEAR } from "./predict.ts";
import { HostRng } from "../engine/hostRng.ts";
import { median } from "../stats.ts";

// ---------------------------------------------------------------------------------------------
// Thresholds (named, documented; the classifier below uses only these)
// ---------------------------------------------------------------------------------------------

/** eta*lambda above which the noise mode is linearly unstable (|1 - k| > 1): catapult onset (predict.ts). */
export { K_CATAPULT };
/** eta*lambda above which |v|^2 + |theta|^2 grows under the noise-only map: divergence (the linear ceiling). */
export const K_DIVERGE = K_CEILING_LINEAR;
/** Population loss above which a run is stopped and called divergent (the runs' divergeLoss default). */
export const LOSS_DIVERGE = DEFAULT_CONFIG.divergeLoss;
/**
 * A catapult must raise the peak |v.theta| above CATAPULT_RISE times its value after step 1
 * (rises are measured after the first step, not at initialisation: docs/method.md §2.6).
 */
export const CATAPULT_RISE = 1.2;
/** Below this k0 * steps the NIWs cannot feel the curvature within the run: "decoupled" (predict.ts). */
export { DECOUPLED_K_STEPS };
/** Absolute tolerance on eta*lambda when testing "started at or above K_CATAPULT". */
export const K_TOL = 1e-9;
/** Fraction of the run used as the tail window for "eta*lambda still growing at the end". */
export const TAIL_FRACTION = 0.1;
/** Relative growth of eta*lambda over the tail window that counts as "growing" (k >= 2 only). */
export const TAIL_GROWTH = 0.01;

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

export type ToySampler = "moments" | "batch";

export interface ToyConfig {
  /** Requested eta * lambda0 at initialisation; sets sigma. */
  k0: number;
  /** Hidden width n. */
  width: number;
  /** Batch size B. */
  batch: number;
  /** SGD learning rate eta (same for u, v, theta). */
  lr: number;
  /** Number of SGD steps. */
  steps: number;
  /** Target slope a (y = a x). */
  a: number;
  /** How the batch is drawn: exact batch moments (fast, default) or explicit samples. */
  sampler: ToySampler;
}

/** Spec section 3 defaults (steps is ours: enough for catapults near k0 = 2.1 to resolve). */
export const TOY_DEFAULTS: Omit<ToyConfig, "k0"> = {
  width: 100,
  batch: 512,
  lr: 0.01,
  steps: 1000,
  a: 1,
  sampler: "moments",
};

export type ToyOutcome = "decoupled" | "decay" | "catapult" | "unresolved" | "divergent";
export const TOY_OUTCOMES: readonly ToyOutcome[] = ["decoupled", "decay", "catapult", "unresolved", "divergent"];

function checkConfig(c: ToyConfig): void {
  const bad = (m: string) => {
    throw new NinrError(`toy model: ${m}`);
  };
  if (!Number.isFinite(c.k0) || c.k0 <= 0) bad(`k0 must be a finite number > 0, got ${c.k0}`);
  if (!Number.isInteger(c.width) || c.width < 1) bad(`width must be an integer >= 1, got ${c.width}`);
  if (!Number.isInteger(c.batch) || c.batch < 1) bad(`batch must be an integer >= 1, got ${c.batch}`);
  if (!Number.isFinite(c.lr) || c.lr <= 0) bad(`lr must be a finite number > 0, got ${c.lr}`);
  if (!Number.isInteger(c.steps) || c.steps < 1) bad(`steps must be an integer >= 1, got ${c.steps}`);
  if (!Number.isFinite(c.a)) bad(`a must be finite, got ${c.a}`);
  if (c.sampler !== "moments" && c.sampler !== "batch") bad(`sampler must be moments|batch, got ${String(c.sampler)}`);
}

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

// ---------------------------------------------------------------------------------------------
// Simulation
// ---------------------------------------------------------------------------------------------

/** Per-step traces; index t is the state after t SGD steps (t = 0 is the initialisation). */
export interface ToyTraces {
  /** Population training loss with noise on: E[(f-y)^2]/2 = ((p-a)^2 + s^2 sigma^2)/2 (exact). */
  loss: Float64Array;
  /** Population test loss (eps = 0): (p-a)^2 / 2. */
  testLoss: Float64Array;
  /** Output coupling |v . theta| (= |d f / d eps|, the coupling ||J theta|| of docs/method.md §2.6). */
  coupling: Float64Array;
  /** eta * lambda(t), lambda(t) = sigma^2 (|v|^2 + |theta|^2). */
  k: Float64Array;
  /** ||theta||. */
  thetaNorm: Float64Array;
}

export interface ToySummary {
  kFinal: number;
  kMax: number;
  couplingInit: number;
  couplingAfterStep1: number;
  couplingPeak: number;
  couplingFinal: number;
  lossInit: number;
  lossPeak: number;
  lossFinal: number;
  testLossFinal: number;
}

export interface ToyRun {
  config: ToyConfig;
  seed: number;
  sigma: number;
  /** eta * lambda_data at init (the data mode; must be < 2 or the run diverges for other reasons). */
  kData0: number;
  /** SGD steps actually taken (fewer than config.steps when stopped as divergent). */
  stepsRun: number;
  /** Stopped early: a non-finite value or a loss above LOSS_DIVERGE. */
  stoppedEarly: boolean;
  traces: ToyTraces;
  summary: ToySummary;
  outcome: ToyOutcome;
}

/**
 * Train the toy model for `steps` SGD steps at the sigma that gives eta*lambda0 = k0.
 * Divergence is an outcome, not an error: the run stops at the first non-finite value or
 * population loss above LOSS_DIVERGE, and the traces end there.
 */
export function simulateToy(cfg: Partial<ToyConfig> & { k0: number }, seed: number): ToyRun {
  const config: ToyConfig = { ...TOY_DEFAULTS, ...stripUndefined(cfg) } as ToyConfig;
  checkConfig(config);
  if (!Number.isFinite(seed)) throw new NinrError(`toy model: seed must be finite, got ${seed}`);
  const { width, batch, lr, steps, a } = config;
  const root = new HostRng(seed);
  const initRng = root.fork();
  const noiseRng = root.fork();
  const p = initToyParams(width, initRng);
  const sigma = sigmaForK0(p, config.k0, lr);
  const sigma2 = sigma * sigma;
  const kData0 = lr * dataLambda(p);
  const draw = config.sampler === "moments" ? sampleMoments : sampleMomentsExplicit;

  const loss = new Float64Array(steps + 1);
  const testLoss = new Float64Array(steps + 1);
  const coupling = new Float64Array(steps + 1);
  const k = new Float64Array(steps + 1);
  const thetaNorm = new Float64Array(steps + 1);

  let t = 0;
  let stoppedEarly = false;
  for (;;) {
    const d = dot(p.v, p.u) - a;
    const s = dot(p.v, p.theta);
    const vv = dot(p.v, p.v);
    const tt = dot(p.theta, p.theta);
    loss[t] = (d * d + s * s * sigma2) / 2;
    testLoss[t] = (d * d) / 2;
    coupling[t] = Math.abs(s);
    k[t] = lr * sigma2 * (vv + tt);
    thetaNorm[t] = Math.sqrt(tt);
    if (!(Number.isFinite(loss[t]) && Number.isFinite(k[t]) && loss[t] <= LOSS_DIVERGE)) {
      stoppedEarly = true;
      break;
    }
    if (t === steps) break;
    sgdStep(p, draw(noiseRng, batch, sigma), a, lr);
    t++;
  }
  const traces: ToyTraces = {
    loss: loss.slice(0, t + 1),
    testLoss: testLoss.slice(0, t + 1),
    coupling: coupling.slice(0, t + 1),
    k: k.slice(0, t + 1),
    thetaNorm: thetaNorm.slice(0, t + 1),
  };
  const summary = summarize(traces);
  const outcome = classifyToy(traces, { stoppedEarly, k0: config.k0, steps });
  return { config, seed, sigma, kData0, stepsRun: t, stoppedEarly, traces, summary, outcome };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const r: Partial<T> = {};
  for (const [key, val] of Object.entries(o)) if (val !== undefined) (r as Record<string, unknown>)[key] = val;
  return r;
}

function maxOf(a: Float64Array): number {
  let m = -Infinity;
  for (let i = 0; i < a.length; i++) if (a[i] > m || Number.isNaN(a[i])) m = a[i];
  return m;
}

function summarize(tr: ToyTraces): ToySummary {
  const last = tr.k.length - 1;
  return {
    kFinal: tr.k[last],
    kMax: maxOf(tr.k),
    couplingInit: tr.coupling[0],
    couplingAfterStep1: tr.coupling[Math.min(1, last)],
    couplingPeak: maxOf(tr.coupling),
    couplingFinal: tr.coupling[last],
    lossInit: tr.loss[0],
    lossPeak: maxOf(tr.loss),
    lossFinal: tr.loss[last],
    testLossFinal: tr.testLoss[last],
  };
}

/**
 * Outcome of one run (spec sections 2 and 3), in this order:
 * 1. divergent: stopped early (non-finite or loss > LOSS_DIVERGE), or final eta*lambda >=
 *    K_DIVERGE, or final eta*lambda >= K_CATAPULT and still growing over the tail window
 *    (relative growth > TAIL_GROWTH over the last TAIL_FRACTION of the run);
 * 2. unresolved: finite, but eta*lambda is still >= K_CATAPULT at the end and not growing
 *    (a catapult that has not happened yet: run longer);
 * 3. catapult: eta*lambda was >= K_CATAPULT at some point (in practice at init, k0 > 2), was
 *    driven below K_CATAPULT, and peak |v.theta| > CATAPULT_RISE * |v.theta| after step 1;
 * 4. decoupled: k0 * steps < DECOUPLED_K_STEPS (the NIWs cannot feel the curvature);
 * 5. decay: everything else (eta*lambda ends below 2 with no catapult rise of the coupling).
 */
export function classifyToy(tr: ToyTraces, info: { stoppedEarly: boolean; k0: number; steps: number }): ToyOutcome {
  const last = tr.k.length - 1;
  const kEnd = tr.k[last];
  if (info.stoppedEarly || !Number.isFinite(kEnd)) return "divergent";
  if (kEnd >= K_DIVERGE) return "divergent";
  if (kEnd >= K_CATAPULT) {
    const w = Math.max(1, Math.round(TAIL_FRACTION * last));
    const kBefore = tr.k[Math.max(0, last - w)];
    if (kEnd > kBefore * (1 + TAIL_GROWTH)) return "divergent";
    return "unresolved";
  }
  const c1 = tr.coupling[Math.min(1, last)];
  // K_TOL: k0 = 2 requested exactly should not be decided by the last bit of sigma^2 * Q.
  if (maxOf(tr.k) >= K_CATAPULT - K_TOL && maxOf(tr.coupling) > CATAPULT_RISE * c1) return "catapult";
  if (info.k0 * info.steps < DECOUPLED_K_STEPS) return "decoupled";
  return "decay";
}

// ---------------------------------------------------------------------------------------------
// Sweep
// ---------------------------------------------------------------------------------------------

/** Default grid: k0 = 0.2, 0.3, ..., 5.0 (step 0.1 everywhere, so also near 2 and 4). */
export function toyGrid(kMin = 0.2, kMax = 5.0, kStep = 0.1): number[] {
  if (!(Number.isFinite(kMin) && Number.isFinite(kMax) && Number.isFinite(kStep)) || kMin <= 0 || kStep <= 0)
    throw new NinrError(`toy grid: need finite k-min > 0 and k-step > 0, got ${kMin}, ${kStep}`);
  if (kMax < kMin) throw new NinrError(`toy grid: k-max (${kMax}) must be >= k-min (${kMin})`);
  const count = Math.floor((kMax - kMin) / kStep + 1e-9) + 1;
  if (count > 100_000) throw new NinrError(`toy grid: ${count} points is too many; raise k-step`);
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(Number((kMin + i * kStep).toPrecision(12)));
  return out;
}

export interface ToySweepOptions extends Partial<Omit<ToyConfig, "k0">> {
  /** k0 values (default toyGrid()). */
  k0s?: number[];
  /** Seed count (seeds 0..n-1) or explicit seeds (default 3). */
  seeds?: number | number[];
}

/** One run, reduced for JSON (non-finite numbers become null). */
export interface ToyRunRecord {
  seed: number;
  outcome: ToyOutcome;
  sigma: number;
  k_data0: number;
  steps_run: number;
  final_k: number | null;
  max_k: number | null;
  coupling_init: number;
  coupling_after_step1: number | null;
  peak_coupling: number | null;
  final_coupling: number | null;
  loss_init: number;
  peak_loss: number | null;
  final_loss: number | null;
}

export interface ToySweepPoint {
  k0: number;
  counts: Record<ToyOutcome, number>;
  /** The outcome of more than half of the seeds, or null. */
  majority: ToyOutcome | null;
  /** Median over seeds of final eta*lambda (non-divergent runs only; null if none). */
  final_k_median: number | null;
  /** Median over seeds of peak |v.theta| (non-divergent runs only; null if none). */
  peak_coupling_median: number | null;
  runs: ToyRunRecord[];
}

export interface ToySweepResult {
  /** Midpoint between the largest majority-decay k0 and the smallest majority-catapult k0. */
  catapult_onset_k: number | null;
  /** Midpoint between the largest majority-converging k0 and the smallest majority-divergent k0. */
  divergence_k: number | null;
  points: ToySweepPoint[];
  config: Omit<ToyConfig, "k0"> & { k0s: number[]; seeds: number[] };
}

const fin = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** Median, null for no values (JSON has no NaN). */
const medianOrNull = (xs: number[]): number | null => (xs.length ? median(xs) : null);

function record(r: ToyRun): ToyRunRecord {
  const s = r.summary;
  return {
    seed: r.seed,
    outcome: r.outcome,
    sigma: r.sigma,
    k_data0: r.kData0,
    steps_run: r.stepsRun,
    final_k: fin(s.kFinal),
    max_k: fin(s.kMax),
    coupling_init: s.couplingInit,
    coupling_after_step1: fin(s.couplingAfterStep1),
    peak_coupling: fin(s.couplingPeak),
    final_coupling: fin(s.couplingFinal),
    loss_init: s.lossInit,
    peak_loss: fin(s.lossPeak),
    final_loss: fin(s.lossFinal),
  };
}

const CONVERGED: readonly ToyOutcome[] = ["decoupled", "decay", "catapult"];

/** Run every (k0, seed) and locate the catapult onset and the divergence ceiling. */
export function sweepToy(opts: ToySweepOptions = {}): ToySweepResult {
  const { k0s: k0sOpt, seeds: seedsOpt, ...rest } = opts;
  const base: Omit<ToyConfig, "k0"> = { ...TOY_DEFAULTS, ...stripUndefined(rest) } as Omit<ToyConfig, "k0">;
  const k0s = k0sOpt ?? toyGrid();
  if (k0s.length === 0) throw new NinrError("toy sweep: k0 list is empty");
  const seedsIn = seedsOpt ?? 3;
  let seeds: number[];
  if (typeof seedsIn === "number") {
    if (!Number.isInteger(seedsIn) || seedsIn < 1) throw new NinrError(`toy sweep: seeds must be an integer >= 1, got ${seedsIn}`);
    seeds = Array.from({ length: seedsIn }, (_, i) => i);
  } else {
    if (seedsIn.length === 0) throw new NinrError("toy sweep: seed list is empty");
    seeds = [...seedsIn];
  }
  const sorted = [...k0s].sort((a, b) => a - b);

  const points: ToySweepPoint[] = sorted.map((k0) => {
    const runs = seeds.map((seed) => simulateToy({ ...base, k0 }, seed));
    const counts = Object.fromEntries(TOY_OUTCOMES.map((o) => [o, 0])) as Record<ToyOutcome, number>;
    for (const r of runs) counts[r.outcome]++;
    const maj = TOY_OUTCOMES.find((o) => counts[o] * 2 > runs.length) ?? null;
    const ok = runs.filter((r) => r.outcome !== "divergent");
    return {
      k0,
      counts,
      majority: maj,
      final_k_median: medianOrNull(ok.map((r) => r.summary.kFinal)),
      peak_coupling_median: medianOrNull(ok.map((r) => r.summary.couplingPeak)),
      runs: runs.map(record),
    };
  });

  const n = seeds.length;
  const majorityOf = (pt: ToySweepPoint, set: readonly ToyOutcome[]) => set.reduce((c, o) => c + pt.counts[o], 0) * 2 > n;
  const mid = (lo: number | undefined, hi: number | undefined) =>
    lo === undefined || hi === undefined ? null : Number(((lo + hi) / 2).toPrecision(12));
  const largest = (pred: (p: ToySweepPoint) => boolean) => points.filter(pred).map((p) => p.k0).pop();
  const smallest = (pred: (p: ToySweepPoint) => boolean) => points.filter(pred).map((p) => p.k0)[0];

  return {
    catapult_onset_k: mid(largest((p) => p.majority === "decay"), smallest((p) => p.majority === "catapult")),
    divergence_k: mid(largest((p) => majorityOf(p, CONVERGED)), smallest((p) => p.majority === "divergent")),
    points,
    config: { ...base, k0s: sorted, seeds },
  };
}
