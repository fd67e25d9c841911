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
  /**
   * Heavy-ball momentum beta (m <- beta m + g, step -eta m; 0 = plain SGD). The noise mode's
   * linear recurrence r^2 - (1 + beta - k) r + beta = 0 is stable for k < 2 (1 + beta), so the
   * classifier's thresholds scale by 1 + beta (docs/method.md §2.3); the sweep measures where
   * the boundaries actually fall.
   */
  momentum: number;
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
  momentum: 0,
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
  if (!(Number.isFinite(c.momentum) && c.momentum >= 0 && c.momentum < 1)) bad(`momentum must be a number in [0, 1), got ${c.momentum}`);
  if (!Number.isFinite(c.a)) bad(`a must be finite, got ${c.a}`);
  if (c.sampler !== "moments" && c.sampler !== "batch") bad(`sampler must be moments|batch, got ${String(c.sampler)}`);
}

export * from "./toyModel.ts";
import { dataLambda, dot, heavyBallStep, initToyParams, sampleMoments, sampleMomentsExplicit, sgdStep, sigmaForK0, zeroVelocity } from "./toyModel.ts";
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
  const velocity = config.momentum > 0 ? zeroVelocity(width) : null;

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
    if (velocity) heavyBallStep(p, velocity, draw(noiseRng, batch, sigma), a, lr, config.momentum);
    else sgdStep(p, draw(noiseRng, batch, sigma), a, lr);
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
  const outcome = classifyToy(traces, { stoppedEarly, k0: config.k0, steps, momentum: config.momentum });
  return { config, seed, sigma, kData0, stepsRun: t, stoppedEarly, traces, summary, outcome };
}

export function stripUndefined<T extends object>(o: T): Partial<T> {
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
export function classifyToy(tr: ToyTraces, info: { stoppedEarly: boolean; k0: number; steps: number; momentum?: number }): ToyOutcome {
  const last = tr.k.length - 1;
  const kEnd = tr.k[last];
  // Heavy-ball momentum moves the noise mode's edge to 2 (1 + beta); both thresholds scale with it.
  const scale = 1 + (info.momentum ?? 0);
  const kCatapult = K_CATAPULT * scale;
  if (info.stoppedEarly || !Number.isFinite(kEnd)) return "divergent";
  if (kEnd >= K_DIVERGE * scale) return "divergent";
  if (kEnd >= kCatapult) {
    const w = Math.max(1, Math.round(TAIL_FRACTION * last));
    const kBefore = tr.k[Math.max(0, last - w)];
    if (kEnd > kBefore * (1 + TAIL_GROWTH)) return "divergent";
    return "unresolved";
  }
  const c1 = tr.coupling[Math.min(1, last)];
  // K_TOL: k0 = 2 requested exactly should not be decided by the last bit of sigma^2 * Q.
  if (maxOf(tr.k) >= kCatapult - K_TOL && maxOf(tr.coupling) > CATAPULT_RISE * c1) return "catapult";
  if (info.k0 * info.steps < DECOUPLED_K_STEPS) return "decoupled";
  return "decay";
}

