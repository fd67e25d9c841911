/**
 * Phase prediction from the stability number k = eta * lambda_noise (docs/method.md §2), and the
 * phase-aware choice of sigma for a target k (docs/method.md §6, "Phase-aware sigma selection").
 *
 * Pure math: the measurement is passed in as a function, so this module runs no model.
 */
import { NinrError } from "../errors.ts";

export type Phase = "decoupled" | "decay" | "catapult" | "divergent";

/** Catapult onset: |1 - k| >= 1 (the poster's |1 - eta sigma^2 H| >= 1). */
export const K_CATAPULT = 2;
/**
 * Default divergence ceiling for ReLU nets. The linear toy model diverges at k = 4 exactly
 * (src/dynamics/toy.ts); docs/method.md §2.4 reports ReLU nets converging through catapults up to roughly
 * k = 12, so 12 is the default here and 4 is the right value for linear models.
 */
export const K_CEILING_RELU = 12;
export const K_CEILING_LINEAR = 4;
/**
 * The noise mode's stability edge in k for the run's optimizer: 2 for plain SGD, 2 (1 + beta)
 * for heavy-ball momentum beta (the recurrence r^2 - (1 + beta - k) r + beta = 0; the toy model
 * measures the catapult onset there, docs/method.md §2.3). Adam preconditions the step, so k =
 * eta * lambda_noise sets no edge: null.
 */
export function stabilityEdge(opt: { optimizer?: string; momentum?: number }): number | null {
  if (opt.optimizer === "adam") return null;
  return K_CATAPULT * (1 + (opt.momentum ?? 0));
}

/** Decoupled below this k * steps: the NIWs cannot feel the curvature within the run (docs/method.md §2: "say > 3"). */
export const DECOUPLED_K_STEPS = 3;

export type PhaseInput = {
  /** eta * lambda_noise at initialization. */
  k: number;
  /** SGD steps the run will take. */
  steps: number;
  /** Divergence ceiling (default 12: ReLU nets, docs/method.md §2; use 4 for the linear model). */
  ceiling?: number;
  /** Decoupled when k * steps is below this (default 3). */
  decoupledKSteps?: number;
  /** Catapult onset (default K_CATAPULT = 2, plain SGD; `stabilityEdge` for momentum). */
  edge?: number;
};

/**
 * The phase a run should show, from k at initialization, checked in this order:
 * divergent (k >= ceiling, or k = +inf), decoupled (k * steps < 3), decay (k < 2), catapult.
 * k <= 0 (no noise curvature) is decoupled.
 */
export function predictPhase(input: PhaseInput): Phase {
  const { k, steps } = input;
  const ceiling = input.ceiling ?? K_CEILING_RELU;
  const dks = input.decoupledKSteps ?? DECOUPLED_K_STEPS;
  const edge = input.edge ?? K_CATAPULT;
  if (Number.isNaN(k)) throw new NinrError("predictPhase: k is NaN (the curvature measurement failed)");
  if (!(steps >= 0) || !Number.isFinite(steps)) throw new NinrError(`predictPhase: steps must be a finite number >= 0, got ${steps}`);
  if (!(ceiling > edge)) throw new NinrError(`predictPhase: ceiling must be > the catapult edge ${edge}, got ${ceiling}`);
  if (k >= ceiling) return "divergent";
  if (k * steps < dks) return "decoupled";
  if (k < edge) return "decay";
  return "catapult";
}

/** Target k for a phase (docs/method.md §2, practical recipe: k ~ 1 for decay, k ~ 3 for catapult). */
export const TARGET_K = { decay: 1, catapult: 3 } as const;

export type SigmaSearchOptions = {
  /** First sigma to measure at (default 1). */
  sigma0?: number;
  /** Accept when |k / target - 1| <= tol (default 0.1). */
  tol?: number;
  /** Measurements at most, the first included (default 8). */
  maxMeasurements?: number;
  /** Search range for sigma (default [1e-3, 1e5]). */
  sigmaMin?: number;
  sigmaMax?: number;
};

export type SigmaSearchResult = {
  /** The sigma chosen: the converged one, else the measured one with k closest to the target (in log). */
  sigma: number;
  /** k measured at that sigma. */
  k: number;
  converged: boolean;
  /** Every measurement, in order. */
  history: { sigma: number; k: number }[];
};

/**
 * Pick sigma so that the measured k equals `targetK` (decay ~1, catapult ~3).
 *
 * 1. Measure k at sigma0 and guess by sigma^2 scaling: sigma = sigma0 sqrt(target / k0).
 * 2. Measure there. docs/method.md §2.7 warns the sigma^2 guess can overestimate k up to 4x at large
 *    sigma (ReLU patterns and softmax saturation change with the noise), so refine in
 *    (log sigma, log k): secant steps, kept inside the bracket [k < target, k > target] once
 *    there is one (falling back to bisection when the secant leaves it or stalls); before a
 *    bracket exists, the local log-log slope (clamped to [0.25, 4], default 2) extrapolates,
 *    at most a factor 100 in sigma per step.
 * k is assumed to increase with sigma. Each measurement should use fresh batches/noise; the
 * tolerance should exceed the measurement noise.
 */
export async function sigmaFor(targetK: number, measure: (sigma: number) => Promise<number>, opts: SigmaSearchOptions = {}): Promise<SigmaSearchResult> {
  const tol = opts.tol ?? 0.1;
  const maxN = opts.maxMeasurements ?? 8;
  const lo = opts.sigmaMin ?? 1e-3;
  const hi = opts.sigmaMax ?? 1e5;
  const sigma0 = opts.sigma0 ?? 1;
  if (!(targetK > 0) || !Number.isFinite(targetK)) throw new NinrError(`sigmaFor: target k must be a positive number, got ${targetK}`);
  if (!(tol > 0)) throw new NinrError(`sigmaFor: tol must be > 0, got ${tol}`);
  if (!Number.isInteger(maxN) || maxN < 1) throw new NinrError(`sigmaFor: maxMeasurements must be an integer >= 1, got ${maxN}`);
  if (!(lo > 0 && hi > lo)) throw new NinrError(`sigmaFor: need 0 < sigmaMin < sigmaMax, got ${lo}, ${hi}`);
  if (!(sigma0 >= lo && sigma0 <= hi)) throw new NinrError(`sigmaFor: sigma0 ${sigma0} is outside [${lo}, ${hi}]`);

  const history: { sigma: number; k: number }[] = [];
  const clampS = (s: number) => Math.min(hi, Math.max(lo, s));
  const logErr = (k: number) => (k > 0 && Number.isFinite(k) ? Math.abs(Math.log(k / targetK)) : Infinity);
  const ok = (k: number) => Math.abs(k / targetK - 1) <= tol;
  const take = async (sigma: number) => {
    const k = await measure(sigma);
    if (Number.isNaN(k)) throw new NinrError(`sigmaFor: measurement at sigma ${sigma} returned NaN`);
    history.push({ sigma, k });
    return k;
  };
  const best = () => history.reduce((a, b) => (logErr(b.k) < logErr(a.k) ? b : a));
  const done = (converged: boolean): SigmaSearchResult => {
    const b = best();
    return { sigma: b.sigma, k: b.k, converged, history };
  };

  let k = await take(sigma0);
  if (ok(k)) return done(true);
  let sigma = sigma0;
  let slope = 2; // sigma^2 scaling
  while (history.length < maxN) {
    // Bracket from all measurements: largest sigma below target, smallest above.
    const below = history.filter((h) => h.k > 0 && h.k < targetK).sort((a, b) => b.sigma - a.sigma)[0];
    const above = history.filter((h) => h.k > targetK).sort((a, b) => a.sigma - b.sigma)[0];
    let next: number;
    const lt = Math.log(targetK);
    if (below && above && below.sigma < above.sigma) {
      const [x0, y0, x1, y1] = [Math.log(below.sigma), Math.log(below.k), Math.log(above.sigma), Math.log(above.k)];
      // Secant (regula falsi) through the bracket, pulled towards the middle if it hugs an end.
      let x = x0 + ((lt - y0) * (x1 - x0)) / (y1 - y0);
      const w = x1 - x0;
      if (!Number.isFinite(x) || x <= x0 + 0.1 * w || x >= x1 - 0.1 * w) x = Math.min(Math.max(x, x0 + 0.1 * w), x1 - 0.1 * w);
      if (!Number.isFinite(x)) x = (x0 + x1) / 2;
      next = Math.exp(x);
    } else {
      if (!(k > 0) || !Number.isFinite(k)) {
        // No curvature signal (k = 0) or divergence (inf): move by a factor 10.
        next = k > 0 ? sigma / 10 : sigma * 10;
      } else {
        if (history.length >= 2) {
          const [a, b] = history.slice(-2);
          if (a.k > 0 && b.k > 0 && a.sigma !== b.sigma && Number.isFinite(a.k) && Number.isFinite(b.k)) {
            const s = Math.log(b.k / a.k) / Math.log(b.sigma / a.sigma);
            if (Number.isFinite(s)) slope = Math.min(4, Math.max(0.25, s));
          }
        }
        const step = Math.min(Math.log(100), Math.max(-Math.log(100), (lt - Math.log(k)) / slope));
        next = sigma * Math.exp(step);
      }
    }
    next = clampS(next);
    if (history.some((h) => Math.abs(Math.log(h.sigma / next)) < 1e-9)) break; // stuck at a bound or a repeat
    sigma = next;
    k = await take(sigma);
    if (ok(k)) return done(true);
  }
  return done(false);
}
